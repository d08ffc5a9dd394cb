// The few libc functions the capture helper needs (memcpy, pipe, poll, read, write, close, threads), per platform.

import { dlopen, FFIType } from "bun:ffi";
import type { Platform } from "./library-path.ts";

const { ptr, i32, i64, u64 } = FFIType;

const posixSymbols = {
	memcpy: { returns: ptr, args: [ptr, ptr, u64] },
	pipe: { returns: i32, args: [ptr] },
	poll: { returns: i32, args: [ptr, u64, i32] },
	read: { returns: i64, args: [i32, ptr, u64] },
	write: { returns: i64, args: [i32, ptr, u64] },
	close: { returns: i32, args: [i32] },
} as const;

const threadSymbols = {
	pthread_create: { returns: i32, args: [ptr, ptr, ptr, ptr] },
	pthread_join: { returns: i32, args: [u64, ptr] },
} as const;

type PosixLibc = ReturnType<typeof dlopen<typeof posixSymbols>>["symbols"];
type Threads = ReturnType<typeof dlopen<typeof threadSymbols>>["symbols"];

type Memcpy = PosixLibc["memcpy"];

export interface Libc {
	/** memcpy, callable and with its address (`.ptr`) for the C helper. */
	readonly memcpy: Memcpy;
	/** Present on Linux and macOS; Windows uses timer polling instead of waiter threads. */
	readonly posix: (PosixLibc & { threads: Threads }) | null;
}

let cached: Libc | undefined;

function firstOpen<T>(names: readonly string[], open: (name: string) => T): T {
	let last: unknown;
	for (const name of names) {
		try {
			return open(name);
		} catch (error) {
			last = error;
		}
	}
	throw last;
}

export function loadLibc(platform: Platform = process.platform as Platform): Libc {
	if (cached) return cached;
	if (platform === "win32") {
		const msvcrt = dlopen("msvcrt.dll", { memcpy: posixSymbols.memcpy });
		cached = { memcpy: msvcrt.symbols.memcpy, posix: null };
		return cached;
	}
	const libcNames = platform === "darwin" ? ["libSystem.B.dylib"] : ["libc.so.6"];
	const libc = firstOpen(libcNames, (name) => dlopen(name, posixSymbols));
	// glibc before 2.34 keeps the pthread functions in libpthread.
	const threadNames = platform === "darwin" ? ["libSystem.B.dylib"] : ["libc.so.6", "libpthread.so.0"];
	const threads = firstOpen(threadNames, (name) => dlopen(name, threadSymbols));
	cached = {
		memcpy: libc.symbols.memcpy,
		posix: Object.assign(libc.symbols, { threads: threads.symbols }),
	};
	return cached;
}
