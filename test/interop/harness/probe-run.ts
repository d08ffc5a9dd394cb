// Runs rpcap-probe inside a namespace alongside injected traffic: start the probe, wait until the daemon reports the capture running, inject, collect the probe's result.

import { replay } from "../../integration/harness/inject.ts";
import type { NetNamespace } from "../../integration/harness/namespace.ts";
import type { RunningDaemon } from "./daemon.ts";
import { PROBE, parseProbe } from "./tools.ts";

export interface ProbeResult {
	exitCode: number | null;
	values: Record<string, string>;
	stdout: string;
	stderr: string;
}

function countOccurrences(text: string, needle: string): number {
	return text.split(needle).length - 1;
}

export async function runProbe(ns: NetNamespace, args: string[], timeoutMs = 60_000): Promise<ProbeResult> {
	const r = await ns.run([PROBE, ...args], timeoutMs);
	return { exitCode: r.exitCode, values: parseProbe(r.stdout), stdout: r.stdout, stderr: r.stderr };
}

/**
 * Starts `probes` (argument lists), waits until `daemon` has logged that many more "capture started" lines, then
 * injects `pcap` on v0 at `pps`, and returns every probe's result.
 */
export async function captureWhileInjecting(
	ns: NetNamespace,
	daemon: RunningDaemon,
	probes: string[][],
	pcap: string,
	pps: number,
): Promise<ProbeResult[]> {
	const before = countOccurrences(daemon.log(), "capture started");
	const running = probes.map((args) => runProbe(ns, args));
	const deadline = Date.now() + 20_000;
	while (countOccurrences(daemon.log(), "capture started") < before + probes.length) {
		if (Date.now() > deadline)
			throw new Error(`captures did not start; daemon log:\n${daemon.log().slice(-2000)}`);
		await Bun.sleep(20);
	}
	await replay(ns, "v0", pcap, pps);
	return Promise.all(running);
}
