// pcapng block encoders: Section Header, Interface Description and Enhanced Packet blocks (pcapng spec §4).

import { type ByteOrder, putU16, putU32 } from "./byte-order.ts";
import { DEFAULT_SNAPLEN } from "./pcap-writer.ts";

export const BLOCK_TYPE_SECTION_HEADER = 0x0a0d0d0a;
export const BLOCK_TYPE_INTERFACE_DESCRIPTION = 1;
export const BLOCK_TYPE_PACKET = 2;
export const BLOCK_TYPE_SIMPLE_PACKET = 3;
export const BLOCK_TYPE_ENHANCED_PACKET = 6;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** Block header (type, length) + EPB fixed fields + trailing length. */
export const ENHANCED_PACKET_OVERHEAD = 32;

const OPTION_SHB_HARDWARE = 2;
const OPTION_SHB_OS = 3;
const OPTION_SHB_USERAPPL = 4;
const OPTION_IF_NAME = 2;
const OPTION_IF_DESCRIPTION = 3;
const OPTION_IF_TSRESOL = 9;
const OPTION_IF_FILTER = 11;
const TSRESOL_MICROSECONDS = 6;

const utf8 = new TextEncoder();

interface BlockOption {
	code: number;
	value: Uint8Array;
}

export interface SectionHeaderOptions {
	/** shb_userappl; defaults to "rpcapd". */
	userAppl?: string;
	os?: string;
	hardware?: string;
	byteOrder?: ByteOrder;
}

export interface InterfaceDescription {
	/** LINKTYPE value (convert a device's DLT with dltToLinktype first). */
	linktype: number;
	/** if_name, e.g. "sensor1.example/eth0". */
	name: string;
	description?: string;
	/** Capture filter expression, written as if_filter (libpcap filter string). */
	filter?: string;
	snaplen?: number;
}

function padded(length: number): number {
	return (length + 3) & ~3;
}

function optionsSize(options: readonly BlockOption[]): number {
	if (options.length === 0) return 0;
	let size = 4; // opt_endofopt
	for (const option of options) size += 4 + padded(option.value.length);
	return size;
}

function writeOptions(
	target: Uint8Array,
	at: number,
	options: readonly BlockOption[],
	little: boolean,
): number {
	if (options.length === 0) return at;
	let offset = at;
	for (const option of options) {
		putU16(target, offset, option.code, little);
		putU16(target, offset + 2, option.value.length, little);
		target.set(option.value, offset + 4);
		target.fill(0, offset + 4 + option.value.length, offset + 4 + padded(option.value.length));
		offset += 4 + padded(option.value.length);
	}
	putU32(target, offset, 0, little);
	return offset + 4;
}

function stringOption(code: number, text: string | undefined): BlockOption[] {
	return text === undefined ? [] : [{ code, value: utf8.encode(text) }];
}

function encodeBlock(
	type: number,
	fixed: number,
	options: readonly BlockOption[],
	little: boolean,
	writeFixed: (bytes: Uint8Array, at: number) => void,
): Uint8Array {
	const total = 12 + fixed + optionsSize(options);
	const bytes = new Uint8Array(total);
	putU32(bytes, 0, type, little);
	putU32(bytes, 4, total, little);
	writeFixed(bytes, 8);
	writeOptions(bytes, 8 + fixed, options, little);
	putU32(bytes, total - 4, total, little);
	return bytes;
}

/** SHB, version 1.0, section length -1 (unknown), with shb_userappl and optional shb_os/shb_hardware. */
export function encodeSectionHeaderBlock(options: SectionHeaderOptions = {}): Uint8Array {
	const little = (options.byteOrder ?? "little") === "little";
	const blockOptions = [
		...stringOption(OPTION_SHB_HARDWARE, options.hardware),
		...stringOption(OPTION_SHB_OS, options.os),
		...stringOption(OPTION_SHB_USERAPPL, options.userAppl ?? "rpcapd"),
	];
	return encodeBlock(BLOCK_TYPE_SECTION_HEADER, 16, blockOptions, little, (bytes, at) => {
		putU32(bytes, at, BYTE_ORDER_MAGIC, little);
		putU16(bytes, at + 4, 1, little);
		putU16(bytes, at + 6, 0, little);
		bytes.fill(0xff, at + 8, at + 16);
	});
}

/** IDB with if_name, optional if_description and if_filter, and if_tsresol 6 (microseconds). */
export function encodeInterfaceDescriptionBlock(
	iface: InterfaceDescription,
	byteOrder: ByteOrder = "little",
): Uint8Array {
	const little = byteOrder === "little";
	const filter =
		iface.filter === undefined ? [] : [{ code: OPTION_IF_FILTER, value: filterValue(iface.filter) }];
	const blockOptions = [
		...stringOption(OPTION_IF_NAME, iface.name),
		...stringOption(OPTION_IF_DESCRIPTION, iface.description),
		{ code: OPTION_IF_TSRESOL, value: Uint8Array.of(TSRESOL_MICROSECONDS) },
		...filter,
	];
	return encodeBlock(BLOCK_TYPE_INTERFACE_DESCRIPTION, 8, blockOptions, little, (bytes, at) => {
		putU16(bytes, at, iface.linktype, little);
		putU16(bytes, at + 2, 0, little);
		putU32(bytes, at + 4, iface.snaplen ?? DEFAULT_SNAPLEN, little);
	});
}

// pcapng spec §4.2 if_filter: the first octet says the filter kind; 0 = libpcap filter string.
function filterValue(filter: string): Uint8Array {
	const text = utf8.encode(filter);
	const value = new Uint8Array(1 + text.length);
	value.set(text, 1);
	return value;
}

export function enhancedPacketBlockSize(caplen: number): number {
	return ENHANCED_PACKET_OVERHEAD + padded(caplen);
}

/**
 * Writes an EPB at `at` and returns the offset after it. The interface must use if_tsresol 6, so the
 * 64-bit timestamp is tsSec * 10^6 + tsUsec (exact in a double for 32-bit seconds).
 */
export function writeEnhancedPacketBlock(
	target: Uint8Array,
	at: number,
	interfaceId: number,
	tsSec: number,
	tsUsec: number,
	len: number,
	data: Uint8Array,
	littleEndian: boolean,
): number {
	const caplen = data.length;
	const total = ENHANCED_PACKET_OVERHEAD + padded(caplen);
	const units = tsSec * 1_000_000 + tsUsec;
	putU32(target, at, BLOCK_TYPE_ENHANCED_PACKET, littleEndian);
	putU32(target, at + 4, total, littleEndian);
	putU32(target, at + 8, interfaceId, littleEndian);
	putU32(target, at + 12, Math.floor(units / 0x1_0000_0000), littleEndian);
	putU32(target, at + 16, units >>> 0, littleEndian);
	putU32(target, at + 20, caplen, littleEndian);
	putU32(target, at + 24, len, littleEndian);
	target.set(data, at + 28);
	const dataEnd = at + 28 + caplen;
	target.fill(0, dataEnd, at + total - 4);
	putU32(target, at + total - 4, total, littleEndian);
	return at + total;
}

export function encodeEnhancedPacketBlock(
	interfaceId: number,
	tsSec: number,
	tsUsec: number,
	len: number,
	data: Uint8Array,
	byteOrder: ByteOrder = "little",
): Uint8Array {
	const bytes = new Uint8Array(enhancedPacketBlockSize(data.length));
	writeEnhancedPacketBlock(bytes, 0, interfaceId, tsSec, tsUsec, len, data, byteOrder === "little");
	return bytes;
}
