// The direction-independent key of a TCP segment's 5-tuple, and the printable form of its endpoints.

import { readUint32BE } from "../protocol/big-endian.ts";
import { formatIpv4, formatIpv6 } from "../protocol/ip-address.ts";
import type { TcpSegment } from "./tcp-segment.ts";

export interface Endpoint {
	/** Dotted IPv4 or RFC 5952 IPv6 text. */
	address: string;
	port: number;
}

/** Which side of the key a segment was sent from, filled by flowKey (reused to avoid allocation). */
export interface KeyOrientation {
	/** True when the segment's source is the key's first endpoint. */
	fromFirst: boolean;
}

/** Canonical key: the lower (address, port) first, so both directions of a connection share it. */
export function flowKey(segment: TcpSegment, orientation: KeyOrientation): string {
	const { frame, srcAddressOffset: src, dstAddressOffset: dst, srcPort, dstPort } = segment;
	const size = segment.family === 4 ? 4 : 16;
	let order = compareBytes(frame, src, dst, size);
	if (order === 0) order = srcPort - dstPort;
	orientation.fromFirst = order <= 0;
	return orientation.fromFirst
		? `${addressKey(frame, src, size)}/${srcPort}/${addressKey(frame, dst, size)}/${dstPort}`
		: `${addressKey(frame, dst, size)}/${dstPort}/${addressKey(frame, src, size)}/${srcPort}`;
}

function compareBytes(bytes: Uint8Array, a: number, b: number, size: number): number {
	for (let i = 0; i < size; i++) {
		const diff = bytes[a + i]! - bytes[b + i]!;
		if (diff !== 0) return diff;
	}
	return 0;
}

function addressKey(bytes: Uint8Array, at: number, size: number): string {
	let key = `${readUint32BE(bytes, at)}`;
	for (let i = 4; i < size; i += 4) key += `.${readUint32BE(bytes, at + i)}`;
	return size === 4 ? key : `6.${key}`;
}

export function sourceEndpoint(segment: TcpSegment): Endpoint {
	return {
		address: addressText(segment.frame, segment.srcAddressOffset, segment.family),
		port: segment.srcPort,
	};
}

export function destinationEndpoint(segment: TcpSegment): Endpoint {
	return {
		address: addressText(segment.frame, segment.dstAddressOffset, segment.family),
		port: segment.dstPort,
	};
}

export function addressText(bytes: Uint8Array, at: number, family: number): string {
	return family === 4 ? formatIpv4(bytes, at) : formatIpv6(bytes, at);
}

/** Endpoint text as tools print it: "1.2.3.4:80" or "[::1]:80". */
export function endpointText(endpoint: Endpoint): string {
	return endpoint.address.includes(":")
		? `[${endpoint.address}]:${endpoint.port}`
		: `${endpoint.address}:${endpoint.port}`;
}
