// Test helper: a classic BPF interpreter with libpcap's userland semantics, to check program behaviour.

import type { BpfProgram } from "../../../src/protocol/index.ts";

export class InterpreterError extends Error {}

/** Runs `program` on `packet`; returns the snap length (0 = reject). Throws after `maxSteps` (a loop). */
export function runBpf(program: BpfProgram, packet: Uint8Array, maxSteps = 1_000_000): number {
	let a = 0;
	let x = 0;
	const memory = new Uint32Array(16);
	const load = (offset: number, size: number): number | undefined => {
		if (offset < 0 || offset + size > packet.length) return undefined;
		let value = 0;
		for (let i = 0; i < size; i++) value = (value * 256 + packet[offset + i]!) >>> 0;
		return value;
	};
	let pc = 0;
	for (let steps = 0; steps < maxSteps; steps++) {
		const insn = program[pc];
		if (insn === undefined) throw new InterpreterError(`fell off the program at ${pc}`);
		const { code, jt, jf } = insn;
		const k = insn.k >>> 0;
		pc++;
		const size = [4, 2, 1][(code >> 3) & 3] ?? 0;
		switch (code) {
			case 0x06:
				return k;
			case 0x16:
				return a;
			case 0x0e:
				return x;
			case 0x20:
			case 0x28:
			case 0x30: {
				const v = load(k, size);
				if (v === undefined) return 0;
				a = v;
				break;
			}
			case 0x40:
			case 0x48:
			case 0x50: {
				const v = load(x + k, size);
				if (v === undefined) return 0;
				a = v;
				break;
			}
			case 0x80:
				a = packet.length;
				break;
			case 0x81:
				x = packet.length;
				break;
			case 0x00:
				a = k;
				break;
			case 0x01:
				x = k;
				break;
			case 0x60:
				a = memory[k]!;
				break;
			case 0x61:
				x = memory[k]!;
				break;
			case 0x02:
				memory[k] = a;
				break;
			case 0x03:
				memory[k] = x;
				break;
			case 0xb1: {
				const v = load(k, 1);
				if (v === undefined) return 0;
				x = (v & 0xf) * 4;
				break;
			}
			case 0x07:
				x = a;
				break;
			case 0x87:
				a = x;
				break;
			case 0x05:
				pc += k;
				break;
			default: {
				const cls = code & 7;
				const src = code & 0x08 ? x : k;
				if (cls === 0x05) {
					const op = code & 0xf0;
					const taken =
						op === 0x10
							? a === src
							: op === 0x20
								? a > src
								: op === 0x30
									? a >= src
									: op === 0x40
										? (a & src) !== 0
										: null;
					if (taken === null) throw new InterpreterError(`bad jump 0x${code.toString(16)}`);
					pc += taken ? jt : jf;
					break;
				}
				if (cls === 0x04) {
					const op = code & 0xf0;
					if ((op === 0x30 || op === 0x90) && src === 0) return 0;
					const alu: Record<number, () => number> = {
						0: () => a + src,
						16: () => a - src,
						32: () => Math.imul(a, src),
						48: () => Math.floor(a / src),
						64: () => a | src,
						80: () => a & src,
						96: () => (src >= 32 ? 0 : a << src),
						112: () => (src >= 32 ? 0 : a >>> src),
						128: () => -a,
						144: () => a % src,
						160: () => a ^ src,
					};
					const f = alu[op];
					if (f === undefined) throw new InterpreterError(`bad alu 0x${code.toString(16)}`);
					a = f() >>> 0;
					break;
				}
				throw new InterpreterError(`unknown opcode 0x${code.toString(16)}`);
			}
		}
	}
	throw new InterpreterError("step limit reached");
}
