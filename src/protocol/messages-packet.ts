// PACKET (type 7): header + 20-byte rpcap_pkthdr + packet bytes, with the true 32-bit plen (§11.3).

import { MalformedMessageError, payloadView } from "./errors.ts";
import {
	ErrorCode,
	MessageType,
	PACKET_HEADER_SIZE,
	PACKET_MESSAGE_OVERHEAD,
	PROTOCOL_VERSION,
} from "./header.ts";

export interface CapturedPacket {
	/** Seconds; written modulo 2^32. */
	timestampSec: number;
	/** Microseconds (< 10^6). */
	timestampUsec: number;
	/** Original wire length. */
	length: number;
	/** 1-based count of packets emitted in this capture. */
	npkt: number;
	/** The captured bytes; `caplen` is data.length. */
	data: Uint8Array;
}

/**
 * Writes the 28 bytes in front of a packet's data (common header + rpcap_pkthdr) into a caller-owned
 * buffer, without allocating: the per-packet path. `plen` is 20 + caplen, never truncated (§19 #1).
 */
export function writePacketHeader(
	view: DataView,
	offset: number,
	caplen: number,
	length: number,
	timestampSec: number,
	timestampUsec: number,
	npkt: number,
	version = PROTOCOL_VERSION,
): void {
	view.setUint8(offset, version);
	view.setUint8(offset + 1, MessageType.PACKET);
	view.setUint16(offset + 2, 0);
	view.setUint32(offset + 4, PACKET_HEADER_SIZE + caplen);
	view.setUint32(offset + 8, timestampSec);
	view.setUint32(offset + 12, timestampUsec);
	view.setUint32(offset + 16, caplen);
	view.setUint32(offset + 20, length);
	view.setUint32(offset + 24, npkt);
}

/** A complete PACKET message in a new buffer. */
export function encodePacket(packet: CapturedPacket, version = PROTOCOL_VERSION): Uint8Array {
	const bytes = new Uint8Array(PACKET_MESSAGE_OVERHEAD + packet.data.length);
	const view = new DataView(bytes.buffer);
	writePacketHeader(
		view,
		0,
		packet.data.length,
		packet.length,
		packet.timestampSec,
		packet.timestampUsec,
		packet.npkt,
		version,
	);
	bytes.set(packet.data, PACKET_MESSAGE_OVERHEAD);
	return bytes;
}

/**
 * Decodes a PACKET payload; `data` is a view into `payload`. Throws MalformedMessageError (code 16) when the
 * payload is shorter than 20 bytes or `caplen` exceeds plen − 20 (the check libpcap gets wrong,
 * CVE-2026-18238). Bytes after `caplen` are ignored.
 */
export function decodePacket(payload: Uint8Array): CapturedPacket {
	const view = payloadView(payload, PACKET_HEADER_SIZE, ErrorCode.WRONGMSG);
	const caplen = view.getUint32(8);
	if (caplen > payload.length - PACKET_HEADER_SIZE) {
		throw new MalformedMessageError(
			ErrorCode.WRONGMSG,
			`Packet caplen ${caplen} exceeds the ${payload.length - PACKET_HEADER_SIZE} bytes in the message`,
		);
	}
	return {
		timestampSec: view.getUint32(0),
		timestampUsec: view.getUint32(4),
		length: view.getUint32(12),
		npkt: view.getUint32(16),
		data: payload.subarray(PACKET_HEADER_SIZE, PACKET_HEADER_SIZE + caplen),
	};
}
