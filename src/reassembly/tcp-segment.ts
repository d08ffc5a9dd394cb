// Decodes one captured frame down to its TCP segment (IPv4/IPv6 with extension headers) into reusable slots.

import { readUint32BE } from "../protocol/big-endian.ts";
import { ETHERTYPE_IPV4, findNetworkLayer, type NetworkLayer } from "./link-layer.ts";

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_ACK = 0x10;

const IPPROTO_TCP = 6;
const IPV6_HOP_BY_HOP = 0;
const IPV6_ROUTING = 43;
const IPV6_FRAGMENT = 44;
const IPV6_AUTH = 51;
const IPV6_DEST_OPTIONS = 60;
const MAX_IPV6_EXTENSIONS = 8;

/** Why a frame yielded no TCP segment. */
export type FrameOutcome = "tcp" | "not-ip" | "not-tcp" | "fragment" | "malformed";

/** One decoded segment. Offsets index `frame`; the object is overwritten by the next decode. */
export interface TcpSegment {
	frame: Uint8Array;
	/** 4 or 6. */
	family: number;
	srcAddressOffset: number;
	dstAddressOffset: number;
	srcPort: number;
	dstPort: number;
	seq: number;
	ack: number;
	flags: number;
	payloadOffset: number;
	/** Payload bytes present in the frame. */
	payloadLength: number;
	/** Payload bytes the IP header announces (more than payloadLength when the capture cut the frame). */
	wirePayloadLength: number;
}

export function newTcpSegment(): TcpSegment {
	return {
		frame: new Uint8Array(0),
		family: 4,
		srcAddressOffset: 0,
		dstAddressOffset: 0,
		srcPort: 0,
		dstPort: 0,
		seq: 0,
		ack: 0,
		flags: 0,
		payloadOffset: 0,
		payloadLength: 0,
		wirePayloadLength: 0,
	};
}

const network: NetworkLayer = { offset: 0, etherType: 0 };

export function decodeTcpSegment(linktype: number, frame: Uint8Array, out: TcpSegment): FrameOutcome {
	if (!findNetworkLayer(linktype, frame, network)) return "not-ip";
	out.frame = frame;
	return network.etherType === ETHERTYPE_IPV4
		? ipv4(frame, network.offset, out)
		: ipv6(frame, network.offset, out);
}

function ipv4(frame: Uint8Array, at: number, out: TcpSegment): FrameOutcome {
	if (frame.length < at + 20 || frame[at]! >> 4 !== 4) return "malformed";
	const headerLength = (frame[at]! & 0x0f) * 4;
	const totalLength = (frame[at + 2]! << 8) | frame[at + 3]!;
	if (headerLength < 20 || totalLength < headerLength) return "malformed";
	if (frame[at + 9] !== IPPROTO_TCP) return "not-tcp";
	const fragment = ((frame[at + 6]! << 8) | frame[at + 7]!) & 0x3fff; // MF flag and offset
	if (fragment !== 0) return "fragment";
	out.family = 4;
	out.srcAddressOffset = at + 12;
	out.dstAddressOffset = at + 16;
	// TSO captures on Linux report total length 0: fall back to what was captured.
	const end = totalLength === 0 ? frame.length : at + totalLength;
	return tcp(frame, at + headerLength, end, out);
}

function ipv6(frame: Uint8Array, at: number, out: TcpSegment): FrameOutcome {
	if (frame.length < at + 40 || frame[at]! >> 4 !== 6) return "malformed";
	const payloadLength = (frame[at + 4]! << 8) | frame[at + 5]!;
	let next = frame[at + 6]!;
	let header = at + 40;
	for (let i = 0; i < MAX_IPV6_EXTENSIONS && next !== IPPROTO_TCP; i++) {
		if (frame.length < header + 8) return next === IPV6_FRAGMENT ? "fragment" : "malformed";
		if (next === IPV6_HOP_BY_HOP || next === IPV6_ROUTING || next === IPV6_DEST_OPTIONS) {
			next = frame[header]!;
			header += (frame[header + 1]! + 1) * 8;
		} else if (next === IPV6_AUTH) {
			next = frame[header]!;
			header += (frame[header + 1]! + 2) * 4;
		} else if (next === IPV6_FRAGMENT) {
			return "fragment";
		} else {
			return "not-tcp";
		}
	}
	if (next !== IPPROTO_TCP) return "not-tcp";
	out.family = 6;
	out.srcAddressOffset = at + 8;
	out.dstAddressOffset = at + 24;
	// Payload length 0 is a jumbogram or a TSO capture: use what was captured.
	const end = payloadLength === 0 ? frame.length : at + 40 + payloadLength;
	return tcp(frame, header, end, out);
}

function tcp(frame: Uint8Array, at: number, ipEnd: number, out: TcpSegment): FrameOutcome {
	if (frame.length < at + 20 || ipEnd < at + 20) return "malformed";
	const headerLength = (frame[at + 12]! >> 4) * 4;
	if (headerLength < 20 || ipEnd < at + headerLength) return "malformed";
	out.srcPort = (frame[at]! << 8) | frame[at + 1]!;
	out.dstPort = (frame[at + 2]! << 8) | frame[at + 3]!;
	out.seq = readUint32BE(frame, at + 4);
	out.ack = readUint32BE(frame, at + 8);
	out.flags = frame[at + 13]!;
	out.payloadOffset = at + headerLength;
	out.wirePayloadLength = ipEnd - out.payloadOffset;
	// Ethernet pads short frames: the IP length, not the frame length, says where the payload ends.
	out.payloadLength = Math.max(0, Math.min(ipEnd, frame.length) - out.payloadOffset);
	return "tcp";
}
