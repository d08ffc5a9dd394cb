// A Clock whose time only moves when a test says so; timers fire in order and promise chains settle in between.

import type { Clock } from "../../src/daemon/session-types.ts";

interface PendingTimer {
	due: number;
	order: number;
	callback: () => void;
}

/** Lets every queued microtask (and the promise chains they start) run: one macrotask turn. */
export function settle(): Promise<void> {
	return new Promise((resolve) => setImmediate(resolve));
}

export class ManualClock implements Clock {
	private time: number;
	private nextId = 1;
	private nextOrder = 0;
	private readonly timers = new Map<number, PendingTimer>();

	constructor(startMs = 0) {
		this.time = startMs;
	}

	now(): number {
		return this.time;
	}

	setTimeout(callback: () => void, ms: number): () => void {
		const id = this.nextId++;
		this.timers.set(id, { due: this.time + Math.max(0, ms), order: this.nextOrder++, callback });
		return () => {
			this.timers.delete(id);
		};
	}

	/** Timers not yet fired nor cancelled. */
	get pendingTimerCount(): number {
		return this.timers.size;
	}

	/** Milliseconds until each pending timer fires, soonest first. */
	pendingDelays(): number[] {
		return [...this.timers.values()].map((t) => t.due - this.time).sort((a, b) => a - b);
	}

	/**
	 * Moves time forward by `ms`, firing every timer that falls due on the way, in due order, each at its own
	 * due time, and letting promise chains settle after each one (so timers they start also fire in time).
	 */
	async advance(ms: number): Promise<void> {
		const target = this.time + ms;
		await settle();
		for (;;) {
			const next = this.earliest();
			if (next === undefined || next[1].due > target) break;
			this.timers.delete(next[0]);
			this.time = next[1].due;
			next[1].callback();
			await settle();
		}
		this.time = target;
		await settle();
	}

	private earliest(): [number, PendingTimer] | undefined {
		let best: [number, PendingTimer] | undefined;
		for (const entry of this.timers) {
			const [, timer] = entry;
			if (!best || timer.due < best[1].due || (timer.due === best[1].due && timer.order < best[1].order)) {
				best = entry;
			}
		}
		return best;
	}
}
