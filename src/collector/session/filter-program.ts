// The BPF program a STARTCAP carries: the user's expression compiled locally for the sensor's link type, or accept-all.

import { LiveCaptureBackend } from "../../capture/live-backend.ts";
import {
	BPF_K,
	BPF_RET,
	type BpfProgram,
	bpfProgramFromHostBytes,
	validateBpfProgram,
} from "../../protocol/index.ts";
import { SessionError } from "../errors.ts";

/** Compiles `expression` for a sensor whose OPEN_REPLY said `dlt`; host-order bytes as pcap_compile makes them. */
export type FilterCompiler = (dlt: number, snaplen: number, expression: string) => Uint8Array;

/** pcap_compile with a dead handle of the sensor's link type (libpcap's client does the same, §18.3). */
export const libpcapFilterCompiler: FilterCompiler = (dlt, snaplen, expression) =>
	new LiveCaptureBackend().compile(dlt, snaplen, expression);

/**
 * The program for STARTCAP. Without an expression: one `ret #snaplen` inside plen (the correct form of what
 * libpcap's client sends with the §7.7 bug). Throws SessionError("filter") when the expression does not compile
 * or the result does not pass the validator a daemon applies (§8.2).
 */
export function captureProgram(
	compile: FilterCompiler,
	dlt: number,
	snaplen: number,
	expression: string | null,
): BpfProgram {
	if (expression === null || expression.trim() === "")
		return [{ code: BPF_RET | BPF_K, jt: 0, jf: 0, k: snaplen }];
	let program: BpfProgram;
	try {
		program = bpfProgramFromHostBytes(compile(dlt, snaplen, expression));
	} catch (error) {
		throw new SessionError("filter", (error as Error).message);
	}
	const invalid = validateBpfProgram(program);
	if (invalid !== undefined) {
		throw new SessionError(
			"filter",
			`Filter "${expression}" compiled to a program sensors reject: ${invalid}`,
		);
	}
	return program;
}
