// Test support: a StreamListener that records every event, with each direction's bytes and gaps as pieces.

import type {
	Direction,
	DirectionEnd,
	FlowEndReason,
	FlowInfo,
	StreamListener,
} from "../../../src/reassembly/index.ts";
import { concatBytes } from "../../support/bytes.ts";

export type Piece = { bytes: Uint8Array } | { gap: number };

export interface RecordedFlow {
	info: FlowInfo;
	pieces: [Piece[], Piece[]];
	ends: [DirectionEnd | undefined, DirectionEnd | undefined];
	closeReason: FlowEndReason | undefined;
	events: string[];
}

export class RecordingListener implements StreamListener<RecordedFlow> {
	readonly flows: RecordedFlow[] = [];

	open(info: FlowInfo): RecordedFlow {
		const flow: RecordedFlow = {
			info,
			pieces: [[], []],
			ends: [undefined, undefined],
			closeReason: undefined,
			events: [],
		};
		this.flows.push(flow);
		return flow;
	}

	data(flow: RecordedFlow, direction: Direction, bytes: Uint8Array): void {
		flow.pieces[direction].push({ bytes: bytes.slice() });
		flow.events.push(`data${direction}:${bytes.length}`);
	}

	gap(flow: RecordedFlow, direction: Direction, length: number): void {
		flow.pieces[direction].push({ gap: length });
		flow.events.push(`gap${direction}:${length}`);
	}

	end(flow: RecordedFlow, direction: Direction, how: DirectionEnd): void {
		if (flow.ends[direction] !== undefined) throw new Error(`Direction ${direction} ended twice`);
		flow.ends[direction] = how;
		flow.events.push(`end${direction}:${how}`);
	}

	close(flow: RecordedFlow, reason: FlowEndReason): void {
		if (flow.closeReason !== undefined) throw new Error("Flow closed twice");
		flow.closeReason = reason;
		flow.events.push(`close:${reason}`);
	}
}

const decoder = new TextDecoder("latin1");

/** A direction as text, gaps written as "[gap N]". */
export function streamText(flow: RecordedFlow, direction: Direction): string {
	return flow.pieces[direction]
		.map((p) => ("gap" in p ? `[gap ${p.gap}]` : decoder.decode(p.bytes)))
		.join("");
}

/** A direction's bytes with gaps left out. */
export function streamBytes(flow: RecordedFlow, direction: Direction): Uint8Array {
	return concatBytes(...flow.pieces[direction].flatMap((p) => ("bytes" in p ? [p.bytes] : [])));
}
