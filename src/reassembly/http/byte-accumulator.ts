// A bounded byte buffer that grows on demand (allocated on first use) within a shared memory budget.

import type { MemoryBudget } from "./memory-budget.ts";

const EMPTY = new Uint8Array(0);
const CR = 13;
const LF = 10;
const latin1 = new TextDecoder("latin1");

export class ByteAccumulator {
	#bytes = EMPTY;
	length = 0;

	constructor(
		/** Most bytes held. */
		readonly limit: number,
		private readonly initialSize: number,
		private readonly budget: MemoryBudget,
	) {}

	get bytes(): Uint8Array {
		return this.#bytes.subarray(0, this.length);
	}

	/** Appends source[from, to); false (and emptied) when that would pass the limit or the budget. */
	append(source: Uint8Array, from: number, to: number): boolean {
		const needed = this.length + to - from;
		if (needed > this.limit || !this.#reserve(needed)) {
			this.length = 0;
			return false;
		}
		this.#bytes.set(source.subarray(from, to), this.length);
		this.length = needed;
		return true;
	}

	/** Appends what fits under the limit and drops the rest. */
	appendTruncating(source: Uint8Array, from: number, to: number): void {
		this.append(source, from, Math.min(to, from + this.limit - this.length));
	}

	/**
	 * Accumulates the line starting at source[from] (beyond the limit it is cut); returns the index after its
	 * LF, or -1 when the line goes on in the next input.
	 */
	readLine(source: Uint8Array, from: number): number {
		const n = source.length;
		let end = from;
		while (end < n && source[end] !== LF) end++;
		this.appendTruncating(source, from, end);
		return end < n ? end + 1 : -1;
	}

	clear(): void {
		this.length = 0;
	}

	/** The bytes as Latin-1 text without a final CR; empties the buffer. */
	takeLine(): string {
		let length = this.length;
		if (length > 0 && this.#bytes[length - 1] === CR) length--;
		this.length = 0;
		return latin1.decode(this.#bytes.subarray(0, length));
	}

	/** Gives the buffer and its budget back. */
	release(): void {
		this.budget.give(this.#bytes.length);
		this.#bytes = EMPTY;
		this.length = 0;
	}

	#reserve(size: number): boolean {
		if (size <= this.#bytes.length) return true;
		const capacity = Math.min(this.limit, Math.max(size, this.initialSize, this.#bytes.length * 2));
		if (!this.budget.take(capacity - this.#bytes.length)) return false;
		const grown = new Uint8Array(capacity);
		grown.set(this.#bytes.subarray(0, this.length));
		this.#bytes = grown;
		return true;
	}
}
