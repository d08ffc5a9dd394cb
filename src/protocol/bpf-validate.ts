// The BPF program validator of rpcap-protocol.md §8.2 "Ours": forward-only jumps, known opcodes, safe operands.

import {
	BPF_A,
	BPF_ABS,
	BPF_ADD,
	BPF_ALU,
	BPF_AND,
	BPF_B,
	BPF_DIV,
	BPF_H,
	BPF_IMM,
	BPF_IND,
	BPF_JA,
	BPF_JEQ,
	BPF_JGE,
	BPF_JGT,
	BPF_JMP,
	BPF_JSET,
	BPF_K,
	BPF_LD,
	BPF_LDX,
	BPF_LEN,
	BPF_LSH,
	BPF_MEM,
	BPF_MEMWORDS,
	BPF_MISC,
	BPF_MOD,
	BPF_MSH,
	BPF_MUL,
	BPF_NEG,
	BPF_OR,
	BPF_RET,
	BPF_RSH,
	BPF_ST,
	BPF_STX,
	BPF_SUB,
	BPF_TAX,
	BPF_TXA,
	BPF_W,
	BPF_X,
	BPF_XOR,
	type BpfProgram,
} from "./bpf-program.ts";
import { MAX_FILTER_INSTRUCTIONS } from "./header.ts";

/** Exact reference text (§8.2 check 5); ours appends ": <reason> at instruction N". */
export const INVALID_FILTER_TEXT = "The filter contains invalid instructions";
/** Exact reference text (§8.2 check 3). */
export const FILTER_TOO_LARGE_TEXT = "Filter program is larger than the maximum size of 8192 instructions";

// What each accepted opcode needs checked. The accepted set is exactly the opcodes both the Linux kernel
// (bpf_check_classic) and libpcap's userland interpreter implement; anything else makes that interpreter
// abort (CVE-2026-31911 class).
const Kind = {
	Invalid: 0,
	Plain: 1,
	MemoryLoad: 2,
	MemoryStore: 3,
	DivideByConstant: 4,
	ShiftByConstant: 5,
	JumpAlways: 6,
	JumpConditional: 7,
	Return: 8,
} as const;
type Kind = (typeof Kind)[keyof typeof Kind];

const OPCODE_KINDS: Uint8Array = (() => {
	const kinds = new Uint8Array(256);
	const set = (kind: Kind, ...codes: number[]) => {
		for (const code of codes) kinds[code] = kind;
	};
	for (const size of [BPF_W, BPF_H, BPF_B]) set(Kind.Plain, BPF_LD | size | BPF_ABS, BPF_LD | size | BPF_IND);
	set(Kind.Plain, BPF_LD | BPF_W | BPF_LEN, BPF_LDX | BPF_W | BPF_LEN, BPF_LD | BPF_IMM, BPF_LDX | BPF_IMM);
	set(Kind.Plain, BPF_LDX | BPF_B | BPF_MSH, BPF_MISC | BPF_TAX, BPF_MISC | BPF_TXA, BPF_ALU | BPF_NEG);
	set(Kind.MemoryLoad, BPF_LD | BPF_MEM, BPF_LDX | BPF_MEM);
	set(Kind.MemoryStore, BPF_ST, BPF_STX);
	for (const op of [BPF_ADD, BPF_SUB, BPF_MUL, BPF_OR, BPF_AND, BPF_XOR]) {
		set(Kind.Plain, BPF_ALU | op | BPF_K, BPF_ALU | op | BPF_X);
	}
	// Division by a zero register is defined (the result is 0); by a zero constant it is rejected.
	for (const op of [BPF_DIV, BPF_MOD]) {
		set(Kind.DivideByConstant, BPF_ALU | op | BPF_K);
		set(Kind.Plain, BPF_ALU | op | BPF_X);
	}
	for (const op of [BPF_LSH, BPF_RSH]) {
		set(Kind.ShiftByConstant, BPF_ALU | op | BPF_K);
		set(Kind.Plain, BPF_ALU | op | BPF_X);
	}
	set(Kind.JumpAlways, BPF_JMP | BPF_JA);
	for (const op of [BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET]) {
		set(Kind.JumpConditional, BPF_JMP | op | BPF_K, BPF_JMP | op | BPF_X);
	}
	set(Kind.Return, BPF_RET | BPF_K, BPF_RET | BPF_A);
	return kinds;
})();

const ALL_WORDS = 0xffff;

function invalid(reason: string, index: number): string {
	return `${INVALID_FILTER_TEXT}: ${reason} at instruction ${index}`;
}

/**
 * Checks a program against §8.2 "Ours" and returns the error text, or undefined when the program is valid:
 * 1 ≤ length ≤ `maxInstructions`; only known opcodes; every jump lands strictly forward inside the program
 * (computed without wrap-around, so no loops); scratch indices < 16 and no scratch word read before every path
 * to it has written it (as the kernel checks); no DIV/MOD by constant 0; no shift by a constant ≥ 32; the last
 * instruction is RET. Linear in the program length.
 */
export function validateBpfProgram(
	program: BpfProgram,
	maxInstructions = MAX_FILTER_INSTRUCTIONS,
): string | undefined {
	const length = program.length;
	if (length === 0) return INVALID_FILTER_TEXT;
	if (length > maxInstructions) return FILTER_TOO_LARGE_TEXT;
	// written[pc]: scratch words written on every path reaching pc by a jump (AND over jump sources).
	const writtenAtTarget = new Uint16Array(length).fill(ALL_WORDS);
	let written = 0;
	for (let pc = 0; pc < length; pc++) {
		const { code, jt, jf } = program[pc]!;
		const k = program[pc]!.k >>> 0;
		written &= writtenAtTarget[pc]!;
		const kind = opcodeKind(code);
		switch (kind) {
			case Kind.Invalid:
				return invalid(`unknown opcode 0x${code.toString(16).padStart(4, "0")}`, pc);
			case Kind.Plain:
				break;
			case Kind.MemoryLoad:
				if (k >= BPF_MEMWORDS) return invalid(`scratch memory index ${k} out of range`, pc);
				if ((written & (1 << k)) === 0)
					return invalid(`scratch memory M[${k}] read before it is written`, pc);
				break;
			case Kind.MemoryStore:
				if (k >= BPF_MEMWORDS) return invalid(`scratch memory index ${k} out of range`, pc);
				written |= 1 << k;
				break;
			case Kind.DivideByConstant:
				if (k === 0)
					return invalid(`${(code & 0xf0) === BPF_MOD ? "modulo" : "division"} by constant zero`, pc);
				break;
			case Kind.ShiftByConstant:
				if (k >= 32) return invalid(`shift by constant ${k}`, pc);
				break;
			case Kind.JumpAlways: {
				// pc + 1 + k in double precision: exact for every u32 k, so no wrap-around (F1).
				const target = pc + 1 + k;
				if (target >= length) return invalid("jump out of range", pc);
				writtenAtTarget[target]! &= written;
				written = ALL_WORDS;
				break;
			}
			case Kind.JumpConditional: {
				if (!isByte(jt) || !isByte(jf)) return invalid("jump out of range", pc);
				const whenTrue = pc + 1 + jt;
				const whenFalse = pc + 1 + jf;
				if (whenTrue >= length || whenFalse >= length) return invalid("jump out of range", pc);
				writtenAtTarget[whenTrue]! &= written;
				writtenAtTarget[whenFalse]! &= written;
				written = ALL_WORDS;
				break;
			}
			case Kind.Return:
				// Nothing falls through a RET: the next instruction is reached by jumps only.
				written = ALL_WORDS;
				break;
		}
	}
	if (opcodeKind(program[length - 1]!.code) !== Kind.Return) {
		return invalid("last instruction is not a return", length - 1);
	}
	return undefined;
}

function opcodeKind(code: number): Kind {
	return Number.isInteger(code) && code >= 0 && code <= 0xff ? (OPCODE_KINDS[code] as Kind) : Kind.Invalid;
}

function isByte(value: number): boolean {
	return Number.isInteger(value) && value >= 0 && value <= 0xff;
}
