// Idle cost and latency: CPU of a daemon whose capture runs on a silent interface, then capture-to-arrival latency at 1 kpps.

import { join } from "node:path";
import type { NetNamespace } from "../../test/integration/harness/namespace.ts";
import type { BenchDaemon } from "./daemons.ts";
import { CpuMeter } from "./measure.ts";
import { sendFrames } from "./traffic.ts";

export interface IdleLatencyResult {
	implementation: string;
	/** Percent of one core while capturing with no traffic. */
	idleCpuPercent: number;
	latency: { packets: number; p50Ms: number; p99Ms: number; maxMs: number };
}

const CLIENT = join(import.meta.dir, "latency-client.ts");
const IDLE_SECONDS = 10;

export async function measureIdleAndLatency(
	ns: NetNamespace,
	daemon: BenchDaemon,
	port: number,
	trafgenConfig: string,
): Promise<IdleLatencyResult> {
	const client = ns.spawn([process.execPath, CLIENT, String(port), "v1", String(IDLE_SECONDS + 7)]);
	const output = new Response(client.stdout).text();
	const reader = client.stderr.getReader();
	let ready = "";
	while (!ready.includes("ready")) {
		const { done, value } = await reader.read();
		if (done) throw new Error(`latency client failed: ${ready}`);
		ready += new TextDecoder().decode(value);
	}
	await Bun.sleep(1000);
	const cpu = new CpuMeter(daemon.pid, 200);
	await Bun.sleep(IDLE_SECONDS * 1000);
	const idleCpuPercent = (cpu.stop() / IDLE_SECONDS) * 100;
	await sendFrames(ns, trafgenConfig, 5000, 1000);
	await client.exited;
	const latency = JSON.parse((await output).trim().split("\n").at(-1) ?? "{}");
	return { implementation: daemon.implementation, idleCpuPercent, latency };
}
