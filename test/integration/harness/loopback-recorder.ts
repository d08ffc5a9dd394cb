// tcpdump on a namespace's loopback: an independent record of what went over the wire.

import type { Subprocess } from "bun";
import { waitForText } from "./inject.ts";
import type { NetNamespace } from "./namespace.ts";

export class LoopbackRecorder {
	private constructor(
		private readonly tcpdump: Subprocess<"pipe" | "ignore", "pipe", "pipe">,
		private readonly report: ReadableStream<Uint8Array>,
		private readonly path: string,
	) {}

	/** Starts tcpdump writing every `filter` packet on lo to `path` (pcap); resolves once it listens. */
	static async start(ns: NetNamespace, path: string, filter: string): Promise<LoopbackRecorder> {
		const tcpdump = ns.spawn([
			"tcpdump",
			"-i",
			"lo",
			"--immediate-mode",
			"-U",
			"-s",
			"0",
			"-B",
			"65536",
			"-w",
			path,
			filter,
		]);
		const [ready, report] = tcpdump.stderr.tee();
		await waitForText(ready, "listening on");
		return new LoopbackRecorder(tcpdump, report, path);
	}

	/** Stops tcpdump once the file has stopped growing; throws if the kernel dropped any packet. */
	async stop(): Promise<void> {
		await waitUntilStable(this.path);
		this.tcpdump.kill("SIGINT");
		await this.tcpdump.exited;
		const report = await new Response(this.report).text();
		if (!/^0 packets dropped by kernel$/m.test(report)) throw new Error(`tcpdump lost packets: ${report}`);
	}
}

/** Waits until tcpdump has written everything: the file stops growing for a while. */
async function waitUntilStable(path: string): Promise<void> {
	let size = -1;
	for (let stable = 0; stable < 3; ) {
		await Bun.sleep(100);
		const now = Bun.file(path).size;
		stable = now === size ? stable + 1 : 0;
		size = now;
	}
}
