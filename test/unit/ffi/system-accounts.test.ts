import { describe, expect, test } from "bun:test";
import { LibraryNotFoundError, openFirst } from "../../../ffi/library-path.ts";
import {
	libcryptCandidates,
	loadSystemAccounts,
	PASSWD_LAYOUT,
	readPasswdEntry,
	readShadowEntry,
	SPWD_LAYOUT,
	SystemAccountsUnsupportedError,
} from "../../../ffi/system-accounts.ts";
import { FakeMemory } from "../../support/fake-memory.ts";

describe("platform support", () => {
	test("Windows and macOS get a typed error pointing at --users FILE, and nothing is bound", () => {
		for (const platform of ["win32", "darwin"] as const) {
			expect(() => loadSystemAccounts(platform)).toThrow(SystemAccountsUnsupportedError);
			expect(() => loadSystemAccounts(platform)).toThrow(
				`System account authentication is not supported on this platform (${platform}); use --users FILE`,
			);
		}
	});

	test("libcrypt is looked for as .so.1 then .so.2, and its absence names the package", () => {
		const candidates = libcryptCandidates();
		expect(candidates.candidates).toEqual(["libcrypt.so.1", "libcrypt.so.2"]);
		const attempt = () =>
			openFirst(candidates, () => {
				throw new Error("missing");
			});
		expect(attempt).toThrow(LibraryNotFoundError);
		expect(attempt).toThrow(
			"Cannot load libcrypt (tried libcrypt.so.1, libcrypt.so.2): install the libcrypt1 package (Debian/Ubuntu: apt-get install libcrypt1; Fedora/RHEL: dnf install libxcrypt)",
		);
	});
});

describe("struct walkers (glibc LP64 layouts)", () => {
	test("struct passwd fields are read at their offsets", () => {
		const memory = new FakeMemory();
		const entry = memory.alloc(48);
		memory.putPointer(entry + PASSWD_LAYOUT.name, memory.string("alice"));
		memory.putPointer(entry + PASSWD_LAYOUT.passwd, memory.string("x"));
		memory.putU32(entry + PASSWD_LAYOUT.uid, 1001);
		memory.putU32(entry + PASSWD_LAYOUT.gid, 100);
		memory.putPointer(entry + PASSWD_LAYOUT.gecos, memory.string("Alice"));
		memory.putPointer(entry + PASSWD_LAYOUT.dir, memory.string("/home/alice"));
		memory.putPointer(entry + PASSWD_LAYOUT.shell, 0);
		expect(readPasswdEntry(memory, entry)).toEqual({
			name: "alice",
			passwd: "x",
			uid: 1001,
			gid: 100,
			home: "/home/alice",
			shell: "",
		});
	});

	test("struct spwd: the hash and sp_expire, with -1 meaning never", () => {
		const memory = new FakeMemory();
		const entry = memory.alloc(72);
		memory.putPointer(entry + SPWD_LAYOUT.namp, memory.string("alice"));
		memory.putPointer(entry + SPWD_LAYOUT.pwdp, memory.string("$6$salt$hash"));
		memory.putPointer(entry + SPWD_LAYOUT.expire, -1);
		expect(readShadowEntry(memory, entry)).toEqual({ passwordHash: "$6$salt$hash", expireDay: null });
		memory.putPointer(entry + SPWD_LAYOUT.expire, 19_000);
		expect(readShadowEntry(memory, entry).expireDay).toBe(19_000);
	});
});

describe.if(process.platform === "linux")("live libc and libcrypt", () => {
	const accounts = loadSystemAccounts("linux");

	test("getpwnam finds root and not an unknown name", () => {
		const root = accounts.passwdEntry("root");
		expect(root?.uid).toBe(0);
		expect(root?.gid).toBe(0);
		expect(accounts.passwdEntry("rpcapd-no-such-user-7f3a")).toBeNull();
	});

	test("names with NUL bytes are never passed to C (they would be cut short)", () => {
		expect(accounts.passwdEntry("root\0junk")).toBeNull();
		expect(accounts.shadowEntry("root\0junk")).toBeNull();
	});

	test("crypt computes sha512crypt like openssl passwd -6", () => {
		// openssl passwd -6 -salt 3Q6e2aKKDnDEiknA secret
		expect(accounts.crypt(new TextEncoder().encode("secret"), "$6$3Q6e2aKKDnDEiknA")).toBe(
			"$6$3Q6e2aKKDnDEiknA$2NrP58LXezsvnN4VPHRT6qP2nR2YuXj8hJ5lewIiVgtp8iUGalG0pqBdnh.Y5pQiFDfmspFRLi8wYoTxNYsHX/",
		);
	});

	test("crypt's failures come back as NULL or a '*' token, and NUL phrases are refused", () => {
		const failed = accounts.crypt(new TextEncoder().encode("secret"), "*");
		expect(failed === null || failed.startsWith("*")).toBe(true);
		expect(accounts.crypt(new Uint8Array([0x61, 0x00, 0x62]), "$6$salt")).toBeNull();
	});

	test("crypt clears its copy of the phrase but leaves the caller's bytes alone", () => {
		const phrase = new TextEncoder().encode("secret");
		accounts.crypt(phrase, "$6$3Q6e2aKKDnDEiknA");
		expect(new TextDecoder().decode(phrase)).toBe("secret");
	});

	test("the default setting, when libxcrypt names one, is a crypt setting", () => {
		const setting = accounts.defaultSetting();
		// The old glibc libcrypt has no crypt_gensalt; libxcrypt (libcrypt1, libcrypt.so.2) does.
		if (setting === null) return;
		expect(setting).toMatch(/^\$[0-9a-z]+\$/);
		expect(accounts.crypt(new TextEncoder().encode("x"), setting)?.startsWith(`${setting}$`)).toBe(true);
	});
});
