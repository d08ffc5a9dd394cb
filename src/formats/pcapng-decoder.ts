// pcapng decoding: sections in either byte order, interfaces, EPB/SPB/obsolete PB; other blocks are skipped.

import type { ByteOrder } from "./byte-order.ts";
import type { ByteQueue } from "./byte-queue.ts";
import type { CaptureInterface, CaptureRecord } from "./capture-record.ts";
import { CaptureFormatError } from "./errors.ts";
import { hex } from "./pcap-decoder.ts";
import {
	BLOCK_TYPE_ENHANCED_PACKET,
	BLOCK_TYPE_INTERFACE_DESCRIPTION,
	BLOCK_TYPE_PACKET,
	BLOCK_TYPE_SECTION_HEADER,
	BLOCK_TYPE_SIMPLE_PACKET,
	BYTE_ORDER_MAGIC,
} from "./pcapng-blocks.ts";
import {
	type SplitTimestamp,
	splitTimestamp,
	type TimestampScale,
	timestampScale,
} from "./timestamp-scale.ts";

const BLOCK_HEADER_SIZE = 8;
const BLOCK_MIN_SIZE = 12;
const SECTION_HEADER_MIN_SIZE = 28;
const INTERFACE_DESCRIPTION_MIN_SIZE = 20;
const SIMPLE_PACKET_MIN_SIZE = 16;
const PACKET_MIN_SIZE = 32; // EPB and obsolete PB share this layout up to the data
const OPTION_IF_NAME = 2;
const OPTION_IF_DESCRIPTION = 3;
const OPTION_IF_TSRESOL = 9;
const OPTION_IF_TSOFFSET = 14;

const utf8 = new TextDecoder();

interface SectionInterface {
	readonly info: CaptureInterface;
	readonly scale: TimestampScale;
}

export class PcapngDecoder {
	readonly interfaces: CaptureInterface[] = [];
	byteOrder: ByteOrder | undefined;
	/** Bytes the next step needs at the queue's offset. */
	needed = BLOCK_HEADER_SIZE;
	readonly #maxBlockBytes: number;
	#section: SectionInterface[] = [];
	#sectionIndex = -1;
	#little = true;
	readonly #timestamp: SplitTimestamp = { sec: 0, nsec: 0 };
	#blockType = 0;
	#blockLittle = true;

	constructor(maxBlockBytes: number) {
		this.#maxBlockBytes = maxBlockBytes;
	}

	next(queue: ByteQueue): CaptureRecord | undefined {
		for (;;) {
			const start = queue.offset;
			const length = this.#frameBlock(queue, start);
			if (length < 0) return undefined;
			const type = this.#blockType;
			const { view, pos } = queue;
			let record: CaptureRecord | undefined;
			if (type === BLOCK_TYPE_ENHANCED_PACKET || type === BLOCK_TYPE_PACKET) {
				record = this.#readPacket(queue, type, length, start);
			} else if (type === BLOCK_TYPE_SIMPLE_PACKET) {
				record = this.#readSimplePacket(queue, length, start);
			} else if (type === BLOCK_TYPE_INTERFACE_DESCRIPTION) {
				this.#readInterface(view, pos, length, start);
			} else if (type === BLOCK_TYPE_SECTION_HEADER) {
				this.#startSection(view, pos, length, this.#blockLittle, start);
			}
			queue.consume(length);
			if (record !== undefined) return record;
		}
	}

	/**
	 * Makes the next whole block contiguous and checks its framing; returns its length, or -1 when more
	 * input is needed. Sets #blockType and #blockLittle.
	 */
	#frameBlock(queue: ByteQueue, start: number): number {
		this.needed = BLOCK_HEADER_SIZE;
		if (!queue.ensure(BLOCK_HEADER_SIZE)) return -1;
		let little = this.#little;
		const type = queue.view.getUint32(queue.pos, little);
		if (type === BLOCK_TYPE_SECTION_HEADER) {
			// The section's byte order is known only from the magic after the length field.
			this.needed = BLOCK_HEADER_SIZE + 4;
			if (!queue.ensure(BLOCK_HEADER_SIZE + 4)) return -1;
			little = sectionByteOrder(queue.view.getUint32(queue.pos + 8, true), start);
		} else if (this.#sectionIndex < 0) {
			throw new CaptureFormatError(
				"malformed-block",
				start,
				`Expected a Section Header Block, got type 0x${hex(type)}`,
			);
		}
		const length = queue.view.getUint32(queue.pos + 4, little);
		if (length < BLOCK_MIN_SIZE || length % 4 !== 0) {
			throw new CaptureFormatError(
				"malformed-block",
				start,
				`Invalid length ${length} of block type 0x${hex(type)}`,
			);
		}
		if (length > this.#maxBlockBytes) {
			throw new CaptureFormatError(
				"too-large",
				start,
				`Block length ${length} exceeds the limit of ${this.#maxBlockBytes} bytes`,
			);
		}
		this.needed = length;
		if (!queue.ensure(length)) return -1;
		const trailer = queue.view.getUint32(queue.pos + length - 4, little);
		if (trailer !== length) {
			throw new CaptureFormatError(
				"malformed-block",
				start,
				`Block trailer length ${trailer} differs from header length ${length}`,
			);
		}
		this.#blockType = type;
		this.#blockLittle = little;
		return length;
	}

	#startSection(view: DataView, pos: number, length: number, little: boolean, start: number): void {
		requireLength(length, SECTION_HEADER_MIN_SIZE, "Section Header", start);
		const major = view.getUint16(pos + 12, little);
		if (major !== 1) {
			const minor = view.getUint16(pos + 14, little);
			throw new CaptureFormatError(
				"unsupported-version",
				start,
				`Unsupported pcapng version ${major}.${minor}`,
			);
		}
		this.#little = little;
		this.byteOrder = little ? "little" : "big";
		this.#section = [];
		this.#sectionIndex++;
	}

	#readInterface(view: DataView, pos: number, length: number, start: number): void {
		requireLength(length, INTERFACE_DESCRIPTION_MIN_SIZE, "Interface Description", start);
		const little = this.#little;
		const info: CaptureInterface = {
			id: this.interfaces.length,
			section: this.#sectionIndex,
			linktype: view.getUint16(pos + 8, little),
			snaplen: view.getUint32(pos + 12, little),
			tsresol: 6,
		};
		let offsetSeconds = 0;
		const end = pos + length - 4;
		let at = pos + 16;
		while (end - at >= 4) {
			const code = view.getUint16(at, little);
			const size = view.getUint16(at + 2, little);
			if (code === 0) break;
			const value = at + 4;
			if (value + size > end) {
				throw new CaptureFormatError(
					"malformed-block",
					start,
					`Interface option ${code} of ${size} bytes overruns its block`,
				);
			}
			if (code === OPTION_IF_NAME) info.name = readText(view, value, size);
			else if (code === OPTION_IF_DESCRIPTION) info.description = readText(view, value, size);
			else if (code === OPTION_IF_TSRESOL) info.tsresol = readOptionByte(view, value, size, start);
			else if (code === OPTION_IF_TSOFFSET) offsetSeconds = readOptionInt64(view, value, size, little, start);
			at = value + ((size + 3) & ~3);
		}
		this.interfaces.push(info);
		this.#section.push({ info, scale: timestampScale(info.tsresol, offsetSeconds) });
	}

	#interface(localId: number, start: number): SectionInterface {
		const found = this.#section[localId];
		if (found === undefined) {
			throw new CaptureFormatError(
				"unknown-interface",
				start,
				`Packet refers to interface ${localId} but its section describes ${this.#section.length}`,
			);
		}
		return found;
	}

	#readPacket(queue: ByteQueue, type: number, length: number, start: number): CaptureRecord {
		requireLength(length, PACKET_MIN_SIZE, "Packet", start);
		const { view, pos } = queue;
		const little = this.#little;
		const localId =
			type === BLOCK_TYPE_PACKET ? view.getUint16(pos + 8, little) : view.getUint32(pos + 8, little);
		const iface = this.#interface(localId, start);
		const caplen = view.getUint32(pos + 20, little);
		if (caplen > length - PACKET_MIN_SIZE) {
			throw new CaptureFormatError(
				"malformed-record",
				start,
				`Packet caplen ${caplen} exceeds its block of ${length} bytes`,
			);
		}
		const timestamp = this.#timestamp;
		splitTimestamp(
			view.getUint32(pos + 12, little),
			view.getUint32(pos + 16, little),
			iface.scale,
			timestamp,
		);
		return {
			interfaceId: iface.info.id,
			linktype: iface.info.linktype,
			tsSec: timestamp.sec,
			tsUsec: Math.floor(timestamp.nsec / 1000),
			tsNsec: timestamp.nsec,
			caplen,
			len: view.getUint32(pos + 24, little),
			data: queue.bytes.subarray(pos + 28, pos + 28 + caplen),
		};
	}

	// pcapng spec §4.4: an SPB belongs to interface 0; its captured length is the original length cut to
	// that interface's snaplen (0 = unlimited) and to the block.
	#readSimplePacket(queue: ByteQueue, length: number, start: number): CaptureRecord {
		requireLength(length, SIMPLE_PACKET_MIN_SIZE, "Simple Packet", start);
		const { view, pos } = queue;
		const iface = this.#interface(0, start);
		const len = view.getUint32(pos + 8, this.#little);
		let caplen = Math.min(len, length - SIMPLE_PACKET_MIN_SIZE);
		if (iface.info.snaplen !== 0) caplen = Math.min(caplen, iface.info.snaplen);
		return {
			interfaceId: iface.info.id,
			linktype: iface.info.linktype,
			tsSec: 0,
			tsUsec: 0,
			tsNsec: 0,
			caplen,
			len,
			data: queue.bytes.subarray(pos + 12, pos + 12 + caplen),
		};
	}
}

function sectionByteOrder(magic: number, start: number): boolean {
	if (magic === BYTE_ORDER_MAGIC) return true;
	if (magic === 0x4d3c2b1a) return false;
	throw new CaptureFormatError(
		"malformed-block",
		start,
		`Invalid byte-order magic 0x${hex(magic)} in Section Header Block`,
	);
}

function requireLength(length: number, minimum: number, blockName: string, start: number): void {
	if (length < minimum) {
		throw new CaptureFormatError(
			"malformed-block",
			start,
			`${blockName} Block length ${length} is below ${minimum}`,
		);
	}
}

function readText(view: DataView, at: number, size: number): string {
	return utf8.decode(new Uint8Array(view.buffer, view.byteOffset + at, size));
}

function readOptionByte(view: DataView, at: number, size: number, start: number): number {
	if (size !== 1)
		throw new CaptureFormatError("malformed-block", start, `if_tsresol option has length ${size}, not 1`);
	return view.getUint8(at);
}

function readOptionInt64(view: DataView, at: number, size: number, little: boolean, start: number): number {
	if (size !== 8)
		throw new CaptureFormatError("malformed-block", start, `if_tsoffset option has length ${size}, not 8`);
	return Number(view.getBigInt64(at, little));
}
