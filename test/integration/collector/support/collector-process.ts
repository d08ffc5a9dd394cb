// Runs `rpcapd collect` (and daemons) inside a test namespace and follows the collector's JSON stats lines.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { type CaptureFile, readCapture } from "../../../../src/formats/index.ts";
import type { NetNamespace } from "../../harness/namespace.ts";

const ROOT = join(import.meta.dir, "../../../..");
export const MAIN = join(ROOT, "src/cli/main.ts");
export const REFERENCE_RPCAPD = process.env.RPCAPD ?? "/opt/rpcap-ref/sbin/rpcapd";

/** One JSON stats line of a sensor (the fields the tests look at). */
export interface SensorLine {
	type: "sensor";
	sensor: string;
	iface: string;
	state: string;
	transport: string;
	packets: number;
	lost_packets: number;
	lost_datagrams: number;
	late_datagrams: number;
	malformed: number;
	foreign_datagrams: number;
	sensor_svrcapt: number | null;
	captures: number;
	error: string | null;
}

export class CollectorProcess {
	readonly latest = new Map<string, SensorLine>();
	readonly stderrText: Promise<string>;
	#listeners: (() => void)[] = [];

	/** `statsOn`: where the JSON lines are (stderr when the capture itself goes to stdout, `-w -`). */
	constructor(
		readonly proc: Subprocess<"pipe" | "ignore", "pipe", "pipe">,
		statsOn: "stdout" | "stderr" = "stdout",
	) {
		if (statsOn === "stdout") {
			this.stderrText = new Response(proc.stderr).text();
			void this.#follow(proc.stdout);
		} else {
			this.stderrText = this.#follow(proc.stderr);
		}
	}

	/** Starts `rpcapd collect ARGS --view json` inside the namespace. */
	static start(ns: NetNamespace, args: string[], statsOn: "stdout" | "stderr" = "stdout"): CollectorProcess {
		const proc = ns.spawn([
			process.execPath,
			MAIN,
			"collect",
			"--view",
			"json",
			"--stats-interval",
			"0.2",
			...args,
		]);
		return new CollectorProcess(proc, statsOn);
	}

	/** Follows JSON stats lines; resolves with the stream's whole text at its end. */
	async #follow(stream: ReadableStream<Uint8Array>): Promise<string> {
		const decoder = new TextDecoder();
		let all = "";
		let buffered = "";
		for await (const chunk of stream) {
			const text = decoder.decode(chunk, { stream: true });
			all += text;
			buffered += text;
			let newline = buffered.indexOf("\n");
			while (newline >= 0) {
				const line = buffered.slice(0, newline);
				buffered = buffered.slice(newline + 1);
				newline = buffered.indexOf("\n");
				if (!line.startsWith("{")) continue;
				const parsed = JSON.parse(line) as SensorLine | { type: "output" };
				if (parsed.type === "sensor") this.latest.set(`${parsed.sensor}/${parsed.iface}`, parsed);
			}
			for (const notify of this.#listeners.splice(0)) notify();
		}
		return all;
	}

	sensors(): SensorLine[] {
		return [...this.latest.values()];
	}

	/** Waits until `predicate` holds for the stats seen so far. */
	async waitFor(
		what: string,
		predicate: (sensors: SensorLine[]) => boolean,
		timeoutMs = 15_000,
	): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		while (!predicate(this.sensors())) {
			if (Date.now() > deadline || this.proc.exitCode !== null) {
				const stderr = this.proc.exitCode !== null ? await this.stderrText : "(still running)";
				throw new Error(
					`collector: ${what} not reached; last stats ${JSON.stringify(this.sensors())}; stderr ${stderr}`,
				);
			}
			await new Promise<void>((resolve) => {
				this.#listeners.push(resolve);
				setTimeout(resolve, 200);
			});
		}
	}

	/** Waits until `count` sensors are capturing. */
	capturing(count = 1, timeoutMs = 15_000): Promise<void> {
		return this.waitFor(
			`${count} capturing`,
			(s) => s.filter((x) => x.state === "capturing").length >= count,
			timeoutMs,
		);
	}

	/** SIGTERM, then the exit status and stderr. */
	async stop(): Promise<{ exitCode: number | null; stderr: string }> {
		this.proc.kill("SIGTERM");
		const exitCode = await this.proc.exited;
		return { exitCode, stderr: await this.stderrText };
	}
}

export function readPcapFile(path: string): CaptureFile {
	return readCapture(new Uint8Array(readFileSync(path)));
}

/** Starts the reference C rpcapd under setsid (it kills its process group on exit). */
export function startReferenceDaemon(
	ns: NetNamespace,
	args: string[],
): Subprocess<"pipe" | "ignore", "pipe", "pipe"> {
	return ns.spawn(["setsid", REFERENCE_RPCAPD, "-n", "-4", ...args]);
}

/** Starts our daemon (`bun src/cli/main.ts ARGS`). */
export function startOurDaemon(
	ns: NetNamespace,
	args: string[],
): Subprocess<"pipe" | "ignore", "pipe", "pipe"> {
	return ns.spawn([process.execPath, MAIN, ...args]);
}

/** Runs a tool inside the namespace and returns its stdout; throws on a non-zero exit. */
export async function tool(ns: NetNamespace, command: string[]): Promise<string> {
	const result = await ns.run(command, 60_000);
	if (result.exitCode !== 0)
		throw new Error(`${command.join(" ")} failed (${result.exitCode}): ${result.stderr.trim()}`);
	return result.stdout;
}
