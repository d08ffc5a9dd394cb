// Streaming capture reader: detects pcap or pcapng from the first bytes, then yields records as chunks arrive.

import type { ByteOrder } from "./byte-order.ts";
import { ByteQueue } from "./byte-queue.ts";
import type { CaptureFile, CaptureFormat, CaptureInterface, CaptureRecord } from "./capture-record.ts";
import { CaptureFormatError } from "./errors.ts";
import { hex, isPcapMagic, PcapDecoder } from "./pcap-decoder.ts";
import { BLOCK_TYPE_SECTION_HEADER } from "./pcapng-blocks.ts";
import { PcapngDecoder } from "./pcapng-decoder.ts";

/** Larger records or blocks are rejected as malformed rather than buffered. */
export const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;

export interface CaptureReaderOptions {
	/** Limit on a pcap record's caplen and on a pcapng block's length. */
	maxRecordBytes?: number;
}

const NO_INTERFACES: readonly CaptureInterface[] = [];

export class CaptureReader {
	readonly #queue = new ByteQueue();
	readonly #maxRecordBytes: number;
	#decoder: PcapDecoder | PcapngDecoder | undefined;
	#format: CaptureFormat | undefined;
	#ended = false;
	#failure: CaptureFormatError | undefined;

	constructor(options: CaptureReaderOptions = {}) {
		this.#maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
	}

	/** Adds input. The chunk is kept by reference (records are views into it): do not modify it afterwards. */
	push(chunk: Uint8Array): void {
		if (this.#ended) throw new RangeError("Cannot push input after end()");
		this.#queue.push(chunk);
	}

	/** Marks the end of input: next() then reports leftover bytes as a "truncated" CaptureFormatError. */
	end(): void {
		this.#ended = true;
	}

	/**
	 * The next complete record, or undefined when more input is needed (or, after end(), when the input is
	 * exhausted). Throws CaptureFormatError on malformed input, and again on every later call.
	 */
	next(): CaptureRecord | undefined {
		if (this.#failure !== undefined) throw this.#failure;
		try {
			const record = this.#decoderOrUndefined()?.next(this.#queue);
			if (record === undefined && this.#ended) this.#checkNothingLeft();
			return record;
		} catch (error) {
			if (error instanceof CaptureFormatError) this.#failure = error;
			throw error;
		}
	}

	get format(): CaptureFormat | undefined {
		return this.#format;
	}

	/** Byte order of the pcap file, or of the current pcapng section. */
	get byteOrder(): ByteOrder | undefined {
		return this.#decoder?.byteOrder;
	}

	/** Interfaces described so far, indexed by CaptureRecord.interfaceId. */
	get interfaces(): readonly CaptureInterface[] {
		return this.#decoder?.interfaces ?? NO_INTERFACES;
	}

	/** Input bytes consumed so far. */
	get offset(): number {
		return this.#queue.offset;
	}

	#decoderOrUndefined(): PcapDecoder | PcapngDecoder | undefined {
		if (this.#decoder !== undefined) return this.#decoder;
		if (!this.#queue.ensure(4)) return undefined;
		const magic = this.#queue.view.getUint32(this.#queue.pos, false);
		if (isPcapMagic(magic)) {
			this.#format = "pcap";
			this.#decoder = new PcapDecoder(this.#maxRecordBytes);
		} else if (magic === BLOCK_TYPE_SECTION_HEADER) {
			this.#format = "pcapng";
			this.#decoder = new PcapngDecoder(this.#maxRecordBytes);
		} else {
			throw new CaptureFormatError(
				"unknown-format",
				0,
				`Input is neither pcap nor pcapng: magic 0x${hex(magic)}`,
			);
		}
		return this.#decoder;
	}

	#checkNothingLeft(): void {
		const left = this.#queue.buffered;
		if (this.#decoder === undefined) {
			throw new CaptureFormatError("truncated", 0, `Input ends after ${left} bytes, before a file header`);
		}
		if (left > 0) {
			throw new CaptureFormatError(
				"truncated",
				this.#queue.offset,
				`Input ends inside a ${this.#format} header or record: ${left} of ${this.#decoder.needed} bytes`,
			);
		}
	}
}

/** Reads a whole capture held in memory. Throws CaptureFormatError on malformed input, except truncation. */
export function readCapture(bytes: Uint8Array, options: CaptureReaderOptions = {}): CaptureFile {
	const reader = new CaptureReader(options);
	reader.push(bytes);
	reader.end();
	const records: CaptureRecord[] = [];
	let truncated: CaptureFormatError | undefined;
	try {
		for (let record = reader.next(); record !== undefined; record = reader.next()) records.push(record);
	} catch (error) {
		if (!(error instanceof CaptureFormatError) || error.code !== "truncated") throw error;
		truncated = error;
	}
	return {
		format: reader.format,
		byteOrder: reader.byteOrder,
		interfaces: [...reader.interfaces],
		records,
		truncated,
	};
}
