// Incremental decoder of the chunked transfer coding (RFC 9112 §7.1): sizes, data, extensions, trailers.

import { ByteAccumulator } from "./byte-accumulator.ts";
import type { MemoryBudget } from "./memory-budget.ts";

const SIZE = 0;
const DATA = 1;
const DATA_END = 2;
const TRAILERS = 3;

const CR = 13;
const LF = 10;
const MAX_LINE_BYTES = 8192;
const CHUNK_SIZE = /^[0-9a-fA-F]{1,12}$/;

/** decode() outcome: more input is needed. */
export const CHUNKED_MORE = 0;
/** decode() outcome: the last chunk and the trailer section were read. */
export const CHUNKED_DONE = 1;
/** decode() outcome: the bytes are not chunked coding. */
export const CHUNKED_MALFORMED = 2;

export class ChunkedDecoder {
	/** Outcome of the last decode(). */
	outcome = CHUNKED_MORE;
	#state = SIZE;
	#remaining = 0;
	#sawLineFeed = false;
	readonly #line: ByteAccumulator;

	constructor(budget: MemoryBudget) {
		this.#line = new ByteAccumulator(MAX_LINE_BYTES, 64, budget);
	}

	release(): void {
		this.#line.release();
	}

	reset(): void {
		this.#state = SIZE;
		this.#line.clear();
		this.outcome = CHUNKED_MORE;
	}

	/** Decodes from bytes[i], handing chunk data to `body`; returns the index after what it consumed. */
	decode(bytes: Uint8Array, i: number, body: (data: Uint8Array) => void): number {
		const n = bytes.length;
		this.outcome = CHUNKED_MORE;
		while (i < n && this.outcome === CHUNKED_MORE) {
			if (this.#state === SIZE) i = this.#readSize(bytes, i);
			else if (this.#state === DATA) {
				const take = Math.min(this.#remaining, n - i);
				body(bytes.subarray(i, i + take));
				this.#remaining -= take;
				i += take;
				if (this.#remaining === 0) this.#state = DATA_END;
			} else if (this.#state === DATA_END) i = this.#readDataEnd(bytes, i);
			else i = this.#readTrailers(bytes, i);
		}
		return i;
	}

	/**
	 * `length` bytes were not captured. Returns how many of them were chunk data, or -1 when the gap runs past
	 * the current chunk's data (where the coding goes on is then unknown).
	 */
	skip(length: number): number {
		if (this.#state !== DATA || length >= this.#remaining) return -1;
		this.#remaining -= length;
		return length;
	}

	/** Chunk data bytes announced and not yet read (0 outside chunk data). */
	get remainingData(): number {
		return this.#state === DATA ? this.#remaining : 0;
	}

	#readSize(bytes: Uint8Array, i: number): number {
		const next = this.#line.readLine(bytes, i);
		if (next < 0) return bytes.length;
		const size = (this.#line.takeLine().split(";")[0] ?? "").trim();
		if (!CHUNK_SIZE.test(size)) {
			this.outcome = CHUNKED_MALFORMED;
			return next;
		}
		this.#remaining = Number.parseInt(size, 16);
		if (this.#remaining === 0) {
			this.#sawLineFeed = true; // the size line's LF: an empty line now ends the trailers
			this.#state = TRAILERS;
		} else {
			this.#state = DATA;
		}
		return next;
	}

	#readDataEnd(bytes: Uint8Array, i: number): number {
		const byte = bytes[i];
		if (byte === CR) return i + 1;
		if (byte === LF) {
			this.#state = SIZE;
			return i + 1;
		}
		this.outcome = CHUNKED_MALFORMED;
		return i;
	}

	#readTrailers(bytes: Uint8Array, i: number): number {
		const n = bytes.length;
		for (; i < n; i++) {
			const byte = bytes[i]!;
			if (byte === LF) {
				if (this.#sawLineFeed) {
					this.outcome = CHUNKED_DONE;
					return i + 1;
				}
				this.#sawLineFeed = true;
			} else if (byte !== CR) {
				this.#sawLineFeed = false;
			}
		}
		return n;
	}
}
