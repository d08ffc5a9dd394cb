// FINDALLIF_REPLY: interface records with name, description, flags and address entries (§5.2, §5.4).

import { MalformedMessageError, PAYLOAD_TOO_SHORT, RpcapError } from "./errors.ts";
import {
	allocateMessage,
	ErrorCode,
	MAX_INTERFACE_STRING_BYTES,
	MessageType,
	PROTOCOL_VERSION,
} from "./header.ts";
import { type RpcapSockaddr, readSockaddr, SOCKADDR_SIZE, writeSockaddr } from "./sockaddr.ts";
import { truncateUtf8, utf8Decode, utf8Encode } from "./text.ts";

const INTERFACE_RECORD_SIZE = 12;
const ADDRESS_ENTRY_SIZE = 4 * SOCKADDR_SIZE;
const MAX_U16 = 0xffff;

/** PCAP_IF_* flags, passed through unchanged (§5.2). */
export const InterfaceFlag = {
	LOOPBACK: 0x1,
	UP: 0x2,
	RUNNING: 0x4,
	WIRELESS: 0x8,
	CONNECTION_STATUS_MASK: 0x30,
	CONNECTION_STATUS_CONNECTED: 0x10,
	CONNECTION_STATUS_DISCONNECTED: 0x20,
	CONNECTION_STATUS_NOT_APPLICABLE: 0x30,
} as const;

/** One pcap_addr. An entry whose `addr` is null (a non-IP family) is not sent. */
export interface InterfaceAddress {
	addr: RpcapSockaddr | null;
	netmask: RpcapSockaddr | null;
	broadaddr: RpcapSockaddr | null;
	dstaddr: RpcapSockaddr | null;
}

export interface RemoteInterface {
	name: string;
	/** Empty when the interface has none. */
	description: string;
	flags: number;
	addresses: InterfaceAddress[];
}

export interface FindAllIfReplyEncoding {
	/** The complete message (header + payload). */
	message: Uint8Array;
	/** Header `value`: interfaces actually sent. */
	interfaceCount: number;
	/** Names of interfaces left out because their name is 1025 bytes or longer (log them). */
	skippedNames: string[];
	/** Names of interfaces whose description was cut to 1024 bytes. */
	truncatedDescriptions: string[];
}

interface PreparedInterface {
	name: Uint8Array;
	description: Uint8Array;
	flags: number;
	addresses: InterfaceAddress[];
}

/**
 * Builds the reply the way §5.4 "Ours" requires: only IPv4/IPv6 entries (families 2/23), names ≥ 1025 bytes
 * skipped, descriptions cut to 1024 bytes on a character boundary, no 64000-byte ceiling (the caller warns
 * when `message.length - 8 > LEGACY_REPLY_LIMIT`). Throws RpcapError code 4 when more than 65535 interfaces
 * (or addresses on one interface) remain, or an address text is invalid.
 */
export function encodeFindAllIfReply(
	interfaces: readonly RemoteInterface[],
	version = PROTOCOL_VERSION,
): FindAllIfReplyEncoding {
	const skippedNames: string[] = [];
	const truncatedDescriptions: string[] = [];
	const prepared: PreparedInterface[] = [];
	let payloadLength = 0;
	for (const item of interfaces) {
		const name = utf8Encode(item.name);
		if (name.length > MAX_INTERFACE_STRING_BYTES) {
			skippedNames.push(item.name);
			continue;
		}
		let description = utf8Encode(item.description);
		if (description.length > MAX_INTERFACE_STRING_BYTES) {
			description = truncateUtf8(item.description, MAX_INTERFACE_STRING_BYTES);
			truncatedDescriptions.push(item.name);
		}
		const addresses = item.addresses.filter((entry) => entry.addr !== null);
		if (addresses.length > MAX_U16) {
			throw new RpcapError(
				ErrorCode.FINDALLIF,
				`Interface "${item.name}" has more than 65535 addresses: ${addresses.length}`,
			);
		}
		prepared.push({ name, description, flags: item.flags, addresses });
		payloadLength +=
			INTERFACE_RECORD_SIZE + name.length + description.length + addresses.length * ADDRESS_ENTRY_SIZE;
	}
	if (prepared.length > MAX_U16) {
		throw new RpcapError(ErrorCode.FINDALLIF, `Number of interfaces exceeds 65535: ${prepared.length}`);
	}
	if (payloadLength > 0xffffffff)
		throw new RpcapError(ErrorCode.FINDALLIF, "Reply length doesn't fit in 32 bits");
	const { bytes, view } = allocateMessage(
		MessageType.FINDALLIF_REPLY,
		prepared.length,
		payloadLength,
		version,
	);
	let offset = 8;
	for (const item of prepared) {
		view.setUint16(offset, item.name.length);
		view.setUint16(offset + 2, item.description.length);
		view.setUint32(offset + 4, item.flags >>> 0);
		view.setUint16(offset + 8, item.addresses.length);
		offset += INTERFACE_RECORD_SIZE;
		bytes.set(item.name, offset);
		offset += item.name.length;
		bytes.set(item.description, offset);
		offset += item.description.length;
		for (const entry of item.addresses) {
			writeSockaddr(view, offset, entry.addr);
			writeSockaddr(view, offset + SOCKADDR_SIZE, entry.netmask);
			writeSockaddr(view, offset + 2 * SOCKADDR_SIZE, entry.broadaddr);
			writeSockaddr(view, offset + 3 * SOCKADDR_SIZE, entry.dstaddr);
			offset += ADDRESS_ENTRY_SIZE;
		}
	}
	return { message: bytes, interfaceCount: prepared.length, skippedNames, truncatedDescriptions };
}

function tooShort(): MalformedMessageError {
	return new MalformedMessageError(ErrorCode.FINDALLIF, PAYLOAD_TOO_SHORT);
}

/**
 * Decodes a FINDALLIF_REPLY payload holding `count` interfaces (the header's value). Entries whose four
 * addresses are all unusable are dropped, as in libpcap's client; long names are accepted (unlike the
 * client, which rejects ≥ 1025 bytes); trailing bytes are ignored. Throws MalformedMessageError
 * "Message payload is too short" when a record does not fit.
 */
export function decodeFindAllIfReply(payload: Uint8Array, count: number): RemoteInterface[] {
	const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
	const interfaces: RemoteInterface[] = [];
	let offset = 0;
	for (let i = 0; i < count; i++) {
		if (payload.length - offset < INTERFACE_RECORD_SIZE) throw tooShort();
		const nameLength = view.getUint16(offset);
		const descriptionLength = view.getUint16(offset + 2);
		const flags = view.getUint32(offset + 4);
		const addressCount = view.getUint16(offset + 8);
		offset += INTERFACE_RECORD_SIZE;
		if (payload.length - offset < nameLength + descriptionLength + addressCount * ADDRESS_ENTRY_SIZE) {
			throw tooShort();
		}
		const name = utf8Decode(payload.subarray(offset, offset + nameLength));
		offset += nameLength;
		const description = utf8Decode(payload.subarray(offset, offset + descriptionLength));
		offset += descriptionLength;
		const addresses: InterfaceAddress[] = [];
		for (let a = 0; a < addressCount; a++) {
			const entry: InterfaceAddress = {
				addr: readSockaddr(view, offset),
				netmask: readSockaddr(view, offset + SOCKADDR_SIZE),
				broadaddr: readSockaddr(view, offset + 2 * SOCKADDR_SIZE),
				dstaddr: readSockaddr(view, offset + 3 * SOCKADDR_SIZE),
			};
			offset += ADDRESS_ENTRY_SIZE;
			if (entry.addr || entry.netmask || entry.broadaddr || entry.dstaddr) addresses.push(entry);
		}
		interfaces.push({ name, description, flags, addresses });
	}
	return interfaces;
}
