// The 8-byte RPCAP common header, message-type and error-code tables, protocol size limits.

import { readUint32BE } from "./big-endian.ts";

/** rpcap-protocol.md §1.1: ver, type, value (BE u16), plen (BE u32). */
export const HEADER_SIZE = 8;
/** Only protocol version 0 exists (§2). */
export const PROTOCOL_VERSION = 0;
/** Hard cap on client-to-daemon `plen` (§1.2). */
export const MAX_REQUEST_PAYLOAD = 262144;
/** Receivers keep at most 255 bytes of an ERROR text; ours never sends more (§3). */
export const MAX_ERROR_TEXT_BYTES = 255;
/** §8.2: RPCAP_BPF_MAXINSNS. */
export const MAX_FILTER_INSTRUCTIONS = 8192;
/** §6.4: longest OPEN source string. */
export const MAX_SOURCE_NAME_BYTES = 1024;
/** §5.4: interface names longer than this are skipped, descriptions truncated to it. */
export const MAX_INTERFACE_STRING_BYTES = 1024;
/** §5.3: the reference cannot send a FINDALLIF reply above this; ours warns (§5.4). */
export const LEGACY_REPLY_LIMIT = 64000;
/** §7.8 and §17: snaplen 0 or above this is clamped to it. */
export const MAX_SNAPLEN = 262144;
/** `struct rpcap_pkthdr` (§11.3). */
export const PACKET_HEADER_SIZE = 20;
/** Common header plus `rpcap_pkthdr`: the bytes in front of every packet's data. */
export const PACKET_MESSAGE_OVERHEAD = HEADER_SIZE + PACKET_HEADER_SIZE;
/** §4.3: written in the capture host's native byte order. */
export const BYTE_ORDER_MAGIC = 0xa1b2c3d4;

export const MessageType = {
	ERROR: 0x01,
	FINDALLIF_REQ: 0x02,
	OPEN_REQ: 0x03,
	STARTCAP_REQ: 0x04,
	UPDATEFILTER_REQ: 0x05,
	CLOSE: 0x06,
	PACKET: 0x07,
	AUTH_REQ: 0x08,
	STATS_REQ: 0x09,
	ENDCAP_REQ: 0x0a,
	SETSAMPLING_REQ: 0x0b,
	FINDALLIF_REPLY: 0x82,
	OPEN_REPLY: 0x83,
	STARTCAP_REPLY: 0x84,
	UPDATEFILTER_REPLY: 0x85,
	AUTH_REPLY: 0x88,
	STATS_REPLY: 0x89,
	ENDCAP_REPLY: 0x8a,
	SETSAMPLING_REPLY: 0x8b,
	/** ExtraHop udpstr datagram; never valid on a control connection (§1.3). */
	UDPSTR_PACKET: 110,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Bit set in a reply's type (§0). */
export const REPLY_FLAG = 0x80;

// The reference's rpcap_msg_type_string() table; type 110 has no name there.
const MESSAGE_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
	[0x01, "RPCAP_MSG_ERROR"],
	[0x02, "RPCAP_MSG_FINDALLIF_REQ"],
	[0x03, "RPCAP_MSG_OPEN_REQ"],
	[0x04, "RPCAP_MSG_STARTCAP_REQ"],
	[0x05, "RPCAP_MSG_UPDATEFILTER_REQ"],
	[0x06, "RPCAP_MSG_CLOSE"],
	[0x07, "RPCAP_MSG_PACKET"],
	[0x08, "RPCAP_MSG_AUTH_REQ"],
	[0x09, "RPCAP_MSG_STATS_REQ"],
	[0x0a, "RPCAP_MSG_ENDCAP_REQ"],
	[0x0b, "RPCAP_MSG_SETSAMPLING_REQ"],
	[0x82, "RPCAP_MSG_FINDALLIF_REPLY"],
	[0x83, "RPCAP_MSG_OPEN_REPLY"],
	[0x84, "RPCAP_MSG_STARTCAP_REPLY"],
	[0x85, "RPCAP_MSG_UPDATEFILTER_REPLY"],
	[0x88, "RPCAP_MSG_AUTH_REPLY"],
	[0x89, "RPCAP_MSG_STATS_REPLY"],
	[0x8a, "RPCAP_MSG_ENDCAP_REPLY"],
	[0x8b, "RPCAP_MSG_SETSAMPLING_REPLY"],
]);

/** The reference name of a message type ("RPCAP_MSG_OPEN_REQ"), or undefined for an unknown type. */
export function messageTypeName(type: number): string | undefined {
	return MESSAGE_TYPE_NAMES.get(type);
}

/**
 * The seven client requests that need authentication (§15: FINDALLIF, OPEN, STARTCAP, UPDATEFILTER, STATS,
 * ENDCAP, SETSAMPLING). AUTH_REQ, CLOSE and ERROR have dispatch rows of their own and are not included.
 */
export function isClientRequestType(type: number): boolean {
	return (type >= 0x02 && type <= 0x05) || (type >= 0x09 && type <= 0x0b);
}

/** Types only a server may send (§15: 0x07, 0x82–0x85, 0x88–0x8B); a client sending one gets ERROR 16. */
export function isServerToClientType(type: number): boolean {
	return type === 0x07 || (type >= 0x82 && type <= 0x85) || (type >= 0x88 && type <= 0x8b);
}

/** A type with a reference name (everything in MessageType except UDPSTR_PACKET). */
export function isKnownMessageType(type: number): boolean {
	return MESSAGE_TYPE_NAMES.has(type);
}

export const ErrorCode = {
	NETW: 1,
	INITTIMEOUT: 2,
	AUTH: 3,
	FINDALLIF: 4,
	NOREMOTEIF: 5,
	OPEN: 6,
	UPDATEFILTER: 7,
	GETSTATS: 8,
	READEX: 9,
	HOSTNOAUTH: 10,
	REMOTEACCEPT: 11,
	STARTCAPTURE: 12,
	ENDCAPTURE: 13,
	RUNTIMETIMEOUT: 14,
	SETSAMPLING: 15,
	WRONGMSG: 16,
	WRONGVER: 17,
	AUTH_FAILED: 18,
	TLS_REQUIRED: 19,
	AUTH_TYPE_NOTSUP: 20,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const ERROR_CODE_NAMES: ReadonlyMap<number, string> = new Map(
	Object.entries(ErrorCode).map(([name, code]) => [code, `PCAP_ERR_${name}`]),
);

/** The `rpcap-protocol.h` name of an error code ("PCAP_ERR_OPEN"), or undefined for an unknown code. */
export function errorCodeName(code: number): string | undefined {
	return ERROR_CODE_NAMES.get(code);
}

// §16 last paragraph: the code a request type's failures (and "Message payload is too large") are sent with.
const REQUEST_ERROR_CODES: ReadonlyMap<number, ErrorCode> = new Map<number, ErrorCode>([
	[MessageType.AUTH_REQ, ErrorCode.AUTH],
	[MessageType.FINDALLIF_REQ, ErrorCode.FINDALLIF],
	[MessageType.OPEN_REQ, ErrorCode.OPEN],
	[MessageType.UPDATEFILTER_REQ, ErrorCode.UPDATEFILTER],
	[MessageType.STATS_REQ, ErrorCode.GETSTATS],
	[MessageType.STARTCAP_REQ, ErrorCode.STARTCAPTURE],
	[MessageType.ENDCAP_REQ, ErrorCode.ENDCAPTURE],
	[MessageType.SETSAMPLING_REQ, ErrorCode.SETSAMPLING],
]);

/** Error code for a request type: AUTH 3, FINDALLIF 4, OPEN 6, UPDATEFILTER 7, STATS 8, STARTCAP 12, ENDCAP 13, SETSAMPLING 15, else 16. */
export function requestErrorCode(type: number): ErrorCode {
	return REQUEST_ERROR_CODES.get(type) ?? ErrorCode.WRONGMSG;
}

export interface RpcapHeader {
	/** `ver`: protocol version. */
	version: number;
	type: number;
	/** Error code in ERROR, interface count in FINDALLIF_REPLY, otherwise 0. */
	value: number;
	/** `plen`: payload bytes after the header. */
	payloadLength: number;
}

/** Reads a header at `offset`; the caller guarantees 8 bytes are present. */
export function readHeader(bytes: Uint8Array, offset = 0): RpcapHeader {
	return {
		version: bytes[offset]!,
		type: bytes[offset + 1]!,
		value: (bytes[offset + 2]! << 8) | bytes[offset + 3]!,
		payloadLength: readUint32BE(bytes, offset + 4),
	};
}

/** Writes a header into `target` at `offset` without allocating (hot path). */
export function writeHeader(
	target: Uint8Array,
	offset: number,
	version: number,
	type: number,
	value: number,
	payloadLength: number,
): void {
	target[offset] = version;
	target[offset + 1] = type;
	target[offset + 2] = value >>> 8;
	target[offset + 3] = value;
	target[offset + 4] = payloadLength >>> 24;
	target[offset + 5] = payloadLength >>> 16;
	target[offset + 6] = payloadLength >>> 8;
	target[offset + 7] = payloadLength;
}

/** The 8 header bytes on their own. */
export function encodeHeader(header: RpcapHeader): Uint8Array {
	const bytes = new Uint8Array(HEADER_SIZE);
	writeHeader(bytes, 0, header.version, header.type, header.value, header.payloadLength);
	return bytes;
}

/** A whole message (header + payload bytes) in one new buffer. */
export function encodeMessage(
	type: number,
	value: number,
	payload: Uint8Array,
	version = PROTOCOL_VERSION,
): Uint8Array {
	const bytes = new Uint8Array(HEADER_SIZE + payload.length);
	writeHeader(bytes, 0, version, type, value, payload.length);
	bytes.set(payload, HEADER_SIZE);
	return bytes;
}

/** A message without payload: FINDALLIF/STATS/ENDCAP requests, CLOSE, and the empty replies. */
export function encodeEmptyMessage(type: number, version = PROTOCOL_VERSION): Uint8Array {
	const bytes = new Uint8Array(HEADER_SIZE);
	writeHeader(bytes, 0, version, type, 0, 0);
	return bytes;
}

/** A zero-filled message with its header written; encoders fill the payload through `view` (offsets include the header). */
export function allocateMessage(
	type: number,
	value: number,
	payloadLength: number,
	version = PROTOCOL_VERSION,
): { bytes: Uint8Array; view: DataView } {
	const bytes = new Uint8Array(HEADER_SIZE + payloadLength);
	writeHeader(bytes, 0, version, type, value, payloadLength);
	return { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}
