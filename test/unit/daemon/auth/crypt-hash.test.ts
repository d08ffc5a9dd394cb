import { describe, expect, test } from "bun:test";
import { constantTimeEqual, credentialText } from "../../../../src/daemon/auth/credentials.ts";
import { classifyStoredHash, isCryptFailure, settingOf } from "../../../../src/daemon/auth/crypt-hash.ts";

const SHA512 =
	"$6$3Q6e2aKKDnDEiknA$2NrP58LXezsvnN4VPHRT6qP2nR2YuXj8hJ5lewIiVgtp8iUGalG0pqBdnh.Y5pQiFDfmspFRLi8wYoTxNYsHX/";
const YESCRYPT = "$y$j9T$mtyp/BY9LegTwXQavUCwF/$DkPgZsZ8rek.n4tcrM.Tc8c0cgxuC8Qk1pUey9oTdk8";
const BCRYPT = "$2b$10$abcdefghijklmnopqrstuu5Lo0g67CiD3M4RpN1BmBb4Crp5w7dbK";

describe("classifyStoredHash", () => {
	test("crypt hashes are usable", () => {
		for (const hash of [SHA512, YESCRYPT, BCRYPT, "$1$abcdefgh$G//4keteveJp0qb8z2DxG/", "xxj31ZMTZzkVA"]) {
			expect(classifyStoredHash(hash)).toEqual({ kind: "usable", hash });
		}
	});

	test("'!' locks, keeping the hash underneath for the timing run", () => {
		expect(classifyStoredHash(`!${SHA512}`)).toEqual({ kind: "locked", inner: SHA512 });
		expect(classifyStoredHash(`!!${YESCRYPT}`)).toEqual({ kind: "locked", inner: YESCRYPT });
		expect(classifyStoredHash("!")).toEqual({ kind: "locked", inner: null });
		expect(classifyStoredHash("!*")).toEqual({ kind: "locked", inner: null });
	});

	test("empty, '*', failure tokens, the 'x' placeholder and junk are unusable", () => {
		for (const hash of ["", "*", "*LK*", "*NP*", "*0", "*1", "x", "has space", "a:b", "tab\there"]) {
			expect(classifyStoredHash(hash)).toEqual({ kind: "unusable" });
		}
	});
});

describe("isCryptFailure", () => {
	test("NULL, empty and '*' tokens are failures; hashes are not", () => {
		expect(isCryptFailure(null)).toBe(true);
		expect(isCryptFailure("")).toBe(true);
		expect(isCryptFailure("*0")).toBe(true);
		expect(isCryptFailure("*1")).toBe(true);
		expect(isCryptFailure(SHA512)).toBe(false);
	});
});

describe("settingOf", () => {
	test("drops the result of $-formats, keeping method, parameters and salt", () => {
		expect(settingOf(SHA512)).toBe("$6$3Q6e2aKKDnDEiknA");
		expect(settingOf(YESCRYPT)).toBe("$y$j9T$mtyp/BY9LegTwXQavUCwF/");
		expect(settingOf("$6$rounds=9000$salt$hash")).toBe("$6$rounds=9000$salt");
		expect(settingOf(BCRYPT)).toBe("$2b$10$abcdefghijklmnopqrstuu");
	});

	test("formats it cannot take apart give null", () => {
		expect(settingOf("xxj31ZMTZzkVA")).toBeNull();
		expect(settingOf("$6$saltonly")).toBeNull();
		expect(settingOf("$2b$10$short")).toBeNull();
	});
});

describe("credentialText", () => {
	test("valid UTF-8 without NUL decodes", () => {
		expect(credentialText(new TextEncoder().encode("pässword"))).toBe("pässword");
		expect(credentialText(new Uint8Array())).toBe("");
	});
	test("NUL bytes and invalid UTF-8 give null", () => {
		expect(credentialText(new Uint8Array([0x61, 0x00, 0x62]))).toBeNull();
		expect(credentialText(new Uint8Array([0x61, 0xff]))).toBeNull();
		expect(credentialText(new Uint8Array([0xc3]))).toBeNull();
	});
});

describe("constantTimeEqual", () => {
	test("compares whole strings, whatever their lengths", () => {
		expect(constantTimeEqual(SHA512, SHA512)).toBe(true);
		expect(constantTimeEqual(SHA512, `${SHA512.slice(0, -1)}0`)).toBe(false);
		expect(constantTimeEqual(SHA512, SHA512.slice(0, -1))).toBe(false);
		expect(constantTimeEqual("", "")).toBe(true);
	});
});
