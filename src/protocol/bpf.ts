// rpcap_filter wire encoding (8-byte header + 8-byte BE instructions) and the host-order bpf_program image.

import type { BpfInstruction, BpfProgram } from "./bpf-program.ts";
import { FILTER_TOO_LARGE_TEXT, validateBpfProgram } from "./bpf-validate.ts";
import { MalformedMessageError, PAYLOAD_TOO_SHORT } from "./errors.ts";
import { MAX_FILTER_INSTRUCTIONS } from "./header.ts";

export const FILTER_HEADER_SIZE = 8;
export const BPF_INSTRUCTION_SIZE = 8;
/** rpcap_filter.filtertype for BPF (RPCAP_UPDATEFILTER_BPF). */
export const RPCAP_FILTER_BPF = 1;
/** Exact reference text (§8.2 check 2). */
export const UNSUPPORTED_FILTER_TYPE_TEXT = "Only BPF/NPF filters are currently supported";

/** Outcome of decoding and validating a filter, for callers that must defer the error (§7.8 order). */
export type FilterDecodeResult =
	| { ok: true; program: BpfProgram }
	| { ok: false; error: MalformedMessageError };

export function filterEncodedLength(program: BpfProgram): number {
	return FILTER_HEADER_SIZE + program.length * BPF_INSTRUCTION_SIZE;
}

/** Writes rpcap_filter + instructions (all BE) at `offset`. */
export function writeFilter(view: DataView, offset: number, program: BpfProgram): void {
	view.setUint16(offset, RPCAP_FILTER_BPF);
	view.setUint16(offset + 2, 0);
	view.setUint32(offset + 4, program.length);
	let at = offset + FILTER_HEADER_SIZE;
	for (const insn of program) {
		view.setUint16(at, insn.code);
		view.setUint8(at + 2, insn.jt);
		view.setUint8(at + 3, insn.jf);
		view.setUint32(at + 4, insn.k >>> 0);
		at += BPF_INSTRUCTION_SIZE;
	}
}

/** The filter bytes on their own (UPDATEFILTER payload, STARTCAP tail). */
export function encodeFilter(program: BpfProgram): Uint8Array {
	const bytes = new Uint8Array(filterEncodedLength(program));
	writeFilter(new DataView(bytes.buffer), 0, program);
	return bytes;
}

/**
 * Decodes and validates a filter (§8.2), never throwing. Checks in the reference's order: header present,
 * filtertype 1, nitems ≤ 8192, every instruction inside `bytes` (checked before anything is allocated), then
 * validateBpfProgram. Failures carry `errorCode` (12 for STARTCAP, 7 for UPDATEFILTER). Trailing bytes after
 * the last instruction are ignored.
 */
export function tryDecodeFilter(bytes: Uint8Array, errorCode: number): FilterDecodeResult {
	const fail = (text: string): FilterDecodeResult => ({
		ok: false,
		error: new MalformedMessageError(errorCode, text),
	});
	if (bytes.length < FILTER_HEADER_SIZE) return fail(PAYLOAD_TOO_SHORT);
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	if (view.getUint16(0) !== RPCAP_FILTER_BPF) return fail(UNSUPPORTED_FILTER_TYPE_TEXT);
	const count = view.getUint32(4);
	if (count > MAX_FILTER_INSTRUCTIONS) return fail(FILTER_TOO_LARGE_TEXT);
	if (count * BPF_INSTRUCTION_SIZE > bytes.length - FILTER_HEADER_SIZE) return fail(PAYLOAD_TOO_SHORT);
	const program: BpfInstruction[] = new Array(count);
	for (let i = 0, at = FILTER_HEADER_SIZE; i < count; i++, at += BPF_INSTRUCTION_SIZE) {
		program[i] = {
			code: view.getUint16(at),
			jt: view.getUint8(at + 2),
			jf: view.getUint8(at + 3),
			k: view.getUint32(at + 4),
		};
	}
	const invalid = validateBpfProgram(program);
	return invalid === undefined ? { ok: true, program } : fail(invalid);
}

/** Like tryDecodeFilter, but throws the MalformedMessageError. */
export function decodeFilter(bytes: Uint8Array, errorCode: number): BpfProgram {
	const result = tryDecodeFilter(bytes, errorCode);
	if (!result.ok) throw result.error;
	return result.program;
}

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The `struct bpf_insn` array a `struct bpf_program` points to: 8 bytes per instruction, u16 code, u8 jt,
 * u8 jf, u32 k, in this host's byte order (for the FFI layer).
 */
export function bpfProgramToHostBytes(program: BpfProgram): Uint8Array {
	const bytes = new Uint8Array(program.length * BPF_INSTRUCTION_SIZE);
	const view = new DataView(bytes.buffer);
	for (let i = 0, at = 0; i < program.length; i++, at += BPF_INSTRUCTION_SIZE) {
		const insn = program[i]!;
		view.setUint16(at, insn.code, HOST_IS_LITTLE_ENDIAN);
		view.setUint8(at + 2, insn.jt);
		view.setUint8(at + 3, insn.jf);
		view.setUint32(at + 4, insn.k >>> 0, HOST_IS_LITTLE_ENDIAN);
	}
	return bytes;
}

/**
 * The inverse of bpfProgramToHostBytes: instructions from a host-order `struct bpf_insn` array (what
 * pcap_compile produced). Trailing bytes that do not fill an instruction are ignored.
 */
export function bpfProgramFromHostBytes(bytes: Uint8Array): BpfInstruction[] {
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const count = Math.floor(bytes.length / BPF_INSTRUCTION_SIZE);
	const program: BpfInstruction[] = new Array(count);
	for (let i = 0, at = 0; i < count; i++, at += BPF_INSTRUCTION_SIZE) {
		program[i] = {
			code: view.getUint16(at, HOST_IS_LITTLE_ENDIAN),
			jt: view.getUint8(at + 2),
			jf: view.getUint8(at + 3),
			k: view.getUint32(at + 4, HOST_IS_LITTLE_ENDIAN),
		};
	}
	return program;
}
