// CPU and memory of a daemon process tree from /proc: per-thread schedstat nanoseconds, and sampled RSS.

import { existsSync, readdirSync, readFileSync } from "node:fs";

function children(pid: number): number[] {
	const path = `/proc/${pid}/task/${pid}/children`;
	if (!existsSync(path)) return [];
	return readFileSync(path, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
}

function rssKb(pid: number): number {
	try {
		const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
		return match ? Number(match[1]) : 0;
	} catch {
		return 0;
	}
}

/**
 * Nanosecond CPU time of a process tree from /proc/PID/task/TID/schedstat, sampled often enough that threads and
 * forked children that exit (the reference forks per connection) are counted up to their last moments; /proc's
 * utime/stime ticks (10 ms) are too coarse for short runs.
 */
export class CpuMeter {
	private readonly seen = new Map<string, number>();
	private readonly timer: ReturnType<typeof setInterval>;
	private readonly baseline: number;

	constructor(
		private readonly pid: number,
		everyMs = 20,
	) {
		this.sample();
		this.baseline = this.total();
		this.timer = setInterval(() => this.sample(), everyMs);
	}

	private sample(): void {
		for (const p of [this.pid, ...children(this.pid)]) {
			let tasks: string[];
			try {
				tasks = readdirSync(`/proc/${p}/task`);
			} catch {
				continue;
			}
			for (const tid of tasks) {
				try {
					const ns = Number(readFileSync(`/proc/${p}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
					const key = `${p}/${tid}`;
					if (ns > (this.seen.get(key) ?? -1)) this.seen.set(key, ns);
				} catch {
					// the thread ended between listing and reading; its last sample stays
				}
			}
		}
	}

	private total(): number {
		let sum = 0;
		for (const ns of this.seen.values()) sum += ns;
		return sum;
	}

	/** CPU seconds used by the tree since the meter started. */
	stop(): number {
		clearInterval(this.timer);
		this.sample();
		return (this.total() - this.baseline) / 1e9;
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
