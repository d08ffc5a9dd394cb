// Packet and bit rates from successive counter snapshots.

export interface Rate {
	pps: number;
	mbps: number;
}

interface Sample {
	time: number;
	packets: number;
	bytes: number;
}

/** Per-key rates over the interval since the previous sample of that key. */
export class RateTracker {
	readonly #previous = new Map<string, Sample>();

	/** `time` in ms; the first sample of a key gives zero rates. */
	sample(key: string, time: number, packets: number, bytes: number): Rate {
		const before = this.#previous.get(key);
		this.#previous.set(key, { time, packets, bytes });
		if (before === undefined || time <= before.time) return { pps: 0, mbps: 0 };
		const seconds = (time - before.time) / 1000;
		return {
			pps: Math.max(0, packets - before.packets) / seconds,
			mbps: (Math.max(0, bytes - before.bytes) * 8) / seconds / 1e6,
		};
	}
}
