// One TCP connection: roles, both directions, SYN/FIN/RST handling and the end of the flow.

import type { Endpoint } from "./flow-key.ts";
import type { OrderedFlow } from "./flow-order.ts";
import type { Direction, FlowEndReason, FlowInfo, StreamListener } from "./stream-listener.ts";
import { type DirectionContext, type DirectionOutput, TcpDirection } from "./tcp-direction.ts";
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type TcpSegment } from "./tcp-segment.ts";

/** handle() result: the segment was taken. */
export const SEGMENT_HANDLED = 0;
/** handle() result: a SYN opening a new connection on this 5-tuple: end this flow and start another. */
export const SEGMENT_NEW_CONNECTION = 1;

export class TcpFlow<State> implements DirectionOutput, OrderedFlow {
	older: OrderedFlow | undefined;
	newer: OrderedFlow | undefined;
	ordered = false;
	readonly directions: [TcpDirection, TcpDirection];
	readonly state: State;
	/** Capture time (seconds) of the last packet. */
	lastSeen: number;
	/** Capture time since which the flow waits to close (both FINs or a RST seen), or -1. */
	closingSince = -1;
	closed = false;
	reset = false;
	/** Member of the reassembler's closing queue. */
	queuedForClose = false;
	/** Member of the reassembler's queue of flows with holes. */
	listedWithHoles = false;

	constructor(
		readonly key: string,
		readonly info: FlowInfo,
		/** True when the client is the first endpoint of the key. */
		readonly clientIsFirst: boolean,
		context: DirectionContext,
		private readonly listener: StreamListener<State>,
		now: number,
	) {
		this.directions = [new TcpDirection(0, context, this), new TcpDirection(1, context, this)];
		this.lastSeen = now;
		this.state = listener.open(info);
	}

	/** Processes a segment sent from the key's first endpoint when `fromFirst`. */
	handle(segment: TcpSegment, fromFirst: boolean, tsSec: number, tsUsec: number, now: number): number {
		const index = fromFirst === this.clientIsFirst ? 0 : 1;
		const own = this.directions[index]!;
		const peer = this.directions[1 - index]!;
		const flags = segment.flags;
		if (now > this.lastSeen) this.lastSeen = now;
		if (flags & TCP_SYN) {
			const reused = this.closed || this.reset || (own.sawSyn && segment.seq !== own.isn);
			if (reused && !(flags & TCP_ACK)) return SEGMENT_NEW_CONNECTION;
			if (!own.initialized) own.startAtSyn(segment.seq);
		} else if (!own.initialized) {
			own.startMidway(segment.seq);
		}
		if (this.closed) return SEGMENT_HANDLED;
		if (flags & TCP_ACK && peer.initialized) peer.noteAck(segment.ack);
		let offset = own.offsetOf(segment.seq);
		if (flags & TCP_SYN) offset++;
		const ackOffset = flags & TCP_ACK && peer.initialized ? peer.offsetOf(segment.ack) : -1;
		if (segment.wirePayloadLength > 0 && !this.reset) {
			const cut = segment.wirePayloadLength - segment.payloadLength;
			const frame = segment.frame;
			own.accept(offset, frame, segment.payloadOffset, segment.payloadLength, cut, tsSec, tsUsec, ackOffset);
		}
		if (flags & TCP_FIN) own.finAt(offset + segment.wirePayloadLength, tsSec, tsUsec);
		if (flags & TCP_RST) this.reset = true;
		if (this.closingSince < 0 && (this.reset || (own.finOffset >= 0 && peer.finOffset >= 0))) {
			this.closingSince = now;
		}
		return SEGMENT_HANDLED;
	}

	/** True once the flow can end without losing anything: both FINs reached, or a RST and no holes. */
	get readyToClose(): boolean {
		const [a, b] = this.directions;
		if (this.reset) return !a.hasHole && !b.hasHole;
		return a.finished && b.finished;
	}

	get hasHole(): boolean {
		return this.directions[0].hasHole || this.directions[1].hasHole;
	}

	get bufferedBytes(): number {
		return this.directions[0].bufferedBytes + this.directions[1].bufferedBytes;
	}

	/** Ends the flow: holes become gaps, unfinished directions end as "cut", then the listener's close. */
	finish(reason: FlowEndReason, tsSec: number, tsUsec: number): void {
		if (this.closed) return;
		this.closed = true;
		for (const direction of this.directions) {
			direction.finish(tsSec, tsUsec);
			if (!direction.finished)
				this.listener.end(this.state, direction.index as Direction, "cut", tsSec, tsUsec);
		}
		this.listener.close(this.state, reason, tsSec, tsUsec);
	}

	deliver(direction: number, bytes: Uint8Array, tsSec: number, tsUsec: number, ackOffset: number): void {
		this.listener.data(this.state, direction as Direction, bytes, tsSec, tsUsec, ackOffset);
	}

	missing(direction: number, length: number, tsSec: number, tsUsec: number): void {
		this.listener.gap(this.state, direction as Direction, length, tsSec, tsUsec);
	}

	finished(direction: number, tsSec: number, tsUsec: number): void {
		this.listener.end(this.state, direction as Direction, "fin", tsSec, tsUsec);
	}
}

/** Roles from the first segment: the SYN's sender is the client; mid-way, the higher port is. */
export function assignRoles(
	segment: TcpSegment,
	source: Endpoint,
	destination: Endpoint,
): { client: Endpoint; server: Endpoint; sourceIsClient: boolean; midstream: boolean } {
	const syn = (segment.flags & TCP_SYN) !== 0;
	const ack = (segment.flags & TCP_ACK) !== 0;
	let sourceIsClient: boolean;
	if (syn) sourceIsClient = !ack;
	else sourceIsClient = segment.srcPort !== segment.dstPort ? segment.srcPort > segment.dstPort : true;
	return {
		client: sourceIsClient ? source : destination,
		server: sourceIsClient ? destination : source,
		sourceIsClient,
		midstream: !syn,
	};
}
