// Per-platform C struct layouts of libpcap/Npcap (pcap_if_t, pcap_addr, sockaddr families, pcap_pkthdr, bpf_program, pcap_stat).

import type { Platform } from "./library-path.ts";

export interface StructLayouts {
	readonly pointerSize: 8;
	/** struct pcap_if { next, name, description, addresses, flags } */
	readonly pcapIf: { next: number; name: number; description: number; addresses: number; flags: number };
	/** struct pcap_addr { next, addr, netmask, broadaddr, dstaddr } */
	readonly pcapAddr: { next: number; addr: number; netmask: number; broadaddr: number; dstaddr: number };
	/** struct pcap_pkthdr: the timeval halves differ (Windows long is 32-bit, macOS tv_usec is int). */
	readonly pkthdr: {
		size: number;
		tvSec: number;
		tvSecSize: 4 | 8;
		tvUsec: number;
		caplen: number;
		len: number;
	};
	/** struct bpf_program { u_int bf_len; struct bpf_insn *bf_insns; } */
	readonly bpfProgram: { size: number; len: number; insns: number };
	readonly pcapStat: { size: number; recv: number; drop: number; ifdrop: number };
	readonly sockaddr: SockaddrLayout;
}

export interface SockaddrLayout {
	/** BSD sockaddrs start with sa_len (u8) then a u8 family; others with a u16 family in host order. */
	readonly familyField: "u16" | "u8-after-len";
	readonly afInet: number;
	readonly afInet6: number;
	/** AF_PACKET on Linux, AF_LINK on macOS; Npcap reports no link-layer addresses. */
	readonly afLink: number | null;
	readonly linkKind: "sockaddr_ll" | "sockaddr_dl" | null;
}

// The same on every 64-bit target; only pcap_pkthdr (struct timeval) and sockaddr differ.
const shared = {
	pointerSize: 8,
	pcapIf: { next: 0, name: 8, description: 16, addresses: 24, flags: 32 },
	pcapAddr: { next: 0, addr: 8, netmask: 16, broadaddr: 24, dstaddr: 32 },
	bpfProgram: { size: 16, len: 0, insns: 8 },
	pcapStat: { size: 12, recv: 0, drop: 4, ifdrop: 8 },
} as const;

/** LP64: struct timeval takes 16 bytes (64-bit tv_sec; tv_usec 64-bit on Linux, 32-bit plus padding on macOS). */
const lp64Pkthdr = { size: 24, tvSec: 0, tvSecSize: 8, tvUsec: 8, caplen: 16, len: 20 } as const;

const LINUX: StructLayouts = {
	...shared,
	pkthdr: lp64Pkthdr,
	sockaddr: { familyField: "u16", afInet: 2, afInet6: 10, afLink: 17, linkKind: "sockaddr_ll" },
};

/** Windows keeps struct timeval's fields 32-bit (LLP64). */
const WINDOWS: StructLayouts = {
	...shared,
	pkthdr: { size: 16, tvSec: 0, tvSecSize: 4, tvUsec: 4, caplen: 8, len: 12 },
	sockaddr: { familyField: "u16", afInet: 2, afInet6: 23, afLink: null, linkKind: null },
};

const DARWIN: StructLayouts = {
	...shared,
	pkthdr: lp64Pkthdr,
	sockaddr: { familyField: "u8-after-len", afInet: 2, afInet6: 30, afLink: 18, linkKind: "sockaddr_dl" },
};

/** Layouts for 64-bit targets (x64 and arm64); 32-bit hosts are not supported. */
export function layoutsFor(platform: Platform): StructLayouts {
	if (platform === "win32") return WINDOWS;
	if (platform === "darwin") return DARWIN;
	return LINUX;
}
