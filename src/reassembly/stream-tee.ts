// Feeds one reassembler's streams to two listeners (e.g. the stream files and the HTTP analyzer).

import type { Direction, DirectionEnd, FlowEndReason, FlowInfo, StreamListener } from "./stream-listener.ts";

export class StreamTee<A, B> implements StreamListener<[A, B]> {
	constructor(
		private readonly first: StreamListener<A>,
		private readonly second: StreamListener<B>,
	) {}

	open(flow: FlowInfo): [A, B] {
		return [this.first.open(flow), this.second.open(flow)];
	}

	data(
		state: [A, B],
		direction: Direction,
		bytes: Uint8Array,
		tsSec: number,
		tsUsec: number,
		ackOffset: number,
	): void {
		this.first.data(state[0], direction, bytes, tsSec, tsUsec, ackOffset);
		this.second.data(state[1], direction, bytes, tsSec, tsUsec, ackOffset);
	}

	gap(state: [A, B], direction: Direction, length: number, tsSec: number, tsUsec: number): void {
		this.first.gap(state[0], direction, length, tsSec, tsUsec);
		this.second.gap(state[1], direction, length, tsSec, tsUsec);
	}

	end(state: [A, B], direction: Direction, how: DirectionEnd, tsSec: number, tsUsec: number): void {
		this.first.end(state[0], direction, how, tsSec, tsUsec);
		this.second.end(state[1], direction, how, tsSec, tsUsec);
	}

	close(state: [A, B], reason: FlowEndReason, tsSec: number, tsUsec: number): void {
		this.first.close(state[0], reason, tsSec, tsUsec);
		this.second.close(state[1], reason, tsSec, tsUsec);
	}
}
