import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ConfigError, ConfigErrors, mergeConfig, parseIni } from "../../../src/config/index.ts";

/** Fragments of the grammar, so random lines often get past the key and into value parsing. */
const FRAGMENTS = [
	"ActiveClient",
	"PassiveClient",
	"NullAuthPermit",
	"Udpstr",
	"UdpstrSize",
	"activeclient",
	"=",
	" = ",
	" ",
	"\t",
	",",
	";",
	"#",
	" #",
	"\n",
	"\r\n",
	"\r",
	"ifname",
	"ifname=",
	"ifaddr=",
	"udpstr=",
	"eth0",
	"10.0.0.1",
	"10.1.0.0/16",
	"/",
	"33",
	"::1",
	"fe80::1%eth0",
	"[",
	"]",
	":",
	"2003",
	"DEFAULT",
	"YES",
	"yes",
	"NO",
	"auto",
	"on",
	"off",
	"65536",
	"host.example",
	"\uFEFF",
	"é",
	"\u0000",
];

const grammarText = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 40 }).map((parts) => parts.join(""));
const anyText = fc.oneof(
	grammarText,
	fc.string({ unit: "binary", maxLength: 200 }),
	fc.string({ maxLength: 200 }),
);

describe("arbitrary text", () => {
	test("property: the parser returns a valid config or throws ConfigErrors, nothing else", () => {
		fc.assert(
			fc.property(anyText, (text) => {
				const lineCount = text.split(/\r\n|\n|\r/).length;
				try {
					const result = parseIni(text, "fuzz.ini");
					// Whatever parses is a valid effective configuration once merged.
					mergeConfig({}, result.config);
					for (const warning of result.warnings) expect(warning.line).toBeLessThanOrEqual(lineCount);
				} catch (error) {
					expect(error).toBeInstanceOf(ConfigErrors);
					const { errors } = error as ConfigErrors;
					expect(errors.length).toBeGreaterThan(0);
					for (const item of errors) {
						expect(item).toBeInstanceOf(ConfigError);
						expect(item.line).toBeGreaterThanOrEqual(1);
						expect(item.line).toBeLessThanOrEqual(lineCount);
						expect(item.column).toBeGreaterThanOrEqual(1);
						expect(item.message).not.toBe("");
						expect(item.message).not.toContain("\n");
						expect(String(item).startsWith(`fuzz.ini:${item.line}:${item.column}: `)).toBe(true);
					}
				}
			}),
			{ numRuns: 2000 },
		);
	});
});
