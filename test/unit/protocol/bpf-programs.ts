// Test helpers: builders and fast-check generators of classic BPF programs.

import fc from "fast-check";
import { type BpfInstruction, validateBpfProgram } from "../../../src/protocol/index.ts";

export function insn(code: number, k = 0, jt = 0, jf = 0): BpfInstruction {
	return { code, jt, jf, k: k >>> 0 };
}

export const RET_0 = insn(0x06, 0);

/** A valid program of exactly `length` instructions: a chain of loads and forward compares, then returns. */
export function longValidProgram(length: number): BpfInstruction[] {
	const program: BpfInstruction[] = [];
	for (let pc = 0; pc < length - 2; pc++) {
		const remaining = length - 1 - pc - 1;
		program.push(pc % 2 === 0 ? insn(0x30, pc % 64) : insn(0x15, pc & 0xff, 0, Math.min(255, remaining)));
	}
	program.push(insn(0x06, 65535), RET_0);
	return program;
}

// Non-jump instructions that are always valid (scratch memory handled by the store-then-load pairs below).
const PLAIN_CODES = [
	0x20, 0x28, 0x30, 0x40, 0x48, 0x50, 0x80, 0x81, 0x00, 0x01, 0xb1, 0x07, 0x87, 0x04, 0x0c, 0x14, 0x1c, 0x24,
	0x2c, 0x3c, 0x44, 0x4c, 0x54, 0x5c, 0x9c, 0xa4, 0xac, 0x84, 0x6c, 0x7c,
];
const JUMP_CODES = [0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d];

/** Random programs that validateBpfProgram accepts: forward jumps, RET #k / RET A exits, M[] writes before reads. */
export function validProgramArbitrary(maxLength = 24): fc.Arbitrary<BpfInstruction[]> {
	return fc
		.integer({ min: 1, max: maxLength })
		.chain((length) =>
			fc.tuple(
				...Array.from({ length }, (_, pc) => {
					const room = length - 1 - pc - 1;
					const ret = fc.oneof(
						fc.integer({ min: 0, max: 3 }).map((k) => insn(0x06, k === 3 ? 1500 : k)),
						fc.constant(insn(0x16)),
					);
					if (pc === length - 1) return ret;
					const options: fc.Arbitrary<BpfInstruction>[] = [
						ret,
						fc
							.tuple(fc.constantFrom(...PLAIN_CODES), fc.integer({ min: 0, max: 40 }))
							.map(([code, k]) => insn(code, code === 0x3c || code === 0x9c ? k + 1 : k)),
						fc.tuple(fc.constantFrom(0x34, 0x94), fc.integer({ min: 1, max: 9 })).map(([c, k]) => insn(c, k)),
						fc
							.tuple(fc.constantFrom(0x64, 0x74), fc.integer({ min: 0, max: 31 }))
							.map(([c, k]) => insn(c, k)),
						fc
							.tuple(fc.constantFrom(0x02, 0x03, 0x60, 0x61), fc.integer({ min: 0, max: 15 }))
							.map(([c, k]) => insn(c, k)),
					];
					if (room >= 0) {
						options.push(
							fc
								.tuple(
									fc.constantFrom(...JUMP_CODES),
									fc.integer({ min: 0, max: 60 }),
									fc.integer({ min: 0, max: Math.min(255, room) }),
									fc.integer({ min: 0, max: Math.min(255, room) }),
								)
								.map(([code, k, jt, jf]) => insn(code, k, jt, jf)),
							fc.integer({ min: 0, max: room }).map((k) => insn(0x05, k)),
						);
					}
					return fc.oneof(...options);
				}),
			),
		)
		.filter((program) => validateBpfProgram(program) === undefined);
}

export const packetArbitrary: fc.Arbitrary<Uint8Array> = fc.uint8Array({ minLength: 0, maxLength: 64 });
