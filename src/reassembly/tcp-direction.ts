// One direction of a TCP connection: sequence numbers to stream offsets, in-order delivery, holes and gaps.

import { RecentBytes } from "./recent-bytes.ts";
import { type InsertResult, SegmentStore } from "./segment-store.ts";
import type { ReassemblyStats } from "./stats.ts";

/** Where a direction hands its ordered bytes; implemented by the flow. */
export interface DirectionOutput {
	deliver(direction: number, bytes: Uint8Array, tsSec: number, tsUsec: number, ackOffset: number): void;
	missing(direction: number, length: number, tsSec: number, tsUsec: number): void;
	finished(direction: number, tsSec: number, tsUsec: number): void;
}

/** Settings and counters shared by every direction of one reassembler. */
export interface DirectionContext {
	readonly stats: ReassemblyStats;
	/** Size of the ring of delivered bytes kept to check retransmissions (0: none). */
	readonly overlapCheckBytes: number;
}

const insertResult: InsertResult = { stored: 0, duplicate: 0, conflict: false };
// Acknowledgements further ahead than this are not believed (garbage or a different connection).
const MAX_ACK_AHEAD = 0x40000000;

export class TcpDirection {
	initialized = false;
	sawSyn = false;
	/** Initial sequence number when the SYN was seen. */
	isn = 0;
	/** Sequence number of stream offset 0. */
	base = 0;
	/** Stream offset of the next byte to deliver. */
	next = 0;
	/** Stream offset where the FIN sits, or -1. */
	finOffset = -1;
	/** True once every byte up to the FIN was delivered or declared missing. */
	finished = false;
	/** Highest offset of this stream the other side acknowledged, or -1. */
	ackedByPeer = -1;
	/** Capture time (seconds) since which the oldest hole has been open. */
	holeSince = 0;
	#store: SegmentStore | undefined;
	#recent: RecentBytes | undefined;

	constructor(
		readonly index: number,
		private readonly context: DirectionContext,
		private readonly output: DirectionOutput,
	) {}

	startAtSyn(seq: number): void {
		this.initialized = true;
		this.sawSyn = true;
		this.isn = seq;
		this.base = (seq + 1) >>> 0;
		this.next = 0;
	}

	/** Picks the stream up mid-way: bytes before `seq` will never be seen. */
	startMidway(seq: number): void {
		this.initialized = true;
		this.base = seq;
		this.next = 0;
	}

	/** Stream offset of a sequence number: the one congruent modulo 2^32 nearest to `next` (wrap-around). */
	offsetOf(seq: number): number {
		return this.next + ((seq - ((this.base + this.next) >>> 0)) | 0);
	}

	noteAck(ack: number): void {
		const offset = this.offsetOf(ack);
		if (offset > this.ackedByPeer && offset - this.next < MAX_ACK_AHEAD) this.ackedByPeer = offset;
	}

	get bufferedBytes(): number {
		return this.#store?.size ?? 0;
	}

	get hasHole(): boolean {
		return this.#store !== undefined && !this.#store.isEmpty;
	}

	/**
	 * Takes `length` captured payload bytes at stream offset `offset`; `cutBytes` more were on the wire but
	 * not captured (snapshot length). Returns the bytes newly buffered (out of order).
	 */
	accept(
		offset: number,
		frame: Uint8Array,
		start: number,
		length: number,
		cutBytes: number,
		tsSec: number,
		tsUsec: number,
		ackOffset: number,
	): number {
		const stats = this.context.stats;
		let end = offset + length;
		const limit = this.finOffset >= 0 ? this.finOffset : Number.POSITIVE_INFINITY;
		if (this.finished || end > limit || offset < 0) {
			const kept = Math.max(0, Math.min(end, limit) - Math.max(offset, 0));
			stats.bytesOutsideStream += length - kept;
			if (kept === 0 || this.finished) return 0;
			if (offset < 0) {
				start -= offset;
				offset = 0;
			}
			end = Math.min(end, limit);
			length = end - offset;
		}
		if (offset < this.next) {
			const overlap = Math.min(this.next, end) - offset;
			stats.duplicateBytes += overlap;
			if (this.#recent?.differs(offset, frame, start, overlap)) stats.conflictingOverlaps++;
			if (end <= this.next) return 0;
			start += overlap;
			length -= overlap;
			offset = this.next;
		}
		if (offset === this.next && (this.#store === undefined || this.#store.isEmpty)) {
			this.#deliver(frame.subarray(start, start + length), tsSec, tsUsec, ackOffset);
			if (cutBytes > 0) this.#cut(cutBytes, tsSec, tsUsec);
			this.#checkFinished(tsSec, tsUsec);
			return 0;
		}
		if (cutBytes > 0) this.context.stats.truncatedSegments++;
		const store = this.#store ?? new SegmentStore();
		this.#store = store;
		if (store.isEmpty) this.holeSince = tsSec + tsUsec / 1e6;
		store.insert(offset, frame, start, length, tsSec, tsUsec, ackOffset, insertResult);
		stats.duplicateBytes += insertResult.duplicate;
		if (insertResult.conflict) stats.conflictingOverlaps++;
		if (offset > this.next) stats.outOfOrderSegments++;
		const stored = insertResult.stored;
		stats.bufferedBytes += stored;
		if (offset === this.next) this.#drain(tsSec, tsUsec);
		return stored;
	}

	/** Records the FIN at `offset` (the stream ends there). */
	finAt(offset: number, tsSec: number, tsUsec: number): void {
		if (this.finOffset < 0 && offset >= this.next) this.finOffset = offset;
		this.#checkFinished(tsSec, tsUsec);
	}

	/** Declares the bytes before the first buffered segment missing and delivers what follows it. */
	skipHole(tsSec: number, tsUsec: number): void {
		const store = this.#store;
		if (store === undefined || store.isEmpty) return;
		const first = store.segments[0]!;
		this.#gap(first.offset - this.next, first.tsSec, first.tsUsec);
		this.#drain(tsSec, tsUsec);
	}

	/**
	 * Ends the direction: every hole becomes a gap, and so do bytes known to exist (up to the FIN, or up to
	 * what the peer acknowledged) that were never seen.
	 */
	finish(tsSec: number, tsUsec: number): void {
		while (this.hasHole) this.skipHole(tsSec, tsUsec);
		// Without a FIN the acknowledgement bounds the data (a lost FIN, which the ACK also covers, shows as
		// one byte more).
		const knownEnd = this.finOffset >= 0 ? this.finOffset : this.ackedByPeer;
		if (knownEnd > this.next) this.#gap(knownEnd - this.next, tsSec, tsUsec);
		this.#recent = undefined;
	}

	#drain(tsSec: number, tsUsec: number): void {
		const store = this.#store!;
		const stats = this.context.stats;
		for (
			let held = store.takeFirstUpTo(this.next);
			held !== undefined;
			held = store.takeFirstUpTo(this.next)
		) {
			stats.bufferedBytes -= held.bytes.length;
			const skip = this.next - held.offset;
			if (skip < held.bytes.length) {
				this.#deliver(held.bytes.subarray(skip), held.tsSec, held.tsUsec, held.ackOffset);
			}
		}
		if (!store.isEmpty) this.holeSince = tsSec + tsUsec / 1e6;
		this.#checkFinished(tsSec, tsUsec);
	}

	#deliver(bytes: Uint8Array, tsSec: number, tsUsec: number, ackOffset: number): void {
		const capacity = this.context.overlapCheckBytes;
		if (capacity > 0) {
			this.#recent ??= new RecentBytes(capacity, this.next);
			this.#recent.append(bytes, 0, bytes.length);
		}
		this.next += bytes.length;
		this.context.stats.bytesDelivered += bytes.length;
		this.output.deliver(this.index, bytes, tsSec, tsUsec, ackOffset);
	}

	#cut(length: number, tsSec: number, tsUsec: number): void {
		this.context.stats.truncatedSegments++;
		this.#gap(length, tsSec, tsUsec);
	}

	#gap(length: number, tsSec: number, tsUsec: number): void {
		if (length <= 0) return;
		this.context.stats.gaps++;
		this.context.stats.gapBytes += length;
		this.#recent?.skip(length);
		this.next += length;
		this.output.missing(this.index, length, tsSec, tsUsec);
	}

	#checkFinished(tsSec: number, tsUsec: number): void {
		if (this.finished || this.finOffset < 0 || this.next < this.finOffset || this.hasHole) return;
		this.finished = true;
		this.output.finished(this.index, tsSec, tsUsec);
	}
}
