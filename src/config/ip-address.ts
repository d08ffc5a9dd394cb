// Numeric IPv4/IPv6 address parsing into bytes, IPv4-mapped normalisation and prefix comparison (pure).

import { parseIpv4 as parseIpv4Bytes, parseIpv6 as parseIpv6Bytes } from "../protocol/ip-address.ts";

export interface IpAddress {
	readonly family: 4 | 6;
	/** 4 bytes for IPv4, 16 for IPv6, network order. */
	readonly bytes: Uint8Array;
	/** IPv6 zone (`fe80::1%eth0` → `eth0`), if any. */
	readonly zone?: string;
}

/** Dotted-quad IPv4, as inet_pton reads it (no leading zeros, no shorthand forms). */
export function parseIpv4(text: string): Uint8Array | undefined {
	return parseIpv4Bytes(text) ?? undefined;
}

/** IPv6 text form (RFC 4291 §2.2, with an optional `%zone`); the bytes come from the protocol's parser. */
export function parseIpv6(text: string): { bytes: Uint8Array; zone?: string } | undefined {
	const percent = text.indexOf("%");
	const zone = percent >= 0 ? text.slice(percent + 1) : undefined;
	if (zone !== undefined && (zone === "" || /[\s%]/.test(zone))) return undefined;
	const address = percent >= 0 ? text.slice(0, percent) : text;
	if (!address.includes(":")) return undefined;
	const bytes = parseIpv6Bytes(address);
	if (bytes === null) return undefined;
	return zone === undefined ? { bytes } : { bytes, zone };
}

/** A numeric IPv4 or IPv6 address (IPv6 with an optional zone), or undefined. */
export function parseIpAddress(text: string): IpAddress | undefined {
	const v4 = parseIpv4(text);
	if (v4) return { family: 4, bytes: v4 };
	const v6 = parseIpv6(text);
	if (v6) return { family: 6, ...v6 };
	return undefined;
}

/** `::ffff:a.b.c.d` becomes the IPv4 address a.b.c.d (bad-inputs.md L4); anything else is returned unchanged. */
export function unmapIpv4(address: IpAddress): IpAddress {
	if (address.family !== 6) return address;
	const bytes = address.bytes;
	for (let index = 0; index < 10; index++) if (bytes[index] !== 0) return address;
	if (bytes[10] !== 0xff || bytes[11] !== 0xff) return address;
	return { family: 4, bytes: bytes.slice(12, 16) };
}

/** Same family and equal bits under a `prefix`-bit mask (prefix 0 matches any address of the family). */
export function prefixMatches(address: IpAddress, network: IpAddress, prefix: number): boolean {
	if (address.family !== network.family) return false;
	const fullBytes = prefix >> 3;
	for (let index = 0; index < fullBytes; index++) {
		if (address.bytes[index] !== network.bytes[index]) return false;
	}
	const remainingBits = prefix & 7;
	if (remainingBits === 0) return true;
	const mask = (0xff << (8 - remainingBits)) & 0xff;
	return ((address.bytes[fullBytes]! ^ network.bytes[fullBytes]!) & mask) === 0;
}

/** Equal family and bytes; zones are ignored. */
export function sameAddress(left: IpAddress, right: IpAddress): boolean {
	return prefixMatches(left, right, left.family === 4 ? 32 : 128);
}

export function maxPrefix(family: 4 | 6): number {
	return family === 4 ? 32 : 128;
}
