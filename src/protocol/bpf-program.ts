// Classic BPF vocabulary: the instruction type, opcode field constants and instruction constructors.

/**
 * One classic BPF instruction. `code` is a u16 opcode, `jt`/`jf` are u8 forward offsets, `k` is the u32
 * operand stored unsigned (0 … 2^32 − 1). Programs are plain arrays of these objects.
 */
export interface BpfInstruction {
	code: number;
	jt: number;
	jf: number;
	k: number;
}

export type BpfProgram = readonly BpfInstruction[];

// Opcode fields (pcap/bpf.h).
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_RET = 0x06;
export const BPF_MISC = 0x07;

export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;

export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_LEN = 0x80;
export const BPF_MSH = 0xa0;

export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;

export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;

export const BPF_K = 0x00;
export const BPF_X = 0x08;
/** Return-value source for RET (BPF_RVAL). */
export const BPF_A = 0x10;

export const BPF_TAX = 0x00;
export const BPF_TXA = 0x80;

/** Scratch memory words (BPF_MEMWORDS). */
export const BPF_MEMWORDS = 16;

export function bpfClass(code: number): number {
	return code & 0x07;
}

/** A non-jump instruction (BPF_STMT). */
export function bpfStatement(code: number, k: number): BpfInstruction {
	return { code, jt: 0, jf: 0, k: k >>> 0 };
}

/** A jump instruction (BPF_JUMP). */
export function bpfJump(code: number, k: number, jt: number, jf: number): BpfInstruction {
	return { code, jt, jf, k: k >>> 0 };
}
