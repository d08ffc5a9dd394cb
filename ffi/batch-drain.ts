// Drains a libpcap handle in batches into a JS buffer of framed RPCAP PACKET records: one FFI call per batch via the cc helper, or pcap_next_ex per packet where cc is unavailable.

import { cc, type Pointer, ptr, read } from "bun:ffi";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import drainSource from "./drain.c" with { type: "file" };
import { loadLibc } from "./libc.ts";
import { loadLibpcap } from "./libpcap.ts";
import { type Platform, symbolAddress } from "./library-path.ts";
import { layoutsFor } from "./structs.ts";

/** Indexes into the Uint32Array shared with drain.c (keep in step with its enum). */
export const DrainField = {
	SNAPLEN: 0,
	NPKT: 1,
	SAMPLE_METHOD: 2,
	SAMPLE_VALUE: 3,
	SAMPLE_COUNT: 4,
	LAST_SEC: 5,
	LAST_USEC: 6,
	TRUNCATED: 7,
	SAMPLED_OUT: 8,
	SEEN: 9,
	VERSION: 10,
	BATCH_PACKETS: 11,
	SAMPLE_STARTED: 12,
} as const;
export const DRAIN_STATE_FIELDS = 16;

/** Bytes added in front of each packet's data: rpcap_header (8) + rpcap_pkthdr (20). */
export const RECORD_OVERHEAD = 28;

const helperSymbols = {
	helper_init: { returns: "void", args: ["ptr", "ptr", "ptr", "ptr", "ptr", "ptr"] },
	drain_batch: { returns: "i32", args: ["ptr", "ptr", "ptr", "ptr", "u32", "u32"] },
	waiter_start: { returns: "i32", args: ["i32", "i32", "i32"] },
	waiter_join: { returns: "i32", args: ["i32"] },
} as const;

type Helper = ReturnType<typeof cc<typeof helperSymbols>>["symbols"];

let helper: Helper | null | undefined;
// The compiled library must stay referenced: if it is garbage-collected its code is freed under the running
// waiter threads and the next drain call (a segfault at a small address).
const retainedLibraries: unknown[] = [];
let helperError: string | undefined;

/** Compiles drain.c once; returns null (and remembers why) when TinyCC is unavailable on this platform. */
export function loadDrainHelper(platform: Platform = process.platform as Platform): Helper | null {
	if (helper !== undefined) return helper;
	if (process.env.RPCAPD_DRAIN === "next_ex") {
		helper = null;
		helperError = "disabled by RPCAPD_DRAIN=next_ex";
		return helper;
	}
	let scratch: string | undefined;
	try {
		// TinyCC cannot read the compiled executable's embedded files ($bunfs), so compile a private copy.
		scratch = mkdtempSync(join(tmpdir(), "rpcapd-cc-"));
		const source = join(scratch, "drain.c");
		writeFileSync(source, readFileSync(drainSource));
		const lib = cc({
			source,
			flags: ["-nostdlib"],
			define: platform === "darwin" ? { RPCAPD_DARWIN: "1" } : {},
			symbols: helperSymbols,
		});
		retainedLibraries.push(lib);
		helper = lib.symbols;
		const libc = loadLibc(platform);
		const posix = libc.posix;
		helper.helper_init(
			symbolAddress(libc.memcpy) as Pointer,
			(posix ? symbolAddress(posix.poll) : null) as Pointer,
			(posix ? symbolAddress(posix.read) : null) as Pointer,
			(posix ? symbolAddress(posix.write) : null) as Pointer,
			(posix ? symbolAddress(posix.threads.pthread_create) : null) as Pointer,
			(posix ? symbolAddress(posix.threads.pthread_join) : null) as Pointer,
		);
	} catch (error) {
		helper = null;
		helperError = error instanceof Error ? error.message : String(error);
	} finally {
		if (scratch) rmSync(scratch, { recursive: true, force: true });
	}
	return helper;
}

export function drainHelperError(): string | undefined {
	return helperError;
}

/** Drains with the cc helper: returns bytes written, or libpcap's negative status when nothing was written. */
export function drainWithHelper(
	h: Helper,
	handle: Pointer,
	state: Uint32Array,
	out: Uint8Array,
	maxPackets: number,
): number {
	dispatchAddress ??= symbolAddress(loadLibpcap().symbols.pcap_dispatch) as Pointer;
	return h.drain_batch(dispatchAddress, handle, state, out, out.length, maxPackets);
}

/** pcap_dispatch's address, looked up once: drain_batch calls it through a pointer. */
let dispatchAddress: Pointer | undefined;

const headerOut = new BigUint64Array(1);
const dataOut = new BigUint64Array(1);

/** The slow path: pcap_next_ex per packet plus memcpy; same output and state rules as drain.c. */
export function drainWithNextEx(
	handle: Pointer,
	state: Uint32Array,
	out: Uint8Array,
	maxPackets: number,
	platform: Platform = process.platform as Platform,
): number {
	const pcap = loadLibpcap().symbols;
	const memcpy = loadLibc().memcpy;
	const layout = layoutsFor(platform).pkthdr;
	const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
	const outBase = ptr(out);
	const copy = (offset: number, length: number) => {
		memcpy((outBase + offset) as Pointer, Number(dataOut[0]) as Pointer, length);
	};
	let used = 0;
	state[DrainField.BATCH_PACKETS] = 0;
	const worst = RECORD_OVERHEAD + (state[DrainField.SNAPLEN] ?? 0);
	while ((state[DrainField.BATCH_PACKETS] ?? 0) < maxPackets && out.length - used >= worst) {
		const r = pcap.pcap_next_ex(handle, headerOut, dataOut);
		if (r === 0) break;
		if (r < 0) return used > 0 ? used : r;
		const header = Number(headerOut[0]) as Pointer;
		const sec =
			layout.tvSecSize === 8 ? Number(read.u64(header, layout.tvSec)) : read.u32(header, layout.tvSec);
		used = appendRecord(
			state,
			view,
			used,
			sec,
			read.u32(header, layout.tvUsec),
			read.u32(header, layout.caplen),
			read.u32(header, layout.len),
			copy,
		);
	}
	return used;
}

/**
 * Frames one packet at `used` exactly as drain.c does (sampling, snaplen clamp, npkt) and returns the new fill
 * level; `copy(offset, length)` must place the packet's first `length` data bytes at `offset` of the buffer.
 * Software capture sources (file replay, tests) use it so every source emits identical records.
 */
export function appendRecord(
	state: Uint32Array,
	view: DataView,
	used: number,
	sec: number,
	usec: number,
	caplen: number,
	len: number,
	copy: (offset: number, length: number) => void,
): number {
	state[DrainField.SEEN] = (state[DrainField.SEEN] ?? 0) + 1;
	if (sampledOut(state, sec >>> 0, usec)) {
		state[DrainField.SAMPLED_OUT] = (state[DrainField.SAMPLED_OUT] ?? 0) + 1;
		return used;
	}
	const snaplen = state[DrainField.SNAPLEN] ?? 0;
	const kept = Math.min(caplen, snaplen);
	if (kept < len) state[DrainField.TRUNCATED] = (state[DrainField.TRUNCATED] ?? 0) + 1;
	if (used + RECORD_OVERHEAD + kept > view.byteLength) return used;
	const npkt = ((state[DrainField.NPKT] ?? 0) + 1) >>> 0;
	state[DrainField.NPKT] = npkt;
	view.setUint8(used, state[DrainField.VERSION] ?? 0);
	view.setUint8(used + 1, 7);
	view.setUint16(used + 2, 0);
	view.setUint32(used + 4, 20 + kept);
	view.setUint32(used + 8, sec >>> 0);
	view.setUint32(used + 12, usec);
	view.setUint32(used + 16, kept);
	view.setUint32(used + 20, len);
	view.setUint32(used + 24, npkt);
	copy(used + RECORD_OVERHEAD, kept);
	state[DrainField.BATCH_PACKETS] = (state[DrainField.BATCH_PACKETS] ?? 0) + 1;
	return used + RECORD_OVERHEAD + kept;
}

/** Mirror of sampled_out() in drain.c (rpcap-protocol.md §9). */
function sampledOut(state: Uint32Array, sec: number, usec: number): boolean {
	const method = state[DrainField.SAMPLE_METHOD];
	const value = state[DrainField.SAMPLE_VALUE] ?? 0;
	if (method === 1 && value > 1) {
		const count = state[DrainField.SAMPLE_COUNT] ?? 0;
		state[DrainField.SAMPLE_COUNT] = count + 1 >= value ? 0 : count + 1;
		return count !== 0;
	}
	if (method === 2 && value > 0) {
		if (state[DrainField.SAMPLE_STARTED]) {
			const elapsed =
				(sec - (state[DrainField.LAST_SEC] ?? 0)) * 1_000_000 + (usec - (state[DrainField.LAST_USEC] ?? 0));
			if (elapsed < value * 1000) return true;
		}
		state[DrainField.SAMPLE_STARTED] = 1;
		state[DrainField.LAST_SEC] = sec;
		state[DrainField.LAST_USEC] = usec;
	}
	return false;
}
