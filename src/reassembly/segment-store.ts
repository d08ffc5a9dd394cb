// Out-of-order segments of one direction, sorted and non-overlapping; the first copy of every byte wins.

export interface HeldSegment {
	/** Stream offset of bytes[0]. */
	offset: number;
	bytes: Uint8Array;
	tsSec: number;
	tsUsec: number;
	/** Peer stream offset acknowledged by the segment that carried these bytes, or -1. */
	ackOffset: number;
}

/** What one insert did, for the caller's counters. */
export interface InsertResult {
	/** New bytes now held. */
	stored: number;
	/** Bytes that were already held. */
	duplicate: number;
	/** True when some already-held byte differs from the new copy. */
	conflict: boolean;
}

export class SegmentStore {
	readonly segments: HeldSegment[] = [];
	/** Bytes held. */
	size = 0;

	/** Copies in the parts of source[start, start+length) at `offset` not held yet. */
	insert(
		offset: number,
		source: Uint8Array,
		start: number,
		length: number,
		tsSec: number,
		tsUsec: number,
		ackOffset: number,
		result: InsertResult,
	): void {
		result.stored = 0;
		result.duplicate = 0;
		result.conflict = false;
		const end = offset + length;
		const list = this.segments;
		let index = this.#firstEndingAfter(offset);
		let cursor = offset;
		while (cursor < end) {
			const held = list[index];
			if (held === undefined || held.offset >= end) {
				this.#hold(index, cursor, end, offset, source, start, tsSec, tsUsec, ackOffset, result);
				break;
			}
			if (held.offset > cursor) {
				this.#hold(index, cursor, held.offset, offset, source, start, tsSec, tsUsec, ackOffset, result);
				index++;
			}
			const heldEnd = held.offset + held.bytes.length;
			const from = Math.max(cursor, held.offset);
			const to = Math.min(end, heldEnd);
			result.duplicate += to - from;
			if (!result.conflict) {
				for (let at = from; at < to; at++) {
					if (held.bytes[at - held.offset] !== source[start + at - offset]) {
						result.conflict = true;
						break;
					}
				}
			}
			cursor = heldEnd;
			index++;
		}
	}

	/** Removes and returns the first segment if it starts at or before `offset`. */
	takeFirstUpTo(offset: number): HeldSegment | undefined {
		const first = this.segments[0];
		if (first === undefined || first.offset > offset) return undefined;
		this.segments.shift();
		this.size -= first.bytes.length;
		return first;
	}

	get firstOffset(): number {
		return this.segments[0]?.offset ?? -1;
	}

	get isEmpty(): boolean {
		return this.segments.length === 0;
	}

	/** Binary search: index of the first held segment whose end is past `offset` (ends are sorted too). */
	#firstEndingAfter(offset: number): number {
		const list = this.segments;
		let low = 0;
		let high = list.length;
		while (low < high) {
			const mid = (low + high) >>> 1;
			const held = list[mid]!;
			if (held.offset + held.bytes.length <= offset) low = mid + 1;
			else high = mid;
		}
		return low;
	}

	#hold(
		index: number,
		from: number,
		to: number,
		offset: number,
		source: Uint8Array,
		start: number,
		tsSec: number,
		tsUsec: number,
		ackOffset: number,
		result: InsertResult,
	): void {
		const bytes = source.slice(start + from - offset, start + to - offset);
		this.segments.splice(index, 0, { offset: from, bytes, tsSec, tsUsec, ackOffset });
		this.size += bytes.length;
		result.stored += bytes.length;
	}
}
