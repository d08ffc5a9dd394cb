// dlopen of libpcap/Npcap and its symbol table; the only place that knows libpcap's C signatures.

import { dlopen, FFIType } from "bun:ffi";
import { libpcapCandidates, openFirst, type Platform } from "./library-path.ts";

const { ptr, i32, u32, cstring, void: none } = FFIType;

const requiredSymbols = {
	pcap_lib_version: { returns: cstring, args: [] },
	pcap_findalldevs: { returns: i32, args: [ptr, ptr] },
	pcap_freealldevs: { returns: none, args: [ptr] },
	pcap_create: { returns: ptr, args: [ptr, ptr] },
	pcap_set_snaplen: { returns: i32, args: [ptr, i32] },
	pcap_set_promisc: { returns: i32, args: [ptr, i32] },
	pcap_set_timeout: { returns: i32, args: [ptr, i32] },
	pcap_set_buffer_size: { returns: i32, args: [ptr, i32] },
	pcap_set_immediate_mode: { returns: i32, args: [ptr, i32] },
	pcap_activate: { returns: i32, args: [ptr] },
	pcap_datalink: { returns: i32, args: [ptr] },
	pcap_snapshot: { returns: i32, args: [ptr] },
	pcap_setnonblock: { returns: i32, args: [ptr, i32, ptr] },
	pcap_next_ex: { returns: i32, args: [ptr, ptr, ptr] },
	pcap_dispatch: { returns: i32, args: [ptr, i32, ptr, ptr] },
	pcap_compile: { returns: i32, args: [ptr, ptr, ptr, i32, u32] },
	pcap_open_dead: { returns: ptr, args: [i32, i32] },
	pcap_setfilter: { returns: i32, args: [ptr, ptr] },
	pcap_freecode: { returns: none, args: [ptr] },
	pcap_stats: { returns: i32, args: [ptr, ptr] },
	pcap_breakloop: { returns: none, args: [ptr] },
	pcap_close: { returns: none, args: [ptr] },
	pcap_geterr: { returns: cstring, args: [ptr] },
	pcap_statustostr: { returns: cstring, args: [i32] },
	pcap_datalink_val_to_name: { returns: cstring, args: [i32] },
} as const;

/** Present in current libpcap and Npcap builds but absent from some older ones; bound one by one. */
const optionalSymbols = {
	pcap_get_selectable_fd: { returns: i32, args: [ptr] },
	pcap_bufsize: { returns: i32, args: [ptr] },
	pcap_setdirection: { returns: i32, args: [ptr, i32] },
} as const;

type Required = ReturnType<typeof dlopen<typeof requiredSymbols>>["symbols"];
type OptionalSymbols = typeof optionalSymbols;
type Optional = {
	[K in keyof OptionalSymbols]?: ReturnType<typeof dlopen<Pick<OptionalSymbols, K>>>["symbols"][K];
};

export interface Libpcap {
	readonly path: string;
	readonly symbols: Required;
	readonly optional: Optional;
}

let cached: Libpcap | undefined;

/** Loads the library once per process; throws LibraryNotFoundError with the package to install. */
export function loadLibpcap(platform: Platform = process.platform as Platform): Libpcap {
	if (cached) return cached;
	const candidates = libpcapCandidates(platform, process.env);
	cached = openFirst(candidates, (path) => {
		const lib = dlopen(path, requiredSymbols);
		return { path, symbols: lib.symbols, optional: bindOptional(path) };
	});
	return cached;
}

function bindOptional(path: string): Optional {
	const out: Record<string, unknown> = {};
	for (const [name, signature] of Object.entries(optionalSymbols)) {
		try {
			out[name] = dlopen(path, { [name]: signature }).symbols[name];
		} catch {
			// missing in this build: callers check for undefined
		}
	}
	return out as Optional;
}

/** A NUL-terminated copy of a JS string for `const char *` arguments. */
export function cString(text: string): Buffer {
	return Buffer.from(`${text}\0`, "utf8");
}

export const PCAP_ERRBUF_SIZE = 256;

/** Reads a NUL-terminated message out of an errbuf. */
export function errbufText(errbuf: Uint8Array): string {
	const end = errbuf.indexOf(0);
	return Buffer.from(errbuf.subarray(0, end < 0 ? errbuf.length : end)).toString("utf8");
}
