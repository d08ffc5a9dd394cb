// OPEN request/reply, STATS reply and SETSAMPLING request (§6, §9, §10).

import { MalformedMessageError, PAYLOAD_TOO_SHORT } from "./errors.ts";
import {
	allocateMessage,
	ErrorCode,
	encodeMessage,
	MAX_SOURCE_NAME_BYTES,
	MessageType,
	PROTOCOL_VERSION,
} from "./header.ts";
import { utf8Decode, utf8Encode } from "./text.ts";

const OPEN_REPLY_SIZE = 8;
const STATS_REPLY_SIZE = 16;
const SAMPLING_SIZE = 8;

export function encodeOpenRequest(source: string | Uint8Array, version = PROTOCOL_VERSION): Uint8Array {
	return encodeMessage(
		MessageType.OPEN_REQ,
		0,
		typeof source === "string" ? utf8Encode(source) : source,
		version,
	);
}

/**
 * Decodes an OPEN payload and applies the byte-level checks of §6.4 (steps 1–4), each a MalformedMessageError
 * with code 6: empty, longer than 1024 bytes, containing NUL, containing "://". Policy checks (preselection,
 * device list, trial open) are the daemon's.
 */
export function decodeOpenRequest(payload: Uint8Array): string {
	const fail = (text: string) => new MalformedMessageError(ErrorCode.OPEN, text);
	if (payload.length === 0) throw fail("The source string must not be empty.");
	if (payload.length > MAX_SOURCE_NAME_BYTES) throw fail("Source string too long");
	if (payload.indexOf(0) >= 0) throw fail("Source string contains a NUL byte");
	const source = utf8Decode(payload);
	if (source.includes("://")) throw fail("Source string refers to a remote device");
	return source;
}

export interface OpenReply {
	/** DLT_ value of the opened device (int32). */
	linktype: number;
	/** Always 0 from ours (int32). */
	tzoff: number;
}

export function encodeOpenReply(reply: OpenReply, version = PROTOCOL_VERSION): Uint8Array {
	const { bytes, view } = allocateMessage(MessageType.OPEN_REPLY, 0, OPEN_REPLY_SIZE, version);
	view.setInt32(8, reply.linktype);
	view.setInt32(12, reply.tzoff);
	return bytes;
}

/** Needs ≥ 8 bytes (extra ignored), as libpcap's client (§18.1). */
export function decodeOpenReply(payload: Uint8Array): OpenReply {
	if (payload.length < OPEN_REPLY_SIZE) throw new MalformedMessageError(ErrorCode.OPEN, PAYLOAD_TOO_SHORT);
	const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
	return { linktype: view.getInt32(0), tzoff: view.getInt32(4) };
}

/** rpcap_stats (§10); every counter is a u32 and wraps modulo 2^32 when encoded. */
export interface StatsReply {
	ifRecv: number;
	ifDrop: number;
	krnlDrop: number;
	svrCapt: number;
}

export function encodeStatsReply(stats: StatsReply, version = PROTOCOL_VERSION): Uint8Array {
	const { bytes, view } = allocateMessage(MessageType.STATS_REPLY, 0, STATS_REPLY_SIZE, version);
	view.setUint32(8, stats.ifRecv >>> 0);
	view.setUint32(12, stats.ifDrop >>> 0);
	view.setUint32(16, stats.krnlDrop >>> 0);
	view.setUint32(20, stats.svrCapt >>> 0);
	return bytes;
}

/** Needs ≥ 16 bytes (extra ignored), as libpcap's client (§18.1). */
export function decodeStatsReply(payload: Uint8Array): StatsReply {
	if (payload.length < STATS_REPLY_SIZE)
		throw new MalformedMessageError(ErrorCode.GETSTATS, PAYLOAD_TOO_SHORT);
	const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
	return {
		ifRecv: view.getUint32(0),
		ifDrop: view.getUint32(4),
		krnlDrop: view.getUint32(8),
		svrCapt: view.getUint32(12),
	};
}

/** rpcap_sampling.method (§9). */
export const SamplingMethod = { NONE: 0, ONE_EVERY_N: 1, FIRST_AFTER_N_MS: 2 } as const;

export interface SamplingRequest {
	method: number;
	/** N packets or N milliseconds; always 0 from little-endian libpcap clients (§9). */
	value: number;
}

export function encodeSetSamplingRequest(request: SamplingRequest, version = PROTOCOL_VERSION): Uint8Array {
	const { bytes, view } = allocateMessage(MessageType.SETSAMPLING_REQ, 0, SAMPLING_SIZE, version);
	view.setUint8(8, request.method);
	view.setUint32(12, request.value >>> 0);
	return bytes;
}

/** Throws MalformedMessageError code 15: "Message payload is too short" (< 8 bytes), "Unknown sampling method N" (> 2). */
export function decodeSetSamplingRequest(payload: Uint8Array): SamplingRequest {
	if (payload.length < SAMPLING_SIZE)
		throw new MalformedMessageError(ErrorCode.SETSAMPLING, PAYLOAD_TOO_SHORT);
	const method = payload[0]!;
	if (method > SamplingMethod.FIRST_AFTER_N_MS) {
		throw new MalformedMessageError(ErrorCode.SETSAMPLING, `Unknown sampling method ${method}`);
	}
	const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
	return { method, value: view.getUint32(4) };
}
