// Linux system account lookup for password authentication: getpwnam/getspnam from libc and crypt from libcrypt, as plain values.

import { dlopen, FFIType, type Pointer } from "bun:ffi";
import { type LibraryCandidates, openFirst, type Platform } from "./library-path.ts";
import { type MemoryReader, nativeMemory } from "./memory.ts";

const { ptr, u64, i32 } = FFIType;

/** The fields of `struct passwd` we use. */
export interface PasswdEntry {
	readonly name: string;
	/** `pw_passwd`: the hash itself, or "x" when it lives in /etc/shadow. */
	readonly passwd: string;
	readonly uid: number;
	readonly gid: number;
	readonly home: string;
	readonly shell: string;
}

/** The fields of `struct spwd` we use. */
export interface ShadowEntry {
	/** `sp_pwdp`: the crypt hash ("!"/"*" prefixed when locked). */
	readonly passwordHash: string;
	/** `sp_expire`: the day (since 1970-01-01) the account expires; null when it never does. */
	readonly expireDay: number | null;
}

export interface SystemAccounts {
	/** getpwnam; null when the account does not exist (or the name holds a NUL byte). */
	passwdEntry(name: string): PasswdEntry | null;
	/** getspnam; null when there is no shadow entry or it cannot be read (shadow needs root). */
	shadowEntry(name: string): ShadowEntry | null;
	/** crypt(3): the hash string, or null when crypt returned NULL or the phrase holds a NUL byte. */
	crypt(phrase: Uint8Array, setting: string): string | null;
	/** libxcrypt's crypt_gensalt(NULL, 0, NULL, 0): the default method's setting; null where unavailable. */
	defaultSetting(): string | null;
}

/** Password authentication against the OS account database exists only on Linux. */
export class SystemAccountsUnsupportedError extends Error {
	override readonly name = "SystemAccountsUnsupportedError";
	constructor(readonly platform: string) {
		super(`System account authentication is not supported on this platform (${platform}); use --users FILE`);
	}
}

/**
 * glibc struct layouts on LP64 Linux (x86-64 and arm64 agree):
 * struct passwd { char *pw_name; char *pw_passwd; uid_t pw_uid; gid_t pw_gid; char *pw_gecos; char *pw_dir; char *pw_shell; }
 * struct spwd { char *sp_namp; char *sp_pwdp; long sp_lstchg, sp_min, sp_max, sp_warn, sp_inact, sp_expire; unsigned long sp_flag; }
 */
export const PASSWD_LAYOUT = { name: 0, passwd: 8, uid: 16, gid: 20, gecos: 24, dir: 32, shell: 40 } as const;
export const SPWD_LAYOUT = { namp: 0, pwdp: 8, expire: 56 } as const;

const libcSymbols = {
	getpwnam: { returns: ptr, args: [ptr] },
	getspnam: { returns: ptr, args: [ptr] },
} as const;

const cryptSymbols = {
	crypt: { returns: ptr, args: [ptr, ptr] },
} as const;

/** libxcrypt only; the old glibc libcrypt lacks it. */
const gensaltSymbols = {
	crypt_gensalt: { returns: ptr, args: [ptr, u64, ptr, i32] },
} as const;

export function libcCandidates(): LibraryCandidates {
	return {
		library: "libc",
		candidates: ["libc.so.6"],
		hint: "system account authentication needs glibc; on other C libraries use --users FILE",
	};
}

export function libcryptCandidates(): LibraryCandidates {
	return {
		library: "libcrypt",
		candidates: ["libcrypt.so.1", "libcrypt.so.2"],
		hint: "install the libcrypt1 package (Debian/Ubuntu: apt-get install libcrypt1; Fedora/RHEL: dnf install libxcrypt)",
	};
}

/** A NUL-terminated copy for `const char *`; null when the text would be cut short by an inner NUL. */
function cBytes(bytes: Uint8Array): Buffer | null {
	if (bytes.includes(0)) return null;
	const out = Buffer.alloc(bytes.length + 1);
	out.set(bytes);
	return out;
}

function cText(text: string): Buffer | null {
	return cBytes(Buffer.from(text, "utf8"));
}

function cStringAt(memory: MemoryReader, address: number): string {
	return address === 0 ? "" : memory.cstring(address);
}

/** Reads a `struct passwd` (exported for tests against fake memory). */
export function readPasswdEntry(memory: MemoryReader, address: number): PasswdEntry {
	const field = (offset: number) => cStringAt(memory, memory.pointer(address + offset));
	return {
		name: field(PASSWD_LAYOUT.name),
		passwd: field(PASSWD_LAYOUT.passwd),
		uid: memory.u32(address + PASSWD_LAYOUT.uid),
		gid: memory.u32(address + PASSWD_LAYOUT.gid),
		home: field(PASSWD_LAYOUT.dir),
		shell: field(PASSWD_LAYOUT.shell),
	};
}

/** Reads a `struct spwd` (exported for tests against fake memory). */
export function readShadowEntry(memory: MemoryReader, address: number): ShadowEntry {
	const expire = memory.u64(address + SPWD_LAYOUT.expire);
	return {
		passwordHash: cStringAt(memory, memory.pointer(address + SPWD_LAYOUT.pwdp)),
		// sp_expire is a signed long read as unsigned: -1 (never) and other negatives land at 2^63 and above.
		expireDay: expire >= 2 ** 63 ? null : expire,
	};
}

let cached: SystemAccounts | undefined;

/**
 * Binds libc and libcrypt once per process. Throws SystemAccountsUnsupportedError off Linux (nothing is
 * bound there) and LibraryNotFoundError naming the package when a library is missing.
 */
export function loadSystemAccounts(platform: Platform = process.platform as Platform): SystemAccounts {
	if (platform !== "linux") throw new SystemAccountsUnsupportedError(platform);
	if (cached) return cached;
	const libc = openFirst(libcCandidates(), (path) => dlopen(path, libcSymbols)).symbols;
	let cryptPath = "";
	const libcrypt = openFirst(libcryptCandidates(), (path) => {
		const lib = dlopen(path, cryptSymbols);
		cryptPath = path;
		return lib;
	}).symbols;
	const gensalt = bindGensalt(cryptPath);
	cached = {
		passwdEntry(name) {
			const cName = cText(name);
			if (!cName) return null;
			const address = libc.getpwnam(cName);
			return address ? readPasswdEntry(nativeMemory, Number(address)) : null;
		},
		shadowEntry(name) {
			const cName = cText(name);
			if (!cName) return null;
			const address = libc.getspnam(cName);
			return address ? readShadowEntry(nativeMemory, Number(address)) : null;
		},
		crypt(phrase, setting) {
			const cPhrase = cBytes(phrase);
			const cSetting = cText(setting);
			if (!cPhrase || !cSetting) return null;
			try {
				const address = libcrypt.crypt(cPhrase, cSetting);
				return address ? nativeMemory.cstring(Number(address)) : null;
			} finally {
				cPhrase.fill(0);
			}
		},
		defaultSetting() {
			if (!gensalt) return null;
			const address = gensalt(null, 0, null, 0);
			return address ? nativeMemory.cstring(Number(address)) : null;
		},
	};
	return cached;
}

type Gensalt = (
	prefix: Pointer | null,
	count: number,
	random: Pointer | null,
	size: number,
) => Pointer | null;

function bindGensalt(path: string): Gensalt | null {
	try {
		return dlopen(path, gensaltSymbols).symbols.crypt_gensalt as Gensalt;
	} catch {
		return null; // not libxcrypt: callers fall back to their own default
	}
}
