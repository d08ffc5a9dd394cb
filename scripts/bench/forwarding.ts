// One forwarding measurement: a daemon captures v1 while trafgen sends frames from v0 and libpcap's client (rpcap-probe) receives them over TCP or UDP.

import type { NetNamespace } from "../../test/integration/harness/namespace.ts";
import type { BenchDaemon } from "./daemons.ts";
import { CpuMeter, sampleRss } from "./measure.ts";
import { sendFrames } from "./traffic.ts";

const PROBE = process.env.RPCAP_PROBE ?? "/opt/rpcap-ref/bin/rpcap-probe";

export interface ForwardingCase {
	transport: "tcp" | "udp";
	frameSize: 64 | 1514;
	/** Packets per second; 0 = as fast as trafgen can send. */
	pps: number;
	packets: number;
}

export interface ForwardingResult extends ForwardingCase {
	implementation: string;
	round: number;
	injected: number;
	delivered: number;
	lossPercent: number;
	cpuSeconds: number;
	/** Daemon CPU seconds per million packets delivered. */
	cpuPerMillion: number;
	peakRssMiB: number;
	kernelDrops: number;
	elapsedMs: number;
}

function countLines(text: string, needle: string): number {
	return text.split(needle).length - 1;
}

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	while (!predicate()) {
		if (Date.now() > deadline) return false;
		await Bun.sleep(20);
	}
	return true;
}

/** Starts the probe, waits until the daemon's capture is up, injects, and measures the daemon meanwhile. */
export async function runForwarding(
	ns: NetNamespace,
	daemon: BenchDaemon,
	port: number,
	trafgenConfig: string,
	c: ForwardingCase,
	round: number,
): Promise<ForwardingResult> {
	const budgetS = Math.ceil(c.packets / Math.max(c.pps || 400_000, 1)) + 4;
	const args = [
		"capture",
		`rpcap://127.0.0.1:${port}/v1`,
		String(c.packets),
		String(budgetS),
		"--filter",
		"udp and dst port 9",
		"--min",
		"1",
		"--watchdog",
		"10",
	];
	if (c.transport === "udp") args.push("--udp");
	const connectionsBefore = countLines(daemon.log(), "capture started");
	const probe = ns.spawn([PROBE, ...args]);
	const output = new Response(probe.stdout).text();
	// Ours logs the capture start; the reference says nothing, so give its fork a moment instead.
	if (daemon.implementation === "ours")
		await waitFor(() => countLines(daemon.log(), "capture started") > connectionsBefore, 10_000);
	else await Bun.sleep(400);
	const rss = sampleRss(daemon.pid);
	const cpu = new CpuMeter(daemon.pid);
	const started = performance.now();
	const injected = await sendFrames(ns, trafgenConfig, c.packets, c.pps);
	await probe.exited;
	const elapsedMs = performance.now() - started;
	await Bun.sleep(200); // the connection's teardown belongs to the run too
	const cpuSeconds = cpu.stop();
	const peakRssKb = rss.stop();
	const values = Object.fromEntries(
		(await output).split("\n").flatMap((line) => {
			const eq = line.indexOf("=");
			return eq > 0 ? [[line.slice(0, eq), line.slice(eq + 1)]] : [];
		}),
	);
	const delivered = Number(values.packets ?? 0);
	return {
		...c,
		implementation: daemon.implementation,
		round,
		injected,
		delivered,
		lossPercent: injected > 0 ? (100 * (injected - delivered)) / injected : 0,
		cpuSeconds,
		cpuPerMillion: delivered > 0 ? (cpuSeconds * 1e6) / delivered : Number.NaN,
		peakRssMiB: peakRssKb / 1024,
		kernelDrops: Number(values.ps_drop ?? 0),
		elapsedMs,
	};
}
