// rpcap_sockaddr (128 bytes): portable IPv4 (family 2) / IPv6 (family 23) address records (§5.2).

import { RpcapError } from "./errors.ts";
import { ErrorCode } from "./header.ts";
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from "./ip-address.ts";

export const SOCKADDR_SIZE = 128;
/** Family values our daemon writes: 2 for IPv4, the Windows AF_INET6 value 23 for IPv6 (§5.4). */
export const RPCAP_AF_INET = 2;
export const RPCAP_AF_INET6 = 23;

// §5.2: the families libpcap's rpcap_deseraddr() accepts.
const IPV4_FAMILIES: ReadonlySet<number> = new Set([2, 0x1002, 0x1000]);
const IPV6_FAMILIES: ReadonlySet<number> = new Set([23, 0x1c18, 0x1c1c, 0x1c1e, 0x1c00, 10, 22, 24, 26]);

/** An interface address. `address` is textual ("10.0.0.1", "fe80::1"); IPv6 carries its scope id separately. */
export type RpcapSockaddr =
	| { family: "ipv4"; address: string }
	| { family: "ipv6"; address: string; scopeId: number };

/**
 * Writes one 128-byte record at `offset` (the target must be zero there). null writes nothing: an absent
 * netmask/broadaddr/dstaddr is all zeros. Port and flowinfo are always 0 (§5.2 double-swap quirk).
 */
export function writeSockaddr(view: DataView, offset: number, address: RpcapSockaddr | null): void {
	if (address === null) return;
	if (address.family === "ipv4") {
		const bytes = parseIpv4(address.address);
		if (bytes === null)
			throw new RpcapError(ErrorCode.FINDALLIF, `Invalid IPv4 address "${address.address}"`);
		view.setUint16(offset, RPCAP_AF_INET);
		for (let i = 0; i < 4; i++) view.setUint8(offset + 4 + i, bytes[i]!);
		return;
	}
	const bytes = parseIpv6(address.address);
	if (bytes === null) throw new RpcapError(ErrorCode.FINDALLIF, `Invalid IPv6 address "${address.address}"`);
	view.setUint16(offset, RPCAP_AF_INET6);
	for (let i = 0; i < 16; i++) view.setUint8(offset + 8 + i, bytes[i]!);
	view.setUint32(offset + 24, address.scopeId >>> 0);
}

/** The 128-byte record on its own. */
export function encodeSockaddr(address: RpcapSockaddr | null): Uint8Array {
	const bytes = new Uint8Array(SOCKADDR_SIZE);
	writeSockaddr(new DataView(bytes.buffer), 0, address);
	return bytes;
}

/**
 * Reads a record at `offset` (128 bytes must be present). Every family the libpcap client accepts is decoded;
 * family 0 and any other family give null, as in the client.
 */
export function readSockaddr(view: DataView, offset: number): RpcapSockaddr | null {
	const family = view.getUint16(offset);
	const bytes = new Uint8Array(view.buffer, view.byteOffset + offset, SOCKADDR_SIZE);
	if (IPV4_FAMILIES.has(family)) return { family: "ipv4", address: formatIpv4(bytes, 4) };
	if (IPV6_FAMILIES.has(family)) {
		return { family: "ipv6", address: formatIpv6(bytes, 8), scopeId: view.getUint32(offset + 24) };
	}
	return null;
}
