// andPrograms: one BPF program that runs `second` only for packets `first` accepts.

import {
	BPF_A,
	BPF_IMM,
	BPF_JA,
	BPF_JEQ,
	BPF_JMP,
	BPF_K,
	BPF_LD,
	BPF_LDX,
	BPF_MISC,
	BPF_RET,
	BPF_TXA,
	BPF_X,
	type BpfInstruction,
	type BpfProgram,
	bpfClass,
	bpfJump,
	bpfStatement,
} from "./bpf-program.ts";

const RET_SOURCE_MASK = 0x18;

/**
 * Concatenates `first` and `second` so that a packet is accepted only if `first` accepts it, and then with
 * `second`'s return value. Inputs must be valid programs (validateBpfProgram); the result is then valid too,
 * with at most first.length + second.length + 5 instructions (callers check any length limit themselves).
 *
 * Layout: first' | [txa] | [jeq #0 jt 0 jf 1 ; ret #0] | ld #0 ; ldx #0 | second.
 * - In first', `ret #0` stays; `ret #k` (k ≠ 0) becomes `ja` to the `ld #0` that starts the second part.
 * - `ret A` and `ret X` return a snap length computed at run time: nonzero accepts, as for any RET. They become
 *   `ja` to a trailer that tests the value (`txa` first for X) and returns 0 or falls into the second part. Every
 *   jump is a `ja` with a 32-bit offset, so no conditional 8-bit offset can overflow however long first is.
 * - `ld #0 ; ldx #0` restore the zero A and X a program starts with, so `second` behaves exactly as alone.
 *   Scratch memory needs no reset: a valid program never reads a word before writing it.
 * Jumps inside first' are unchanged because every replaced RET is still one instruction.
 */
export function andPrograms(first: BpfProgram, second: BpfProgram): BpfInstruction[] {
	const returnsX = first.some((insn) => isReturnFrom(insn, BPF_X));
	const returnsA = returnsX || first.some((insn) => isReturnFrom(insn, BPF_A));
	const txaAt = first.length;
	const testAt = txaAt + (returnsX ? 1 : 0);
	const secondAt = testAt + (returnsA ? 2 : 0);
	const jumpTo = (from: number, target: number) => bpfStatement(BPF_JMP | BPF_JA, target - from - 1);

	const result: BpfInstruction[] = first.map((insn, pc) => {
		if (bpfClass(insn.code) !== BPF_RET) return { ...insn };
		switch (insn.code & RET_SOURCE_MASK) {
			case BPF_K:
				return insn.k === 0 ? { ...insn } : jumpTo(pc, secondAt);
			case BPF_A:
				return jumpTo(pc, testAt);
			case BPF_X:
				return jumpTo(pc, txaAt);
			default:
				return { ...insn };
		}
	});
	if (returnsX) result.push(bpfStatement(BPF_MISC | BPF_TXA, 0));
	if (returnsA) result.push(bpfJump(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), bpfStatement(BPF_RET | BPF_K, 0));
	result.push(bpfStatement(BPF_LD | BPF_IMM, 0), bpfStatement(BPF_LDX | BPF_IMM, 0));
	for (const insn of second) result.push({ ...insn });
	return result;
}

function isReturnFrom(insn: BpfInstruction, source: number): boolean {
	return bpfClass(insn.code) === BPF_RET && (insn.code & RET_SOURCE_MASK) === source;
}
