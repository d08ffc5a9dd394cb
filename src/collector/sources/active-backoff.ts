// Paces active sensors whose sessions keep failing: their next connection is held idle before its session starts.

/**
 * The reference rpcapd reconnects at once after any end other than CLOSE (rpcap-protocol.md §13.4), so a sensor
 * we cannot use (bad credentials, no interface) would loop. An active sensor sends nothing until our AUTH_REQ,
 * so holding its new connection idle for 1 s, 2 s, … up to 60 s paces the loop without closing anything.
 */
export const ACTIVE_HOLD_FIRST_MS = 1000;
export const ACTIVE_HOLD_CAP_MS = 60_000;

interface Streak {
	failures: number;
	until: number;
}

export class ActiveBackoff {
	readonly #streaks = new Map<string, Streak>();

	constructor(private readonly now: () => number = Date.now) {}

	/** How long to hold a new connection from `address` before talking to it (0 = at once). */
	holdFor(address: string): number {
		const streak = this.#streaks.get(address);
		return streak === undefined ? 0 : Math.max(0, streak.until - this.now());
	}

	/** A session from `address` reached capturing: its streak ends. */
	succeeded(address: string): void {
		this.#streaks.delete(address);
	}

	/** A session from `address` ended without capturing. */
	failed(address: string): void {
		const failures = (this.#streaks.get(address)?.failures ?? 0) + 1;
		const hold = Math.min(ACTIVE_HOLD_FIRST_MS * 2 ** (failures - 1), ACTIVE_HOLD_CAP_MS);
		this.#streaks.set(address, { failures, until: this.now() + hold });
	}
}
