// Walks the pcap_if_t list returned by pcap_findalldevs into plain objects, decoding every address family we know.

// Address text is pure formatting shared with the protocol codec (RFC 5952 for IPv6).
import { formatIpv4, formatIpv6 } from "../src/protocol/ip-address.ts";
import type { MemoryReader } from "./memory.ts";
import type { SockaddrLayout, StructLayouts } from "./structs.ts";

export type SockAddr =
	| { readonly family: "inet"; readonly address: string }
	| { readonly family: "inet6"; readonly address: string; readonly scopeId: number }
	| { readonly family: "link"; readonly address: string; readonly hardwareType: number };

export interface DeviceAddress {
	readonly addr: SockAddr;
	readonly netmask: SockAddr | null;
	readonly broadaddr: SockAddr | null;
	readonly dstaddr: SockAddr | null;
}

export interface Device {
	readonly name: string;
	readonly description: string | null;
	/** PCAP_IF_* flags passed through unchanged. */
	readonly flags: number;
	readonly addresses: readonly DeviceAddress[];
}

export const PCAP_IF = {
	LOOPBACK: 0x1,
	UP: 0x2,
	RUNNING: 0x4,
	WIRELESS: 0x8,
	CONNECTION_STATUS: 0x30,
	CONNECTED: 0x10,
	DISCONNECTED: 0x20,
	NOT_APPLICABLE: 0x30,
} as const;

function macAddress(bytes: Uint8Array): string {
	return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(":");
}

function familyOf(memory: MemoryReader, address: number, layout: SockaddrLayout): number {
	return layout.familyField === "u16" ? memory.u16(address) : memory.u8(address + 1);
}

/** Decodes one sockaddr; unknown families (and NULL) give null. */
export function decodeSockaddr(
	memory: MemoryReader,
	address: number,
	layout: SockaddrLayout,
): SockAddr | null {
	if (address === 0) return null;
	const family = familyOf(memory, address, layout);
	if (family === layout.afInet) return { family: "inet", address: formatIpv4(memory.bytes(address + 4, 4)) };
	if (family === layout.afInet6) {
		// sockaddr_in6 keeps sin6_scope_id in host order at offset 24 on every platform we support.
		return {
			family: "inet6",
			address: formatIpv6(memory.bytes(address + 8, 16)),
			scopeId: memory.u32(address + 24),
		};
	}
	if (layout.afLink !== null && family === layout.afLink) return decodeLinkAddress(memory, address, layout);
	return null;
}

function decodeLinkAddress(memory: MemoryReader, address: number, layout: SockaddrLayout): SockAddr | null {
	if (layout.linkKind === "sockaddr_ll") {
		// struct sockaddr_ll { u16 family; u16 protocol; i32 ifindex; u16 hatype; u8 pkttype; u8 halen; u8 addr[8]; }
		const hardwareType = memory.u16(address + 8);
		const length = Math.min(memory.u8(address + 11), 8);
		if (length === 0) return null;
		return { family: "link", address: macAddress(memory.bytes(address + 12, length)), hardwareType };
	}
	if (layout.linkKind === "sockaddr_dl") {
		// struct sockaddr_dl { u8 len; u8 family; u16 index; u8 type; u8 nlen; u8 alen; u8 slen; char data[]; }
		const hardwareType = memory.u8(address + 4);
		const nameLength = memory.u8(address + 5);
		const length = memory.u8(address + 6);
		if (length === 0) return null;
		return {
			family: "link",
			address: macAddress(memory.bytes(address + 8 + nameLength, length)),
			hardwareType,
		};
	}
	return null;
}

/** Converts the whole linked list, keeping the order pcap_findalldevs gave. */
export function readDeviceList(memory: MemoryReader, head: number, layouts: StructLayouts): Device[] {
	const devices: Device[] = [];
	const f = layouts.pcapIf;
	for (let node = head; node !== 0; node = memory.pointer(node + f.next)) {
		const descriptionPointer = memory.pointer(node + f.description);
		devices.push({
			name: memory.cstring(memory.pointer(node + f.name)),
			description: descriptionPointer === 0 ? null : memory.cstring(descriptionPointer),
			flags: memory.u32(node + f.flags),
			addresses: readAddresses(memory, memory.pointer(node + f.addresses), layouts),
		});
	}
	return devices;
}

function readAddresses(memory: MemoryReader, head: number, layouts: StructLayouts): DeviceAddress[] {
	const out: DeviceAddress[] = [];
	const a = layouts.pcapAddr;
	const s = layouts.sockaddr;
	for (let node = head; node !== 0; node = memory.pointer(node + a.next)) {
		const addr = decodeSockaddr(memory, memory.pointer(node + a.addr), s);
		if (addr === null) continue;
		out.push({
			addr,
			netmask: decodeSockaddr(memory, memory.pointer(node + a.netmask), s),
			broadaddr: decodeSockaddr(memory, memory.pointer(node + a.broadaddr), s),
			dstaddr: decodeSockaddr(memory, memory.pointer(node + a.dstaddr), s),
		});
	}
	return out;
}
