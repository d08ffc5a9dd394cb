// Medians per case, ours/reference ratios, and the pass/fail of issue 6's targets, as a table on stdout.

import type { ForwardingResult } from "./forwarding.ts";
import type { IdleLatencyResult } from "./idle-latency.ts";
import { median } from "./measure.ts";
import type { UdpstrResult } from "./udpstr.ts";

interface CaseSummary {
	case: string;
	ours: { delivered: number; injected: number; lossPercent: number; cpuPerMillion: number; rssMiB: number };
	reference: {
		delivered: number;
		injected: number;
		lossPercent: number;
		cpuPerMillion: number;
		rssMiB: number;
	};
	cpuRatio: number;
}

function key(r: ForwardingResult): string {
	return `${r.transport} ${String(r.frameSize).padStart(4)} B ${r.pps ? `${(r.pps / 1000).toString().padStart(3)} kpps` : "    max"}`;
}

function summarise(rows: ForwardingResult[]): CaseSummary["ours"] {
	return {
		delivered: median(rows.map((r) => r.delivered)),
		injected: median(rows.map((r) => r.injected)),
		lossPercent: median(rows.map((r) => r.lossPercent)),
		cpuPerMillion: median(rows.map((r) => r.cpuPerMillion)),
		rssMiB: median(rows.map((r) => r.peakRssMiB)),
	};
}

export function printReport(
	results: ForwardingResult[],
	idle: IdleLatencyResult[],
	udpstr: UdpstrResult[],
	meta: { rounds: number; seconds: number },
) {
	const keys = [...new Set(results.map(key))];
	const summaries: CaseSummary[] = keys.map((k) => {
		const ours = summarise(results.filter((r) => key(r) === k && r.implementation === "ours"));
		const reference = summarise(results.filter((r) => key(r) === k && r.implementation === "reference"));
		return { case: k, ours, reference, cpuRatio: ours.cpuPerMillion / reference.cpuPerMillion };
	});
	const lines = [
		`rpcapd benchmark: ${meta.rounds} rounds, alternating ours/reference, medians (${Math.round(meta.seconds)} s)`,
		"",
		"case                       | ours: delivered/injected  loss%  CPU s/Mpkt  RSS MiB | reference: delivered/injected  loss%  CPU s/Mpkt  RSS MiB | CPU ours/ref",
	];
	for (const s of summaries) {
		const side = (x: CaseSummary["ours"]) =>
			`${`${x.delivered}/${x.injected}`.padStart(15)} ${x.lossPercent.toFixed(1).padStart(6)} ${x.cpuPerMillion.toFixed(2).padStart(11)} ${x.rssMiB.toFixed(0).padStart(8)}`;
		lines.push(
			`${s.case.padEnd(26)} | ${side(s.ours)}          | ${side(s.reference)}              | ${s.cpuRatio.toFixed(2).padStart(5)}`,
		);
	}
	lines.push("");
	for (const size of [...new Set(udpstr.map((u) => u.frameSize))]) {
		const rows = udpstr.filter((u) => u.frameSize === size);
		lines.push(
			`udpstr ${String(size).padStart(4)} B 100 kpps (ours, our collector) | delivered ${median(rows.map((r) => r.delivered))}/${median(rows.map((r) => r.injected))}, lost in transit ${median(rows.map((r) => r.lostInTransit))}, ${median(rows.map((r) => r.cpuPerMillion)).toFixed(2)} CPU s/Mpkt, wire ${median(rows.map((r) => r.wireBytesPerFrame)).toFixed(1)} B/frame = ${median(rows.map((r) => r.floorRatio)).toFixed(3)} × the format's floor (${median(rows.map((r) => r.floorBytesPerFrame)).toFixed(1)})`,
		);
	}
	lines.push("");
	for (const i of idle) {
		lines.push(
			`${i.implementation.padEnd(9)} idle CPU with a capture on a silent interface: ${i.idleCpuPercent.toFixed(2)} % of a core; latency at 1 kpps: p50 ${i.latency.p50Ms} ms, p99 ${i.latency.p99Ms} ms, max ${i.latency.maxMs} ms (${i.latency.packets} packets)`,
		);
	}
	process.stdout.write(`${lines.join("\n")}\n`);
	return { summaries, meta };
}
