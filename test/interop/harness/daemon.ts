// Starts our daemon (or the reference one, under setsid) inside a test namespace and waits until it listens.

import type { Subprocess } from "bun";
import type { NetNamespace } from "../../integration/harness/namespace.ts";
import { REFERENCE_RPCAPD, RPCAPD_MAIN } from "./tools.ts";

export interface RunningDaemon {
	proc: Subprocess<"pipe" | "ignore", "pipe", "pipe">;
	/** stderr so far (our daemon logs there). */
	log(): string;
	stop(): Promise<number | null>;
}

function collect(stream: ReadableStream<Uint8Array>, sink: { text: string }): void {
	const decoder = new TextDecoder();
	void (async () => {
		for await (const chunk of stream) sink.text += decoder.decode(chunk, { stream: true });
	})();
}

async function waitFor(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!predicate()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await Bun.sleep(20);
	}
}

/** `rpcapd ARGS` in the namespace; resolves once it logged "listening on" (or at once for active-only). */
export async function startOurDaemon(ns: NetNamespace, args: string[], cwd?: string): Promise<RunningDaemon> {
	const proc = ns.spawn([process.execPath, RPCAPD_MAIN, ...args], cwd ? { cwd } : {});
	const err = { text: "" };
	const out = { text: "" };
	collect(proc.stderr, err);
	collect(proc.stdout, out);
	const activeOnly = args.includes("-v") || args.includes("--active-only") || args.includes("--inetd");
	if (!activeOnly) {
		await waitFor(() => err.text.includes("listening on") || proc.exitCode !== null, "the daemon to listen");
		if (proc.exitCode !== null) throw new Error(`rpcapd exited ${proc.exitCode}: ${err.text}`);
	}
	return {
		proc,
		log: () => err.text + out.text,
		async stop() {
			proc.kill("SIGTERM");
			return proc.exited;
		},
	};
}

/** The reference C rpcapd, always under setsid (it SIGKILLs its process group on exit). */
export async function startReferenceDaemon(
	ns: NetNamespace,
	args: string[],
	port?: number,
): Promise<RunningDaemon> {
	const proc = ns.spawn(["setsid", REFERENCE_RPCAPD, ...args]);
	const err = { text: "" };
	collect(proc.stderr, err);
	collect(proc.stdout, err);
	if (port !== undefined) {
		await waitFor(() => {
			const r = Bun.spawnSync(["ip", "netns", "exec", ns.name, "ss", "-ltnH", `sport = :${port}`], {
				stdout: "pipe",
			});
			return r.stdout.toString().trim() !== "";
		}, "the reference rpcapd to listen");
	}
	return {
		proc,
		log: () => err.text,
		async stop() {
			proc.kill("SIGTERM");
			return proc.exited;
		},
	};
}
