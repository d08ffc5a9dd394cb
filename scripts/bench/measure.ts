// CPU and memory of a daemon process tree from /proc: utime+stime of the process and of its reaped children, and sampled RSS.

import { existsSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100;

/** CPU seconds used so far by `pid`, its threads, and the children it has reaped (the reference forks per connection). */
export function cpuSeconds(pid: number): number {
	const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
	const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
	// fields[11..14] are utime, stime, cutime, cstime (stat fields 14–17).
	const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
	return ticks / TICKS_PER_SECOND;
}

function children(pid: number): number[] {
	const path = `/proc/${pid}/task/${pid}/children`;
	if (!existsSync(path)) return [];
	return readFileSync(path, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
}

/** Live CPU of the whole tree (children that have not exited yet included). */
export function treeCpuSeconds(pid: number): number {
	let total = cpuSeconds(pid);
	for (const child of children(pid)) {
		try {
			const stat = readFileSync(`/proc/${child}/stat`, "utf8");
			const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
			total += (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND;
		} catch {
			// exited meanwhile: its time is in the parent's cutime/cstime once reaped
		}
	}
	return total;
}

function rssKb(pid: number): number {
	try {
		const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
		return match ? Number(match[1]) : 0;
	} catch {
		return 0;
	}
}

/** Samples the RSS of a process tree every `everyMs` until stopped; returns the peak in KiB. */
export function sampleRss(pid: number, everyMs = 100): { stop(): number } {
	let peak = 0;
	const sample = () => {
		for (const p of [pid, ...children(pid)]) peak = Math.max(peak, rssKb(p) + (p === pid ? 0 : 0));
	};
	sample();
	const timer = setInterval(sample, everyMs);
	return {
		stop() {
			clearInterval(timer);
			sample();
			return peak;
		},
	};
}

export function median(values: readonly number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: readonly number[], p: number): number {
	if (values.length === 0) return Number.NaN;
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
