// `make bench`: our daemon and the reference C rpcapd side by side in one run (alternating A B, several rounds),
// same namespace, same traffic, same client; prints medians and ratios and writes them as JSON.
// Usage: bun scripts/bench/main.ts [--rounds N] [--quick]

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NetNamespace } from "../../test/integration/harness/namespace.ts";
import { type BenchDaemon, type Implementation, startDaemon } from "./daemons.ts";
import { type ForwardingCase, type ForwardingResult, runForwarding } from "./forwarding.ts";
import { type IdleLatencyResult, measureIdleAndLatency } from "./idle-latency.ts";
import { printReport } from "./report.ts";
import { writeTrafgenConfig } from "./traffic.ts";
import { runUdpstr, type UdpstrResult } from "./udpstr.ts";

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf("--rounds") + 1] || 3) || 3;
const quick = args.includes("--quick");
const PORT = 2002;

function cases(): ForwardingCase[] {
	const out: ForwardingCase[] = [];
	const rates = quick ? [10_000, 0] : [10_000, 100_000, 0];
	for (const transport of ["tcp", "udp"] as const) {
		for (const frameSize of [64, 1514] as const) {
			for (const pps of rates) {
				// Long enough that start-up effects and the 20 ms CPU sampling are small next to the run.
				const seconds = pps === 10_000 ? 5 : 3;
				const packets = pps === 0 ? (frameSize === 64 ? 600_000 : 250_000) : Math.round(pps * seconds);
				out.push({ transport, frameSize, pps, packets });
			}
		}
	}
	return out;
}

async function main(): Promise<void> {
	const started = Date.now();
	const ns = NetNamespace.create();
	const dir = mkdtempSync(join(tmpdir(), "rpcapd-bench-"));
	const results: ForwardingResult[] = [];
	const idle: IdleLatencyResult[] = [];
	const udpstr: UdpstrResult[] = [];
	let daemon: BenchDaemon | null = null;
	try {
		ns.sysctl("net.core.rmem_max", String(64 << 20));
		const configs = { 64: writeTrafgenConfig(dir, 64), 1514: writeTrafgenConfig(dir, 1514) };
		for (let round = 1; round <= rounds; round++) {
			const order: Implementation[] = round % 2 === 1 ? ["ours", "reference"] : ["reference", "ours"];
			for (const implementation of order) {
				daemon = await startDaemon(ns, implementation, PORT);
				// One unmeasured run first, so JIT warm-up and first-capture set-up are not billed to the first case.
				await runForwarding(
					ns,
					daemon,
					PORT,
					configs[64],
					{ transport: "tcp", frameSize: 64, pps: 50_000, packets: 50_000 },
					0,
				);
				for (const c of cases()) {
					const r = await runForwarding(ns, daemon, PORT, configs[c.frameSize], c, round);
					results.push(r);
					process.stderr.write(
						`round ${round} ${implementation.padEnd(9)} ${c.transport} ${String(c.frameSize).padStart(4)} B ${c.pps ? `${c.pps / 1000} kpps` : "max"}: ${r.delivered}/${r.injected}, ${r.cpuPerMillion.toFixed(2)} CPU s/Mpkt\n`,
					);
				}
				if (round === 1) idle.push(await measureIdleAndLatency(ns, daemon, PORT, configs[64]));
				await daemon.stop();
				daemon = null;
				if (implementation === "ours") {
					// udpstr: ours only (libpcap's client ignores type-110 datagrams); our collector is the client.
					daemon = await startDaemon(ns, "ours", PORT, ["--udpstr", "on"]);
					for (const size of [64, 1514] as const) {
						const r = await runUdpstr(ns, daemon, PORT, configs[size], size, 100_000, 300_000);
						udpstr.push(r);
						process.stderr.write(
							`round ${round} ours      udpstr ${String(size).padStart(4)} B 100 kpps: ${r.delivered}/${r.injected}, ${r.cpuPerMillion.toFixed(2)} CPU s/Mpkt, ${r.wireBytesPerFrame.toFixed(1)} wire B/frame (floor ${r.floorBytesPerFrame.toFixed(1)})\n`,
						);
					}
					await daemon.stop();
					daemon = null;
				}
			}
		}
	} finally {
		await daemon?.stop();
		await ns.destroy();
		rmSync(dir, { recursive: true, force: true });
	}
	const report = printReport(results, idle, udpstr, { rounds, seconds: (Date.now() - started) / 1000 });
	const out = join(import.meta.dir, "../../.bench");
	mkdirSync(out, { recursive: true });
	const file = join(out, `bench-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
	writeFileSync(file, `${JSON.stringify({ ...report, results, idle, udpstr }, null, 2)}\n`);
	process.stdout.write(`\nresults: ${file}\n`);
}

await main();
