// Classic pcap decoding: file header (both byte orders, micro- and nanosecond magics) and records.

import type { ByteOrder } from "./byte-order.ts";
import type { ByteQueue } from "./byte-queue.ts";
import type { CaptureInterface, CaptureRecord } from "./capture-record.ts";
import { CaptureFormatError } from "./errors.ts";
import { PCAP_FILE_HEADER_SIZE, PCAP_RECORD_HEADER_SIZE } from "./pcap-writer.ts";

// libpcap sf-pcap.c: before version 2.3 caplen and len were stored the other way round; 2.3 files can be either.
const LENGTHS_NORMAL = 0;
const LENGTHS_SWAPPED = 1;
const LENGTHS_MAYBE_SWAPPED = 2;

/** Recognises the first four bytes (read big-endian) of a pcap file. */
export function isPcapMagic(magic: number): boolean {
	return magic === 0xa1b2c3d4 || magic === 0xd4c3b2a1 || magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
}

export class PcapDecoder {
	readonly interfaces: CaptureInterface[] = [];
	byteOrder: ByteOrder | undefined;
	/** Bytes the next step needs at the queue's offset. */
	needed = PCAP_FILE_HEADER_SIZE;
	readonly #maxRecordBytes: number;
	#little = true;
	#nanoseconds = false;
	#lengthOrder = LENGTHS_NORMAL;
	#linktype = 0;

	constructor(maxRecordBytes: number) {
		this.#maxRecordBytes = maxRecordBytes;
	}

	next(queue: ByteQueue): CaptureRecord | undefined {
		if (this.byteOrder === undefined && !this.#readFileHeader(queue)) return undefined;
		this.needed = PCAP_RECORD_HEADER_SIZE;
		if (!queue.ensure(PCAP_RECORD_HEADER_SIZE)) return undefined;
		let caplen = queue.view.getUint32(queue.pos + 8, this.#little);
		let len = queue.view.getUint32(queue.pos + 12, this.#little);
		if (
			this.#lengthOrder === LENGTHS_SWAPPED ||
			(this.#lengthOrder === LENGTHS_MAYBE_SWAPPED && caplen > len)
		) {
			const stored = caplen;
			caplen = len;
			len = stored;
		}
		if (caplen > this.#maxRecordBytes) {
			throw new CaptureFormatError(
				"too-large",
				queue.offset,
				`Record caplen ${caplen} exceeds the limit of ${this.#maxRecordBytes} bytes`,
			);
		}
		const size = PCAP_RECORD_HEADER_SIZE + caplen;
		this.needed = size;
		if (!queue.ensure(size)) return undefined;
		const { view, pos } = queue;
		const tsSec = view.getUint32(pos, this.#little);
		const tsFraction = view.getUint32(pos + 4, this.#little);
		const dataStart = pos + PCAP_RECORD_HEADER_SIZE;
		const data = queue.bytes.subarray(dataStart, dataStart + caplen);
		queue.consume(size);
		return {
			interfaceId: 0,
			linktype: this.#linktype,
			tsSec,
			tsUsec: this.#nanoseconds ? Math.floor(tsFraction / 1000) : tsFraction,
			tsNsec: this.#nanoseconds ? tsFraction : tsFraction * 1000,
			caplen,
			len,
			data,
		};
	}

	#readFileHeader(queue: ByteQueue): boolean {
		if (!queue.ensure(PCAP_FILE_HEADER_SIZE)) return false;
		const { view, pos } = queue;
		const magic = view.getUint32(pos, false);
		if (!isPcapMagic(magic)) {
			throw new CaptureFormatError("unknown-format", queue.offset, `Unknown pcap magic 0x${hex(magic)}`);
		}
		const little = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
		const major = view.getUint16(pos + 4, little);
		const minor = view.getUint16(pos + 6, little);
		if (major !== 2 || minor > 4) {
			throw new CaptureFormatError(
				"unsupported-version",
				queue.offset,
				`Unsupported pcap version ${major}.${minor}`,
			);
		}
		this.#little = little;
		this.#nanoseconds = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
		this.#lengthOrder = minor < 3 ? LENGTHS_SWAPPED : minor === 3 ? LENGTHS_MAYBE_SWAPPED : LENGTHS_NORMAL;
		// libpcap LT_LINKTYPE(): the upper 6 bits carry FCS information, not the link type.
		this.#linktype = view.getUint32(pos + 20, little) & 0x03ffffff;
		this.interfaces.push({
			id: 0,
			section: 0,
			linktype: this.#linktype,
			snaplen: view.getUint32(pos + 16, little),
			tsresol: this.#nanoseconds ? 9 : 6,
		});
		this.byteOrder = little ? "little" : "big";
		queue.consume(PCAP_FILE_HEADER_SIZE);
		return true;
	}
}

export function hex(value: number): string {
	return value.toString(16).padStart(8, "0");
}
