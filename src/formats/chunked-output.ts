// Growable output buffer that hands encoded bytes to a sink as chunks, without copying or per-record allocation.

const DEFAULT_CHUNK_SIZE = 256 * 1024;
const EMPTY = new Uint8Array(0);

export class ChunkedOutput {
	readonly #chunkSize: number;
	#ready: Uint8Array[] = [];
	#buffer: Uint8Array = EMPTY;
	#start = 0;
	#end = 0;
	#readyBytes = 0;
	#totalBytes = 0;

	constructor(chunkSize = DEFAULT_CHUNK_SIZE) {
		this.#chunkSize = Math.max(64, Math.floor(chunkSize));
	}

	/** Reserves `size` bytes and returns their offset in `bytes` (read `bytes` after reserving: it may change). */
	reserve(size: number): number {
		if (this.#end + size > this.#buffer.length) this.#replaceBuffer(size);
		const at = this.#end;
		this.#end += size;
		this.#totalBytes += size;
		return at;
	}

	get bytes(): Uint8Array {
		return this.#buffer;
	}

	/** Bytes encoded but not yet taken. */
	get pendingBytes(): number {
		return this.#readyBytes + this.#end - this.#start;
	}

	/** Bytes encoded since creation, taken or not. */
	get totalBytes(): number {
		return this.#totalBytes;
	}

	/** Hands over every pending byte; the returned chunks are never written again. */
	takeChunks(): Uint8Array[] {
		this.#sealCurrent();
		const chunks = this.#ready;
		this.#ready = [];
		this.#readyBytes = 0;
		return chunks;
	}

	#sealCurrent(): void {
		if (this.#end === this.#start) return;
		this.#ready.push(this.#buffer.subarray(this.#start, this.#end));
		this.#readyBytes += this.#end - this.#start;
		this.#start = this.#end;
	}

	#replaceBuffer(minimumSize: number): void {
		this.#sealCurrent();
		this.#buffer = new Uint8Array(Math.max(this.#chunkSize, minimumSize));
		this.#start = 0;
		this.#end = 0;
	}
}
