// Numeric IPv4/IPv6 address parsing into bytes, IPv4-mapped normalisation and prefix comparison (pure).

export interface IpAddress {
	readonly family: 4 | 6;
	/** 4 bytes for IPv4, 16 for IPv6, network order. */
	readonly bytes: Uint8Array;
	/** IPv6 zone (`fe80::1%eth0` → `eth0`), if any. */
	readonly zone?: string;
}

const IPV4_OCTET = /^(0|[1-9][0-9]{0,2})$/;
const IPV6_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/** Dotted-quad IPv4, as inet_pton reads it (no leading zeros, no shorthand forms). */
export function parseIpv4(text: string): Uint8Array | undefined {
	const parts = text.split(".");
	if (parts.length !== 4) return undefined;
	const bytes = new Uint8Array(4);
	for (let index = 0; index < 4; index++) {
		const part = parts[index]!;
		if (!IPV4_OCTET.test(part)) return undefined;
		const value = Number(part);
		if (value > 255) return undefined;
		bytes[index] = value;
	}
	return bytes;
}

function parseIpv6Groups(
	text: string,
	bytes: Uint8Array,
	offset: number,
	maxGroups: number,
	allowEmbeddedIpv4: boolean,
): number {
	// Returns the number of 16-bit groups written (an embedded IPv4 counts as two), or -1.
	if (text === "") return 0;
	const parts = text.split(":");
	let written = 0;
	for (let index = 0; index < parts.length; index++) {
		const part = parts[index]!;
		if (allowEmbeddedIpv4 && index === parts.length - 1 && part.includes(".")) {
			const v4 = parseIpv4(part);
			if (!v4 || written + 2 > maxGroups) return -1;
			bytes.set(v4, offset + written * 2);
			written += 2;
			continue;
		}
		if (!IPV6_GROUP.test(part) || written + 1 > maxGroups) return -1;
		const value = Number.parseInt(part, 16);
		bytes[offset + written * 2] = value >> 8;
		bytes[offset + written * 2 + 1] = value & 0xff;
		written += 1;
	}
	return written;
}

/** IPv6 text form (RFC 4291 §2.2, with an optional `%zone`). */
export function parseIpv6(text: string): { bytes: Uint8Array; zone?: string } | undefined {
	let address = text;
	let zone: string | undefined;
	const percent = text.indexOf("%");
	if (percent >= 0) {
		zone = text.slice(percent + 1);
		address = text.slice(0, percent);
		if (zone === "" || /[\s%]/.test(zone)) return undefined;
	}
	if (!address.includes(":")) return undefined;
	const bytes = new Uint8Array(16);
	const gap = address.indexOf("::");
	if (gap < 0) {
		if (parseIpv6Groups(address, bytes, 0, 8, true) !== 8) return undefined;
	} else {
		if (address.indexOf("::", gap + 1) >= 0) return undefined;
		const head = address.slice(0, gap);
		const tail = address.slice(gap + 2);
		const headGroups = parseIpv6Groups(head, bytes, 0, 7, false);
		if (headGroups < 0) return undefined;
		const tailBytes = new Uint8Array(16);
		const tailGroups = parseIpv6Groups(tail, tailBytes, 0, 7 - headGroups, true);
		if (tailGroups < 0) return undefined;
		bytes.set(tailBytes.subarray(0, tailGroups * 2), 16 - tailGroups * 2);
	}
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
