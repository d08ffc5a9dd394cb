// Ordered, non-blocking file or stream output: queued chunk batches written with writev, bounded, failures counted.

import { close, openSync, writev } from "node:fs";
import { OutputError } from "../errors.ts";

/** Default bound on queued bytes before batches are refused (and their packets counted as dropped). */
export const DEFAULT_MAX_QUEUED_BYTES = 64 * 1024 * 1024;
// Linux IOV_MAX.
const MAX_IOVECS = 1024;

interface Batch {
	chunks: Uint8Array[];
	bytes: number;
	packets: number;
}

export interface ByteOutput {
	/** File path, or "-" for standard output. */
	readonly path: string;
	/**
	 * Queues a batch of chunks holding `packets` whole records. Returns false, queuing nothing, when the output
	 * has failed or its queue is full: the caller counts those packets as dropped.
	 */
	write(chunks: Uint8Array[], bytes: number, packets: number): boolean;
	/** Resolves once every batch queued so far is written (or the output has failed). */
	drain(): Promise<void>;
	/** Drains, then closes the descriptor if this output opened it. Later writes are refused. */
	close(): Promise<void>;
	readonly failure: OutputError | null;
	/** Packets in accepted batches that were lost because the output failed. */
	readonly lostPackets: number;
}

export interface FdByteOutputOptions {
	/** Close the descriptor on close() (true for files we opened). */
	ownsFd: boolean;
	maxQueuedBytes?: number;
}

/**
 * writev in Bun runs on a worker thread, so a slow reader (a pipe to Wireshark) never blocks the event loop;
 * one batch is in flight at a time, which keeps the bytes in order.
 */
export class FdByteOutput implements ByteOutput {
	#queue: Batch[] = [];
	#queuedBytes = 0;
	#writing = false;
	#closed = false;
	#failure: OutputError | null = null;
	#lostPackets = 0;
	#waiters: (() => void)[] = [];
	readonly #maxQueuedBytes: number;

	constructor(
		readonly path: string,
		private readonly fd: number,
		private readonly options: FdByteOutputOptions,
	) {
		this.#maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
	}

	get failure(): OutputError | null {
		return this.#failure;
	}

	get lostPackets(): number {
		return this.#lostPackets;
	}

	write(chunks: Uint8Array[], bytes: number, packets: number): boolean {
		if (this.#closed || this.#failure !== null) return false;
		if (bytes === 0) return true;
		if (this.#queuedBytes > 0 && this.#queuedBytes + bytes > this.#maxQueuedBytes) return false;
		this.#queue.push({ chunks, bytes, packets });
		this.#queuedBytes += bytes;
		if (!this.#writing) this.#writeNext();
		return true;
	}

	drain(): Promise<void> {
		if (!this.#writing && this.#queue.length === 0) return Promise.resolve();
		return new Promise((resolve) => this.#waiters.push(resolve));
	}

	async close(): Promise<void> {
		if (this.#closed) return;
		await this.drain();
		this.#closed = true;
		if (!this.options.ownsFd) return;
		await new Promise<void>((resolve) => {
			close(this.fd, (error) => {
				if (error && this.#failure === null) this.#failure = this.#error("close", error);
				resolve();
			});
		});
	}

	#writeNext(): void {
		const chunks: Uint8Array[] = [];
		let packets = 0;
		let bytes = 0;
		while (this.#queue.length > 0 && chunks.length + this.#queue[0]!.chunks.length <= MAX_IOVECS) {
			const batch = this.#queue.shift()!;
			for (const chunk of batch.chunks) chunks.push(chunk);
			packets += batch.packets;
			bytes += batch.bytes;
		}
		if (chunks.length === 0 && this.#queue.length > 0) {
			// A single batch with more than IOV_MAX chunks: write it in slices.
			const batch = this.#queue[0]!;
			const slice = batch.chunks.splice(0, MAX_IOVECS);
			const sliceBytes = slice.reduce((sum, chunk) => sum + chunk.length, 0);
			batch.bytes -= sliceBytes;
			chunks.push(...slice);
			bytes = sliceBytes;
		}
		if (chunks.length === 0) {
			this.#idle();
			return;
		}
		this.#writing = true;
		this.#writeChunks(chunks, bytes, packets);
	}

	#writeChunks(chunks: Uint8Array[], bytes: number, packets: number): void {
		writev(this.fd, chunks, (error, written) => {
			if (error) {
				this.#fail(error, packets);
				return;
			}
			this.#queuedBytes -= written;
			if (written < bytes) {
				this.#writeChunks(remainingAfter(chunks, written), bytes - written, packets);
				return;
			}
			this.#writeNext();
		});
	}

	#fail(error: Error, inFlightPackets: number): void {
		this.#failure = this.#error("write", error);
		this.#lostPackets += inFlightPackets;
		for (const batch of this.#queue) this.#lostPackets += batch.packets;
		this.#queue = [];
		this.#queuedBytes = 0;
		this.#idle();
	}

	#idle(): void {
		this.#writing = false;
		const waiters = this.#waiters;
		this.#waiters = [];
		for (const resolve of waiters) resolve();
	}

	#error(action: string, error: Error): OutputError {
		const where = this.path === "-" ? "standard output" : `"${this.path}"`;
		return new OutputError(this.path, `Cannot ${action} ${where}: ${error.message}`);
	}
}

function remainingAfter(chunks: Uint8Array[], written: number): Uint8Array[] {
	let skip = written;
	let index = 0;
	while (index < chunks.length && skip >= chunks[index]!.length) {
		skip -= chunks[index]!.length;
		index++;
	}
	const rest = chunks.slice(index);
	if (rest.length > 0 && skip > 0) rest[0] = rest[0]!.subarray(skip);
	return rest;
}

/** Creates (or truncates) `path` for writing. Throws OutputError with the OS reason. */
export function openFileOutput(path: string, maxQueuedBytes?: number): FdByteOutput {
	let fd: number;
	try {
		fd = openSync(path, "w", 0o644);
	} catch (error) {
		throw new OutputError(path, `Cannot create "${path}": ${(error as Error).message}`);
	}
	return new FdByteOutput(path, fd, {
		ownsFd: true,
		...(maxQueuedBytes === undefined ? {} : { maxQueuedBytes }),
	});
}

/** Standard output as a capture stream (`-w -`). */
export function standardOutput(maxQueuedBytes?: number): FdByteOutput {
	return new FdByteOutput("-", 1, {
		ownsFd: false,
		...(maxQueuedBytes === undefined ? {} : { maxQueuedBytes }),
	});
}
