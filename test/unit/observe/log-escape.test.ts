import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { escapeControlCharacters, escapeForLog } from "../../../src/observe/log-escape.ts";

/** Anything that could end or disguise a log line. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/;

describe("escapeForLog", () => {
	test("keeps printable ASCII and other Unicode as is", () => {
		expect(escapeForLog("alice")).toBe("alice");
		expect(escapeForLog("José Ünlü 名前")).toBe("José Ünlü 名前");
	});

	test("escapes line breaks, NUL, ESC, DEL and C1 controls as \\xNN", () => {
		expect(escapeForLog("a\nb\rc\0d\u001b[31me\u007f\u0085")).toBe("a\\x0ab\\x0dc\\x00d\\x1b[31me\\x7f\\x85");
	});

	test("escapes Unicode line separators and bidi overrides as \\u{N}", () => {
		expect(escapeForLog("a\u2028b\u202ec\ufeff")).toBe("a\\u{2028}b\\u{202e}c\\u{feff}");
	});

	test("escapes backslash and double quote so the text can sit inside quotes", () => {
		expect(escapeForLog('a\\b"c')).toBe('a\\\\b\\"c');
	});

	test("bytes: valid UTF-8 is decoded, anything else is shown byte by byte", () => {
		expect(escapeForLog(new TextEncoder().encode("bob\n"))).toBe("bob\\x0a");
		expect(escapeForLog(new Uint8Array([0x61, 0xff, 0x00, 0x0a, 0x62, 0xc3]))).toBe("a\\xff\\x00\\x0ab\\xc3");
	});

	test("lone surrogates are escaped", () => {
		expect(escapeForLog("a\ud800b")).toBe("a\\u{d800}b");
	});

	test("cuts long values after maxCharacters characters", () => {
		expect(escapeForLog("x".repeat(100))).toBe(`${"x".repeat(64)}...`);
		expect(escapeForLog("abcdef", 3)).toBe("abc...");
		expect(escapeForLog(new Uint8Array(10).fill(0xff), 2)).toBe("\\xff\\xff...");
		expect(escapeForLog("abc", 3)).toBe("abc");
	});

	test("property: any string or bytes give one safe, bounded line", () => {
		const input = fc.oneof(fc.string({ unit: "binary", maxLength: 200 }), fc.uint8Array({ maxLength: 200 }));
		fc.assert(
			fc.property(input, (value) => {
				const escaped = escapeForLog(value);
				expect(UNSAFE.test(escaped)).toBe(false);
				// at most 64 characters, each at most 9 characters when escaped (\u{10ffff}), plus "..."
				expect(escaped.length).toBeLessThanOrEqual(64 * 9 + 3);
			}),
			{ numRuns: 300 },
		);
	});
});

describe("escapeControlCharacters (whole log lines)", () => {
	test("escapes line breaks and invisible controls, keeps quotes, backslashes and length", () => {
		expect(escapeControlCharacters('Cannot open "eth9"\n\u202eevil\\x')).toBe(
			'Cannot open "eth9"\\x0a\\u{202e}evil\\x',
		);
		const long = "a".repeat(500);
		expect(escapeControlCharacters(long)).toBe(long);
	});
});
