// Capture control: STARTCAP request/reply, UPDATEFILTER, STATS_REPLY and SETSAMPLING (§7–§10).

import {
	decodeFilter,
	type FilterDecodeResult,
	filterEncodedLength,
	tryDecodeFilter,
	writeFilter,
} from "./bpf.ts";
import type { BpfProgram } from "./bpf-program.ts";
import { MalformedMessageError, payloadView } from "./errors.ts";
import { allocateMessage, ErrorCode, MessageType, PROTOCOL_VERSION } from "./header.ts";

const STARTCAP_FIXED_SIZE = 12;
const STARTCAP_REPLY_SIZE = 8;
const STATS_REPLY_SIZE = 16;
const SAMPLING_SIZE = 8;
/** Smallest STARTCAP payload that parses: rpcap_startcapreq plus the filter header (§7.8 step 1). */
export const STARTCAP_MIN_PAYLOAD = STARTCAP_FIXED_SIZE + 8;

/** rpcap_startcapreq.flags (§7.2). Unknown bits are kept in `flags` and ignored. */
export const StartcapFlag = {
	PROMISC: 0x01,
	DGRAM: 0x02,
	SERVEROPEN: 0x04,
	INBOUND: 0x08,
	OUTBOUND: 0x10,
} as const;

export interface StartcapParameters {
	snaplen: number;
	/** Milliseconds (the client sends half its timeout). */
	readTimeout: number;
	flags: number;
	/** The client's data port (server-opens and UDP modes), else 0. */
	portData: number;
}

export interface StartcapRequest extends StartcapParameters {
	program: BpfProgram;
}

/**
 * A decoded STARTCAP. The filter outcome is data, not an exception, because §7.8 reports filter errors only
 * after the "already running", "no device" and TLS checks.
 */
export interface DecodedStartcapRequest extends StartcapParameters {
	filter: FilterDecodeResult;
}

export function encodeStartcapRequest(request: StartcapRequest, version = PROTOCOL_VERSION): Uint8Array {
	const payloadLength = STARTCAP_FIXED_SIZE + filterEncodedLength(request.program);
	const { bytes, view } = allocateMessage(MessageType.STARTCAP_REQ, 0, payloadLength, version);
	view.setUint32(8, request.snaplen >>> 0);
	view.setUint32(12, request.readTimeout >>> 0);
	view.setUint16(16, request.flags);
	view.setUint16(18, request.portData);
	writeFilter(view, 8 + STARTCAP_FIXED_SIZE, request.program);
	return bytes;
}

/**
 * Decodes a STARTCAP payload (28 bytes for the tolerated §7.7 shape, which the framer has already extended).
 * Throws MalformedMessageError code 12 "Message payload is too short" only when the 12-byte request or the
 * 8-byte filter header is missing; every filter problem lands in `filter`.
 */
export function decodeStartcapRequest(payload: Uint8Array): DecodedStartcapRequest {
	const view = payloadView(payload, STARTCAP_MIN_PAYLOAD, ErrorCode.STARTCAPTURE);
	return {
		snaplen: view.getUint32(0),
		readTimeout: view.getUint32(4),
		flags: view.getUint16(8),
		portData: view.getUint16(10),
		filter: tryDecodeFilter(payload.subarray(STARTCAP_FIXED_SIZE), ErrorCode.STARTCAPTURE),
	};
}

export interface StartcapReply {
	/** int32: the capture buffer size; UDP receivers size SO_RCVBUF from it. */
	bufferSize: number;
	/** The daemon's data port in client-opens mode, else 0. */
	portData: number;
}

export function encodeStartcapReply(reply: StartcapReply, version = PROTOCOL_VERSION): Uint8Array {
	const { bytes, view } = allocateMessage(MessageType.STARTCAP_REPLY, 0, STARTCAP_REPLY_SIZE, version);
	view.setInt32(8, reply.bufferSize);
	view.setUint16(12, reply.portData);
	return bytes;
}

/** Needs ≥ 8 bytes (extra ignored), as libpcap's client (§18.1). */
export function decodeStartcapReply(payload: Uint8Array): StartcapReply {
	const view = payloadView(payload, STARTCAP_REPLY_SIZE, ErrorCode.STARTCAPTURE);
	return { bufferSize: view.getInt32(0), portData: view.getUint16(4) };
}

export function encodeUpdateFilterRequest(program: BpfProgram, version = PROTOCOL_VERSION): Uint8Array {
	const { bytes, view } = allocateMessage(
		MessageType.UPDATEFILTER_REQ,
		0,
		filterEncodedLength(program),
		version,
	);
	writeFilter(view, 8, program);
	return bytes;
}

/** Decodes and validates an UPDATEFILTER payload; throws MalformedMessageError code 7 with the §8.2 texts. */
export function decodeUpdateFilterRequest(payload: Uint8Array): BpfProgram {
	return decodeFilter(payload, ErrorCode.UPDATEFILTER);
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
	const view = payloadView(payload, STATS_REPLY_SIZE, ErrorCode.GETSTATS);
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
	const view = payloadView(payload, SAMPLING_SIZE, ErrorCode.SETSAMPLING);
	const method = view.getUint8(0);
	if (method > SamplingMethod.FIRST_AFTER_N_MS) {
		throw new MalformedMessageError(ErrorCode.SETSAMPLING, `Unknown sampling method ${method}`);
	}
	return { method, value: view.getUint32(4) };
}
