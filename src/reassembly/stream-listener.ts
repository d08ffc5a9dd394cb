// What the reassembler reports to its user: flows opening, ordered bytes and gaps each way, ends and closes.

import type { Endpoint } from "./flow-key.ts";

/** 0: client to server, 1: server to client. */
export type Direction = 0 | 1;
export const CLIENT_TO_SERVER: Direction = 0;
export const SERVER_TO_CLIENT: Direction = 1;

export interface FlowInfo {
	/** Order of first appearance, from 0 (the same numbering as Wireshark's tcp.stream). */
	readonly id: number;
	/** The side that sent the SYN; for flows picked up mid-way, a guess (the higher port). */
	readonly client: Endpoint;
	readonly server: Endpoint;
	/** 4 or 6. */
	readonly family: number;
	/** True when no SYN was seen: the start of the data may be missing. */
	readonly midstream: boolean;
	readonly startSec: number;
	readonly startUsec: number;
}

/** Why a flow ended. */
export type FlowEndReason = "closed" | "reset" | "idle" | "evicted" | "superseded" | "flushed";

/** How a direction ended: its FIN reached, or the flow ended before that. */
export type DirectionEnd = "fin" | "cut";

/**
 * Receives the reassembled streams. `open` returns the listener's per-flow state, handed back on every later
 * call for that flow. Byte views passed to `data` are valid only during the call.
 */
export interface StreamListener<State> {
	open(flow: FlowInfo): State;
	/** `ackOffset`: offset in the other direction's stream acknowledged by the segment carrying these bytes, or -1. */
	data(
		state: State,
		direction: Direction,
		bytes: Uint8Array,
		tsSec: number,
		tsUsec: number,
		ackOffset: number,
	): void;
	/** `length` bytes of the direction will never be seen; the stream goes on after them. */
	gap(state: State, direction: Direction, length: number, tsSec: number, tsUsec: number): void;
	end(state: State, direction: Direction, how: DirectionEnd, tsSec: number, tsUsec: number): void;
	close(state: State, reason: FlowEndReason, tsSec: number, tsUsec: number): void;
}
