// Classic libpcap file writer: file header and record encoders, and a streaming writer producing chunks.

import { type ByteOrder, putU16, putU32 } from "./byte-order.ts";
import { ChunkedOutput } from "./chunked-output.ts";

export const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4;
export const PCAP_MAGIC_NANOSECONDS = 0xa1b23c4d;
export const PCAP_FILE_HEADER_SIZE = 24;
export const PCAP_RECORD_HEADER_SIZE = 16;
/** libpcap's MAXIMUM_SNAPLEN, what tcpdump writes when no snapshot length is given. */
export const DEFAULT_SNAPLEN = 262144;

export interface PcapFileOptions {
	/** LINKTYPE value (convert a device's DLT with dltToLinktype first). */
	linktype: number;
	snaplen?: number;
	byteOrder?: ByteOrder;
}

/** Writes the 24-byte file header (microsecond magic, version 2.4, thiszone 0, sigfigs 0) at `at`. */
export function writePcapFileHeader(target: Uint8Array, at: number, options: PcapFileOptions): number {
	const little = (options.byteOrder ?? "little") === "little";
	putU32(target, at, PCAP_MAGIC_MICROSECONDS, little);
	putU16(target, at + 4, 2, little);
	putU16(target, at + 6, 4, little);
	putU32(target, at + 8, 0, little);
	putU32(target, at + 12, 0, little);
	putU32(target, at + 16, options.snaplen ?? DEFAULT_SNAPLEN, little);
	putU32(target, at + 20, options.linktype, little);
	return at + PCAP_FILE_HEADER_SIZE;
}

export function encodePcapFileHeader(options: PcapFileOptions): Uint8Array {
	const bytes = new Uint8Array(PCAP_FILE_HEADER_SIZE);
	writePcapFileHeader(bytes, 0, options);
	return bytes;
}

/**
 * Writes one record (16-byte header + data) at `at` and returns the offset after it. caplen is
 * `data.length`; the timestamp is written exactly as given (values are stored modulo 2^32).
 */
export function writePcapRecord(
	target: Uint8Array,
	at: number,
	tsSec: number,
	tsUsec: number,
	len: number,
	data: Uint8Array,
	littleEndian: boolean,
): number {
	putU32(target, at, tsSec, littleEndian);
	putU32(target, at + 4, tsUsec, littleEndian);
	putU32(target, at + 8, data.length, littleEndian);
	putU32(target, at + 12, len, littleEndian);
	target.set(data, at + PCAP_RECORD_HEADER_SIZE);
	return at + PCAP_RECORD_HEADER_SIZE + data.length;
}

export function encodePcapRecord(
	tsSec: number,
	tsUsec: number,
	len: number,
	data: Uint8Array,
	byteOrder: ByteOrder = "little",
): Uint8Array {
	const bytes = new Uint8Array(PCAP_RECORD_HEADER_SIZE + data.length);
	writePcapRecord(bytes, 0, tsSec, tsUsec, len, data, byteOrder === "little");
	return bytes;
}

export interface PcapWriterOptions extends PcapFileOptions {
	/** Size of the output chunks handed out by takeChunks (a record larger than this gets its own chunk). */
	chunkSize?: number;
}

/** Streaming pcap writer: the file header is the first pending bytes; takeChunks hands bytes to the sink. */
export class PcapWriter {
	readonly #out: ChunkedOutput;
	readonly #littleEndian: boolean;
	#packetCount = 0;

	constructor(options: PcapWriterOptions) {
		this.#out = new ChunkedOutput(options.chunkSize);
		this.#littleEndian = (options.byteOrder ?? "little") === "little";
		const at = this.#out.reserve(PCAP_FILE_HEADER_SIZE);
		writePcapFileHeader(this.#out.bytes, at, options);
	}

	writePacket(tsSec: number, tsUsec: number, len: number, data: Uint8Array): void {
		const at = this.#out.reserve(PCAP_RECORD_HEADER_SIZE + data.length);
		writePcapRecord(this.#out.bytes, at, tsSec, tsUsec, len, data, this.#littleEndian);
		this.#packetCount++;
	}

	get packetCount(): number {
		return this.#packetCount;
	}

	/** Bytes of file produced so far, header included, taken or not. */
	get bytesWritten(): number {
		return this.#out.totalBytes;
	}

	get pendingBytes(): number {
		return this.#out.pendingBytes;
	}

	takeChunks(): Uint8Array[] {
		return this.#out.takeChunks();
	}
}
