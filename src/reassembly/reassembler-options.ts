// Limits and timeouts of the TCP reassembler, their defaults and validation.

import { ReassemblyOptionError } from "./errors.ts";

export interface ReassemblerOptions {
	/** Flows tracked at once; past it the least recently active flow is evicted (counted). */
	maxFlows?: number;
	/** Out-of-order bytes held over all flows; past it holes are declared gaps, oldest flows first. */
	maxBufferBytes?: number;
	/** Out-of-order bytes held by one flow; past it its holes are declared gaps. */
	maxFlowBufferBytes?: number;
	/** Seconds of capture time without a packet after which a flow ends. */
	idleTimeout?: number;
	/** Seconds a flow waits after FIN/FIN or RST for missing segments, and absorbs late packets. */
	closeTimeout?: number;
	/** Seconds a hole may stay open before its bytes are declared missing. */
	holeTimeout?: number;
	/** Delivered bytes kept per direction to detect retransmissions that differ from the first copy. */
	overlapCheckBytes?: number;
}

export type ResolvedReassemblerOptions = Required<ReassemblerOptions>;

export const DEFAULT_REASSEMBLER_OPTIONS: ResolvedReassemblerOptions = {
	maxFlows: 65_536,
	maxBufferBytes: 256 * 1024 * 1024,
	maxFlowBufferBytes: 8 * 1024 * 1024,
	idleTimeout: 300,
	closeTimeout: 10,
	holeTimeout: 30,
	overlapCheckBytes: 1024,
};

export function resolveReassemblerOptions(options: ReassemblerOptions = {}): ResolvedReassemblerOptions {
	const resolved = { ...DEFAULT_REASSEMBLER_OPTIONS };
	for (const name of Object.keys(resolved) as (keyof ReassemblerOptions)[]) {
		const value = options[name];
		if (value === undefined) continue;
		const minimum = name === "maxFlows" ? 1 : 0;
		if (typeof value !== "number" || Number.isNaN(value) || value < minimum) {
			throw new ReassemblyOptionError(name, value, `a number of at least ${minimum}`);
		}
		const integral = name !== "idleTimeout" && name !== "closeTimeout" && name !== "holeTimeout";
		if (integral && !Number.isInteger(value)) throw new ReassemblyOptionError(name, value, "an integer");
		resolved[name] = value;
	}
	resolved.maxFlowBufferBytes = Math.min(resolved.maxFlowBufferBytes, resolved.maxBufferBytes);
	return resolved;
}

/** "64M", "512k", "1048576": a byte count with an optional k/M/G (powers of 1024) suffix; null when it is not one. */
export function parseByteSize(text: string): number | null {
	const match = /^(\d+)([kKmMgG]?)[bB]?$/.exec(text.trim());
	if (match === null) return null;
	const unit = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2]!.toLowerCase()] ?? 1;
	return Number(match[1]) * unit;
}
