// Shared body of the pcap and pcapng sinks: lazy output, stream ids, batched hand-off of encoded chunks.

import type { OutputError } from "../errors.ts";
import type { ByteOutput } from "./byte-output.ts";
import { type Sink, type SinkStats, type StreamInfo, streamKey } from "./sink.ts";

/** Encoded bytes are handed to the output once this many are pending (and on every flush). */
export const DEFAULT_HANDOFF_BYTES = 1024 * 1024;

export interface FormatSinkOptions {
	/** Bytes of encoded output to accumulate before handing them to the output. */
	handoffBytes?: number;
	/** Chunk size of the format writer. */
	chunkSize?: number;
}

/** What a format writer (PcapWriter, PcapngWriter) offers the sink. */
export interface EncodedOutput {
	readonly pendingBytes: number;
	readonly bytesWritten: number;
	takeChunks(): Uint8Array[];
}

export abstract class FormatSink implements Sink {
	#output: ByteOutput | null = null;
	#encoder: EncodedOutput | null = null;
	readonly #streamIds = new Map<string, number>();
	#untakenPackets = 0;
	#written = 0;
	#refused = 0;
	#closed = false;
	#filesOpened = 0;
	#refusedByOutput = 0;
	protected readonly handoffBytes: number;
	protected readonly chunkSize: number | undefined;

	constructor(
		private readonly openOutput: () => ByteOutput,
		options: FormatSinkOptions = {},
	) {
		this.handoffBytes = options.handoffBytes ?? DEFAULT_HANDOFF_BYTES;
		this.chunkSize = options.chunkSize;
	}

	/** Creates the format writer for the file's first stream. */
	protected abstract createEncoder(first: StreamInfo): EncodedOutput;
	/** Checks and registers a stream with the encoder; returns the id writeRecord receives. Throws SinkStreamError. */
	protected abstract registerStream(info: StreamInfo): number;
	protected abstract writeRecord(
		streamId: number,
		tsSec: number,
		tsUsec: number,
		len: number,
		data: Uint8Array,
	): void;

	addStream(info: StreamInfo): number {
		const key = streamKey(info);
		const known = this.#streamIds.get(key);
		if (known !== undefined) return known;
		if (this.#encoder === null) {
			const encoder = this.createEncoder(info);
			this.#output = this.openOutput();
			this.#filesOpened++;
			this.#encoder = encoder;
		}
		const id = this.registerStream(info);
		this.#streamIds.set(key, id);
		return id;
	}

	write(streamId: number, tsSec: number, tsUsec: number, len: number, data: Uint8Array): void {
		if (this.#closed || this.#encoder === null) {
			this.#refused++;
			return;
		}
		this.writeRecord(streamId, tsSec, tsUsec, len, data);
		this.#untakenPackets++;
		this.#written++;
		if (this.#encoder.pendingBytes >= this.handoffBytes) this.#handOff();
	}

	/** Bytes of this file so far (headers included), written or pending: what size-based rotation looks at. */
	get fileBytes(): number {
		return this.#encoder?.bytesWritten ?? 0;
	}

	get packetsInFile(): number {
		return this.#written;
	}

	async flush(): Promise<void> {
		this.#handOff();
		await this.#output?.drain();
	}

	async close(): Promise<void> {
		if (this.#closed) return;
		this.#handOff();
		this.#closed = true;
		await this.#output?.close();
	}

	stats(): SinkStats {
		const output = this.#output;
		const lost = output?.lostPackets ?? 0;
		return {
			packetsWritten: this.#written - this.#refusedByOutput - lost,
			bytesWritten: this.#encoder?.bytesWritten ?? 0,
			packetsDropped: this.#refused + this.#refusedByOutput + lost,
			filesOpened: this.#filesOpened,
			lastError: (output?.failure as OutputError | null)?.message ?? null,
		};
	}

	fileOf(_streamId: number): string | null {
		return this.#output?.path ?? null;
	}

	#handOff(): void {
		const encoder = this.#encoder;
		const output = this.#output;
		if (encoder === null || output === null || encoder.pendingBytes === 0) return;
		const chunks = encoder.takeChunks();
		let bytes = 0;
		for (const chunk of chunks) bytes += chunk.length;
		if (!output.write(chunks, bytes, this.#untakenPackets)) this.#refusedByOutput += this.#untakenPackets;
		this.#untakenPackets = 0;
	}
}
