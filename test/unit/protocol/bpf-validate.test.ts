// The §8.2 filter decoder and validator against bad-inputs.md groups E (E3–E5) and F (F1–F9).

import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
	type BpfProgram,
	decodeFilter,
	decodeStartcapRequest,
	decodeUpdateFilterRequest,
	ErrorCode,
	encodeFilter,
	encodeStartcapRequest,
	MalformedMessageError,
	tryDecodeFilter,
	validateBpfProgram,
} from "../../../src/protocol/index.ts";
import { runBpf } from "./bpf-interpreter.ts";
import { insn, longValidProgram, packetArbitrary, RET_0, validProgramArbitrary } from "./bpf-programs.ts";
import { hex } from "./hex.ts";
import { UDP_PORT_9_FILTER } from "./udp-port-9-filter.ts";

const INVALID = "The filter contains invalid instructions";

/** The error a STARTCAP (code 12) and an UPDATEFILTER (code 7) carrying `program` get. */
function rejection(program: BpfProgram): string {
	const startcap = encodeStartcapRequest({ snaplen: 1500, readTimeout: 500, flags: 0, portData: 0, program });
	const decoded = decodeStartcapRequest(startcap.subarray(8));
	if (decoded.filter.ok) return "accepted";
	expect(decoded.filter.error.code).toBe(ErrorCode.STARTCAPTURE);
	let updateText = "";
	try {
		decodeUpdateFilterRequest(encodeFilter(program));
	} catch (error) {
		expect(error).toBeInstanceOf(MalformedMessageError);
		expect((error as MalformedMessageError).code).toBe(ErrorCode.UPDATEFILTER);
		updateText = (error as Error).message;
	}
	expect(updateText).toBe(decoded.filter.error.message);
	return decoded.filter.error.message;
}

describe("group F: BPF programs", () => {
	test("F1: backward ja through wrap-around is rejected at instruction 0", () => {
		expect(rejection([insn(0x05, 0xffffffff), RET_0])).toBe(`${INVALID}: jump out of range at instruction 0`);
	});

	test("F2: ja landing exactly on nitems is rejected; one short of it is accepted", () => {
		expect(rejection([insn(0x05, 1), RET_0])).toBe(`${INVALID}: jump out of range at instruction 0`);
		expect(rejection([insn(0x05, 0), RET_0])).toBe("accepted");
		expect(rejection([insn(0x05, 1), insn(0x06, 1), RET_0])).toBe("accepted");
	});

	test("F3: conditional jump beyond the end is rejected", () => {
		expect(rejection([insn(0x15, 0x800, 200, 0), insn(0x06, 1), RET_0])).toBe(
			`${INVALID}: jump out of range at instruction 0`,
		);
		expect(rejection([insn(0x28, 12), insn(0x15, 0x800, 0, 2), insn(0x06, 1), RET_0])).toBe(
			`${INVALID}: jump out of range at instruction 1`,
		);
	});

	test("F4: last instruction not RET is rejected", () => {
		expect(rejection([insn(0x06, 1), insn(0x28, 12)])).toBe(
			`${INVALID}: last instruction is not a return at instruction 1`,
		);
		expect(rejection([insn(0x28, 12)])).toBe(`${INVALID}: last instruction is not a return at instruction 0`);
	});

	test("F5: scratch memory index 16 and above is rejected", () => {
		expect(rejection([insn(0x60, 16), RET_0])).toBe(
			`${INVALID}: scratch memory index 16 out of range at instruction 0`,
		);
		expect(rejection([insn(0x02, 16), RET_0])).toBe(
			`${INVALID}: scratch memory index 16 out of range at instruction 0`,
		);
		expect(rejection([insn(0x03, 0), insn(0x61, 255), RET_0])).toBe(
			`${INVALID}: scratch memory index 255 out of range at instruction 1`,
		);
		expect(rejection([insn(0x02, 15), insn(0x60, 15), insn(0x16)])).toBe("accepted");
	});

	test("F6: div #0 and mod #0 are rejected, div x and mod x are allowed", () => {
		expect(rejection([insn(0x34, 0), RET_0])).toBe(`${INVALID}: division by constant zero at instruction 0`);
		expect(rejection([insn(0x94, 0), RET_0])).toBe(`${INVALID}: modulo by constant zero at instruction 0`);
		expect(rejection([insn(0x00, 7), insn(0x3c), insn(0x9c), insn(0x16)])).toBe("accepted");
		// Division by a zero X rejects the packet at run time (returns 0) instead of trapping.
		expect(runBpf([insn(0x00, 7), insn(0x3c), insn(0x06, 99)], new Uint8Array(0))).toBe(0);
	});

	test("F7: undefined opcodes are rejected", () => {
		expect(rejection([{ code: 0xffff, jt: 0, jf: 0, k: 0 }, RET_0])).toBe(
			`${INVALID}: unknown opcode 0xffff at instruction 0`,
		);
		// Known class but no such combination: ld.h #imm, ret x, alu op 0xb0, jmp op 0x50, misc 0x0f, ldx [k].
		for (const code of [0x08, 0x0e, 0xb4, 0x55, 0x0f, 0x21, 0x1e, 0x8c, 0xe0]) {
			expect(rejection([insn(code), RET_0])).toBe(
				`${INVALID}: unknown opcode 0x${code.toString(16).padStart(4, "0")} at instruction 0`,
			);
		}
	});

	test("F8: a valid 8192-instruction program is accepted and validated in under 10 ms", () => {
		const program = longValidProgram(8192);
		const wire = encodeFilter(program);
		expect(tryDecodeFilter(wire, ErrorCode.STARTCAPTURE).ok).toBe(true); // warm-up
		const timings: number[] = [];
		for (let run = 0; run < 5; run++) {
			const start = performance.now();
			const result = tryDecodeFilter(wire, ErrorCode.STARTCAPTURE);
			timings.push(performance.now() - start);
			expect(result.ok).toBe(true);
		}
		timings.sort((a, b) => a - b);
		expect(timings[2]!).toBeLessThan(10);
	});

	test("F9: every accepted program terminates within one step per instruction", () => {
		fc.assert(
			fc.property(validProgramArbitrary(), packetArbitrary, (program, packet) => {
				runBpf(program, packet, program.length);
			}),
			{ numRuns: 300 },
		);
	});

	test("stricter rules: shift by 32 or more, scratch read before write, empty program", () => {
		expect(rejection([insn(0x64, 32), RET_0])).toBe(`${INVALID}: shift by constant 32 at instruction 0`);
		expect(rejection([insn(0x74, 31), RET_0])).toBe("accepted");
		expect(rejection([insn(0x60, 3), RET_0])).toBe(
			`${INVALID}: scratch memory M[3] read before it is written at instruction 0`,
		);
		// Written on one path only: the join point may read garbage.
		const onePath = [insn(0x15, 0, 0, 1), insn(0x02, 3), insn(0x60, 3), insn(0x16)];
		expect(rejection(onePath)).toBe(
			`${INVALID}: scratch memory M[3] read before it is written at instruction 2`,
		);
		const bothPaths = [insn(0x02, 3), insn(0x15, 0, 0, 1), insn(0x03, 4), insn(0x60, 3), insn(0x16)];
		expect(rejection(bothPaths)).toBe("accepted");
		expect(validateBpfProgram([])).toBe(INVALID);
		expect(validateBpfProgram(longValidProgram(8193))).toBe(
			"Filter program is larger than the maximum size of 8192 instructions",
		);
		expect(validateBpfProgram(longValidProgram(8193), 10000)).toBeUndefined();
	});

	test("programs libpcap compiles are accepted (tcpdump -dd), protochain's backward jump is not", () => {
		const expressions = [
			"udp and port 9",
			"tcp port 80 or icmp",
			"vlan and ip",
			"ip[2:2] > 100 and ip[0] & 0xf = 5",
			"len > 100",
			"ether host 1:2:3:4:5:6",
			"ip6 and tcp",
			"tcp[tcpflags] & tcp-syn != 0",
			"(tcp and port 22) or (udp and portrange 5000-6000)",
			"ip[0] % 3 = 1 and ip[1] / 2 = 4",
			"net 10.0.0.0/8 and not host 10.1.2.3",
			"greater 64 and less 1500",
			"ip and (ip[6:2] & 0x1fff = 0) and udp[8:4] = 0x12345678",
			"arp or rarp",
			"",
		];
		const compiled = expressions.map((expression) => tcpdumpCompile(expression));
		if (compiled.some((program) => program === null)) {
			// Without tcpdump the reconstructed Appendix B program still has to pass.
			expect(validateBpfProgram(UDP_PORT_9_FILTER)).toBeUndefined();
			return;
		}
		compiled.forEach((program, i) => {
			expect([expressions[i], validateBpfProgram(program!)]).toEqual([expressions[i], undefined]);
		});
		const protochain = tcpdumpCompile("ip protochain 6");
		expect(validateBpfProgram(protochain!)).toMatch(
			/^The filter contains invalid instructions: jump out of range/,
		);
	});
});

function tcpdumpCompile(expression: string): BpfProgram | null {
	const result = Bun.spawnSync(["tcpdump", "-y", "EN10MB", "-dd", expression], { stderr: "ignore" });
	if (!result.success) return null;
	return [...result.stdout.toString().matchAll(/\{ (0x[0-9a-f]+), (\d+), (\d+), (0x[0-9a-f]+) \}/g)].map(
		(m) => insn(Number(m[1]), Number(m[4]), Number(m[2]), Number(m[3])),
	);
}

describe("group E: STARTCAP filter parsing", () => {
	const startcap = (filter: string) => decodeStartcapRequest(hex(`000005dc 000001f4 0000 0000 ${filter}`));
	const filterError = (filter: string) => {
		const { filter: result } = startcap(filter);
		if (result.ok) throw new Error("filter accepted");
		return [result.error.code, result.error.message];
	};

	test("E3: filtertype 0 and 2", () => {
		for (const type of ["0000", "0002"]) {
			expect(filterError(`${type} 0000 00000001 0006 00 00 000005dc`)).toEqual([
				ErrorCode.STARTCAPTURE,
				"Only BPF/NPF filters are currently supported",
			]);
		}
	});

	test("E4: nitems 0, 8192, 8193, 0x20000000, 0xFFFFFFFF", () => {
		expect(filterError("0001 0000 00000000")).toEqual([ErrorCode.STARTCAPTURE, INVALID]);
		const wire = encodeFilter(longValidProgram(8192));
		expect(decodeFilter(wire, ErrorCode.STARTCAPTURE)).toHaveLength(8192);
		for (const nitems of ["00002001", "20000000", "ffffffff"]) {
			// Only the header is present: the size check comes first and nothing is allocated from nitems.
			expect(filterError(`0001 0000 ${nitems} 0006 00 00 000005dc`)).toEqual([
				ErrorCode.STARTCAPTURE,
				"Filter program is larger than the maximum size of 8192 instructions",
			]);
		}
	});

	test("E5: nitems 10 with only 3 instructions", () => {
		expect(
			filterError("0001 0000 0000000a 0028 00 00 0000000c 0015 00 00 00000800 0006 00 00 00000000"),
		).toEqual([ErrorCode.STARTCAPTURE, "Message payload is too short"]);
	});

	test("E1/E2: payload without the 12-byte request or the filter header throws code 12", () => {
		for (const payload of [
			"",
			"000005dc 000001f4 0000",
			"000005dc 000001f4 0000 0000",
			"000005dc 000001f4 0000 0000 0001 0000",
		]) {
			expect(() => decodeStartcapRequest(hex(payload))).toThrow(
				new MalformedMessageError(ErrorCode.STARTCAPTURE, "Message payload is too short"),
			);
		}
	});

	test("UPDATEFILTER plen 4 (G5) and trailing bytes after the program", () => {
		expect(() => decodeUpdateFilterRequest(hex("00010000"))).toThrow("Message payload is too short");
		expect(decodeUpdateFilterRequest(hex("0001 0000 00000001 0006 00 00 00000001 deadbeef"))).toEqual([
			insn(0x06, 1),
		]);
	});
});
