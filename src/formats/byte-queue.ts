// Reader input: chunks of any size in, contiguous views out; copies only the bytes of a record split across chunks.

const EMPTY = new Uint8Array(0);

export class ByteQueue {
	/** Contiguous bytes being parsed; valid from `pos`. */
	bytes: Uint8Array = EMPTY;
	view: DataView = new DataView(EMPTY.buffer);
	pos = 0;
	#queue: Uint8Array[] = [];
	#head = 0;
	#queuedBytes = 0;
	#consumed = 0;

	/** The chunk is kept by reference (records are views into it): do not modify it afterwards. */
	push(chunk: Uint8Array): void {
		if (chunk.length === 0) return;
		this.#queue.push(chunk);
		this.#queuedBytes += chunk.length;
	}

	/** Input offset of `pos`. */
	get offset(): number {
		return this.#consumed;
	}

	/** Bytes received and not yet consumed. */
	get buffered(): number {
		return this.bytes.length - this.pos + this.#queuedBytes;
	}

	/** Makes `size` bytes contiguous at `pos`; false when fewer have arrived. */
	ensure(size: number): boolean {
		while (this.pos === this.bytes.length && this.#head < this.#queue.length) this.#setCurrent(this.#shift());
		const available = this.bytes.length - this.pos;
		if (available >= size) return true;
		if (available + this.#queuedBytes < size) return false;
		const joined = new Uint8Array(size);
		joined.set(this.bytes.subarray(this.pos));
		let filled = available;
		while (filled < size) {
			const chunk = this.#queue[this.#head]!;
			const take = Math.min(chunk.length, size - filled);
			joined.set(chunk.subarray(0, take), filled);
			filled += take;
			if (take === chunk.length) {
				this.#shift();
			} else {
				this.#queue[this.#head] = chunk.subarray(take);
				this.#queuedBytes -= take;
			}
		}
		this.#setCurrent(joined);
		return true;
	}

	/** Advances past `size` bytes previously made contiguous by ensure. */
	consume(size: number): void {
		this.pos += size;
		this.#consumed += size;
	}

	#shift(): Uint8Array {
		const chunk = this.#queue[this.#head]!;
		this.#queue[this.#head] = EMPTY;
		this.#head++;
		this.#queuedBytes -= chunk.length;
		if (this.#head === this.#queue.length) {
			this.#queue.length = 0;
			this.#head = 0;
		} else if (this.#head >= 1024) {
			this.#queue.splice(0, this.#head);
			this.#head = 0;
		}
		return chunk;
	}

	#setCurrent(bytes: Uint8Array): void {
		this.bytes = bytes;
		this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
		this.pos = 0;
	}
}
