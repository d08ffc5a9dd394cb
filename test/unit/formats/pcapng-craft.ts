import { concatBytes } from "../../support/bytes.ts";
// Test support: hand-built pcapng blocks (any byte order, any resolution, SPB, obsolete PB, unknown types).

export interface CraftOption {
	code: number;
	value: Uint8Array;
}

function u32(value: number, little: boolean): Uint8Array {
	const bytes = new Uint8Array(4);
	new DataView(bytes.buffer).setUint32(0, value >>> 0, little);
	return bytes;
}

function u16(value: number, little: boolean): Uint8Array {
	const bytes = new Uint8Array(2);
	new DataView(bytes.buffer).setUint16(0, value, little);
	return bytes;
}

function pad4(bytes: Uint8Array): Uint8Array {
	return concatBytes(bytes, new Uint8Array((4 - (bytes.length % 4)) % 4));
}

export function options(list: readonly CraftOption[], little: boolean): Uint8Array {
	if (list.length === 0) return new Uint8Array(0);
	const parts = list.flatMap((o) => [u16(o.code, little), u16(o.value.length, little), pad4(o.value)]);
	return concatBytes(...parts, u32(0, little));
}

export function block(type: number, body: Uint8Array, little: boolean): Uint8Array {
	const padded = pad4(body);
	const total = 12 + padded.length;
	return concatBytes(u32(type, little), u32(total, little), padded, u32(total, little));
}

export function sectionHeader(little: boolean, major = 1): Uint8Array {
	return block(
		0x0a0d0d0a,
		concatBytes(u32(0x1a2b3c4d, little), u16(major, little), u16(0, little), new Uint8Array(8).fill(0xff)),
		little,
	);
}

export interface CraftInterface {
	linktype: number;
	snaplen?: number;
	tsresol?: number;
	tsoffset?: bigint;
	name?: string;
}

export function interfaceDescription(iface: CraftInterface, little: boolean): Uint8Array {
	const list: CraftOption[] = [];
	if (iface.name !== undefined) list.push({ code: 2, value: new TextEncoder().encode(iface.name) });
	if (iface.tsresol !== undefined) list.push({ code: 9, value: Uint8Array.of(iface.tsresol) });
	if (iface.tsoffset !== undefined) {
		const value = new Uint8Array(8);
		new DataView(value.buffer).setBigInt64(0, iface.tsoffset, little);
		list.push({ code: 14, value });
	}
	const fixed = concatBytes(u16(iface.linktype, little), u16(0, little), u32(iface.snaplen ?? 0, little));
	return block(1, concatBytes(fixed, options(list, little)), little);
}

export function enhancedPacket(
	interfaceId: number,
	timestamp: bigint,
	len: number,
	data: Uint8Array,
	little: boolean,
	trailingOptions: readonly CraftOption[] = [],
): Uint8Array {
	const fixed = concatBytes(
		u32(interfaceId, little),
		u32(Number(timestamp >> 32n), little),
		u32(Number(timestamp & 0xffffffffn), little),
		u32(data.length, little),
		u32(len, little),
	);
	return block(6, concatBytes(fixed, pad4(data), options(trailingOptions, little)), little);
}

export function obsoletePacket(
	interfaceId: number,
	timestamp: bigint,
	len: number,
	data: Uint8Array,
	little: boolean,
): Uint8Array {
	const fixed = concatBytes(
		u16(interfaceId, little),
		u16(0, little),
		u32(Number(timestamp >> 32n), little),
		u32(Number(timestamp & 0xffffffffn), little),
		u32(data.length, little),
		u32(len, little),
	);
	return block(2, concatBytes(fixed, data), little);
}

export function simplePacket(len: number, data: Uint8Array, little: boolean): Uint8Array {
	return block(3, concatBytes(u32(len, little), data), little);
}
