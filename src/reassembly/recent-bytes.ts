// Ring of the last bytes delivered in one direction, so that a retransmission can be checked against the first copy.

export class RecentBytes {
	readonly #ring: Uint8Array;
	/** Stream offset just past the newest byte held. */
	#end = 0;
	#filled = 0;

	constructor(capacity: number, startOffset: number) {
		this.#ring = new Uint8Array(capacity);
		this.#end = startOffset;
	}

	append(source: Uint8Array, start: number, length: number): void {
		const capacity = this.#ring.length;
		// Only the newest `capacity` bytes are kept; byte at stream offset o lives in slot o % capacity.
		const take = Math.min(length, capacity);
		let from = start + length - take;
		let at = (this.#end + length - take) % capacity;
		let left = take;
		while (left > 0) {
			const run = Math.min(left, capacity - at);
			this.#ring.set(source.subarray(from, from + run), at);
			from += run;
			left -= run;
			at = 0;
		}
		this.#end += length;
		this.#filled = Math.min(capacity, this.#filled + length);
	}

	/** Skips `length` bytes nobody saw (a gap): they cannot be compared. */
	skip(length: number): void {
		this.#end += length;
		this.#filled = 0;
	}

	/**
	 * Compares `length` bytes that claim stream offset `offset` with the bytes held for that range. Returns
	 * true when a held byte differs; ranges no longer held are not compared.
	 */
	differs(offset: number, source: Uint8Array, start: number, length: number): boolean {
		const capacity = this.#ring.length;
		const from = Math.max(offset, this.#end - this.#filled);
		const to = Math.min(offset + length, this.#end);
		for (let at = from; at < to; at++) {
			if (this.#ring[at % capacity] !== source[start + at - offset]) return true;
		}
		return false;
	}
}
