// andPrograms: validity of the composition and "second's verdict only where first accepts" semantics.

import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
	andPrograms,
	type BpfProgram,
	bpfProgramToHostBytes,
	HOST_BYTE_ORDER,
	validateBpfProgram,
} from "../../../src/protocol/index.ts";
import { concatBytes } from "../../support/bytes.ts";
import { runBpf } from "./bpf-interpreter.ts";
import { insn, longValidProgram, packetArbitrary, RET_0, validProgramArbitrary } from "./bpf-programs.ts";
import { hex } from "./hex.ts";
import { UDP_PORT_9_FILTER } from "./udp-port-9-filter.ts";

function andSemantics(first: BpfProgram, second: BpfProgram, packet: Uint8Array): number {
	return runBpf(first, packet) !== 0 ? runBpf(second, packet) : 0;
}

// "not (udp and dst port 2002)" in the style of a daemon's self-traffic exclusion (IPv4 only, no options check).
const EXCLUDE_PORT_2002: BpfProgram = [
	insn(0x28, 12),
	insn(0x15, 0x0800, 0, 5),
	insn(0x30, 23),
	insn(0x15, 17, 0, 3),
	insn(0x28, 36),
	insn(0x15, 2002, 0, 1),
	RET_0,
	insn(0x06, 0x40000),
];

const udpFrame = (dstPort: number) =>
	concatBytes(
		hex("000000000000 000000000000 0800 4500 0026 1234 4000 4011 0000 7f000001 7f000001 9c40"),
		new Uint8Array([dstPort >> 8, dstPort & 0xff]),
		hex("0012 0000 68656c6c6f2c20726370"),
	);

describe("andPrograms", () => {
	test("exclusion AND 'udp and port 9': port 9 accepted with second's snaplen, port 2002 and port 53 rejected", () => {
		const combined = andPrograms(EXCLUDE_PORT_2002, UDP_PORT_9_FILTER);
		expect(validateBpfProgram(combined)).toBeUndefined();
		expect(runBpf(combined, udpFrame(9))).toBe(1500);
		expect(runBpf(combined, udpFrame(2002))).toBe(0);
		expect(runBpf(combined, udpFrame(53))).toBe(0);
		expect(runBpf(EXCLUDE_PORT_2002, udpFrame(53))).toBe(0x40000);
		expect(combined).toHaveLength(EXCLUDE_PORT_2002.length + 2 + UDP_PORT_9_FILTER.length);
	});

	test("ret #k becomes a forward ja to the second part, ret #0 stays, inputs are not modified", () => {
		const first = [insn(0x15, 1, 0, 1), insn(0x06, 7), RET_0];
		const snapshot = structuredClone(first);
		const combined = andPrograms(first, [insn(0x06, 99)]);
		expect(combined).toEqual([
			insn(0x15, 1, 0, 1),
			insn(0x05, 1),
			RET_0,
			insn(0x00, 0),
			insn(0x01, 0),
			insn(0x06, 99),
		]);
		expect(first).toEqual(snapshot);
	});

	test("ret A and ret X: nonzero accepts, zero rejects, through a shared trailer", () => {
		const retA = [insn(0x80), insn(0x16)]; // ret len
		const retX = [insn(0x01, 0), insn(0x0e)]; // ret x with x = 0 (not valid alone: RET X is refused)
		const second = [insn(0x06, 42)];
		const withA = andPrograms(retA, second);
		expect(validateBpfProgram(withA)).toBeUndefined();
		expect(runBpf(withA, new Uint8Array(5))).toBe(42);
		expect(runBpf(withA, new Uint8Array(0))).toBe(0);
		const withX = andPrograms(retX, second);
		expect(validateBpfProgram(withX)).toBeUndefined();
		expect(runBpf(withX, new Uint8Array(5))).toBe(0);
		const withX5 = andPrograms([insn(0x01, 5), insn(0x0e)], second);
		expect(runBpf(withX5, new Uint8Array(0))).toBe(42);
	});

	test("second starts with A = X = 0 as when it runs alone", () => {
		// first leaves A and X nonzero; second returns A (0 alone) or uses X as an index.
		const first = [insn(0x00, 77), insn(0x07), insn(0x06, 1)];
		expect(runBpf(andPrograms(first, [insn(0x16)]), new Uint8Array(4))).toBe(0);
		const second = [insn(0x50, 0), insn(0x16)]; // ldb [x + 0]; ret a
		expect(runBpf(andPrograms(first, second), new Uint8Array([9, 8, 7]))).toBe(9);
	});

	test("property: result validates and equals 'first accepts ? second : 0' on random programs and packets", () => {
		fc.assert(
			fc.property(
				validProgramArbitrary(),
				validProgramArbitrary(),
				packetArbitrary,
				(first, second, packet) => {
					const combined = andPrograms(first, second);
					expect(validateBpfProgram(combined, Number.POSITIVE_INFINITY)).toBeUndefined();
					expect(runBpf(combined, packet)).toBe(andSemantics(first, second, packet));
				},
			),
			{ numRuns: 300 },
		);
	});

	test("long first program: every ja offset is 32-bit, so distances beyond 255 are fine", () => {
		const first = [...longValidProgram(3000)];
		first[first.length - 2] = insn(0x16); // a ret A far from the trailer
		const combined = andPrograms(first, UDP_PORT_9_FILTER);
		expect(validateBpfProgram(combined, Number.POSITIVE_INFINITY)).toBeUndefined();
		expect(combined.length).toBeLessThanOrEqual(first.length + UDP_PORT_9_FILTER.length + 5);
	});
});

describe("bpfProgramToHostBytes", () => {
	test("8 bytes per instruction in host byte order: u16 code, u8 jt, u8 jf, u32 k", () => {
		const bytes = bpfProgramToHostBytes([insn(0x15, 0x86dd, 3, 7), insn(0x06, 0xffffffff)]);
		expect(bytes).toHaveLength(16);
		const expected =
			HOST_BYTE_ORDER === "little"
				? hex("1500 03 07 dd860000  0600 00 00 ffffffff")
				: hex("0015 03 07 000086dd  0006 00 00 ffffffff");
		expect(bytes).toEqual(expected);
	});
});
