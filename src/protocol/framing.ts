// Turns arbitrary TCP chunks into whole RPCAP messages, with a payload cap and the §7.7 no-filter tolerance.

import { HEADER_SIZE, MAX_REQUEST_PAYLOAD, MessageType, type RpcapHeader, readHeader } from "./header.ts";

export interface FramerOptions {
	/** Largest accepted `plen` (default 262144, the §1.2 cap for client-to-daemon messages). */
	maxPayloadLength?: number;
	/** Apply the §7.7 libpcap no-filter STARTCAP tolerance (daemon side; default off). */
	tolerateNoFilterStartcap?: boolean;
}

export type FramerEvent =
	/**
	 * A whole message. `payload` is a view into a pushed chunk when the message arrived in one piece,
	 * otherwise a new buffer; it stays valid forever. `toleratedNoFilterStartcap`: a §7.7 STARTCAP whose
	 * 8 stray bytes were appended (payload 28 bytes, header plen still 20); log it once per connection.
	 */
	| { kind: "message"; header: RpcapHeader; payload: Uint8Array; toleratedNoFilterStartcap: boolean }
	/** `plen` above the cap: send "Message payload is too large" and close. Sticky; later input is dropped. */
	| { kind: "oversized"; header: RpcapHeader }
	/**
	 * A §7.7-shaped STARTCAP waits for its 8 stray bytes. Start a 1 s timer; when it fires and the framer is
	 * still holding, call releaseHeldMessage() and next() again to get the message as is (plen 20).
	 */
	| { kind: "held"; header: RpcapHeader }
	/** More bytes are needed. */
	| { kind: "incomplete" };

const INCOMPLETE: FramerEvent = Object.freeze({ kind: "incomplete" });
const EMPTY = new Uint8Array(0);
// Chunks smaller than this are copied into a shared accumulator so that a peer sending 1-byte segments
// costs one byte each, not one array object each.
const SMALL_CHUNK = 1024;
const ACCUMULATOR_SIZE = 16384;
// §7.7 shape: STARTCAP, plen = 12 + 8, filtertype 1, nitems 1; the stray instruction must be `ret #k`.
const NO_FILTER_PLEN = 20;
const STRAY_INSTRUCTION_SIZE = 8;
const RET_K_PREFIX = [0x00, 0x06, 0x00, 0x00];

/**
 * Byte-stream state machine (header → payload) for one connection direction. Memory: a caller that drains
 * next() after every push() holds at most one message (≤ cap + 8 header + 8 stray §7.7 bytes) plus the
 * unread part of the last chunk; nothing is ever allocated from an unchecked `plen`.
 */
export class MessageFramer {
	private readonly maxPayloadLength: number;
	private readonly tolerateNoFilterStartcap: boolean;
	private chunks: Uint8Array[] = [];
	private firstChunk = 0;
	private firstOffset = 0;
	private buffered = 0;
	private accumulator: Uint8Array | null = null;
	private accumulatorUsed = 0;
	private tailInAccumulator = false;
	private tailStart = 0;
	private readonly headerScratch = new Uint8Array(HEADER_SIZE);
	private header: RpcapHeader | null = null;
	private oversizedHeader: RpcapHeader | null = null;
	private holding = false;
	private releaseRequested = false;

	constructor(options: FramerOptions = {}) {
		this.maxPayloadLength = options.maxPayloadLength ?? MAX_REQUEST_PAYLOAD;
		this.tolerateNoFilterStartcap = options.tolerateNoFilterStartcap ?? false;
	}

	/** Bytes received and not yet returned in a message (the parsed header excluded). */
	get bufferedByteCount(): number {
		return this.buffered;
	}

	/** A §7.7 STARTCAP is waiting for its stray bytes (see the "held" event). */
	get isHolding(): boolean {
		return this.holding;
	}

	/** True when EOF now would cut a message (a header or payload has started arriving). */
	get hasPartialMessage(): boolean {
		return this.header !== null || this.buffered > 0;
	}

	/** Adds received bytes. The framer may keep a view of `chunk`: do not modify it afterwards. */
	push(chunk: Uint8Array): void {
		if (this.oversizedHeader !== null || chunk.length === 0) return;
		this.buffered += chunk.length;
		if (chunk.length >= SMALL_CHUNK) {
			this.chunks.push(chunk);
			this.tailInAccumulator = false;
			return;
		}
		if (this.accumulator === null || ACCUMULATOR_SIZE - this.accumulatorUsed < chunk.length) {
			this.accumulator = new Uint8Array(ACCUMULATOR_SIZE);
			this.accumulatorUsed = 0;
			this.tailInAccumulator = false;
		}
		const accumulator = this.accumulator;
		accumulator.set(chunk, this.accumulatorUsed);
		this.accumulatorUsed += chunk.length;
		// Bytes already written to the accumulator are never overwritten, so views handed out stay valid.
		if (this.tailInAccumulator) {
			this.chunks[this.chunks.length - 1] = accumulator.subarray(this.tailStart, this.accumulatorUsed);
		} else {
			this.tailStart = this.accumulatorUsed - chunk.length;
			this.chunks.push(accumulator.subarray(this.tailStart, this.accumulatorUsed));
			this.tailInAccumulator = true;
		}
	}

	/** The next event; call repeatedly until it is "incomplete", "held" or "oversized". */
	next(): FramerEvent {
		if (this.oversizedHeader !== null) return { kind: "oversized", header: this.oversizedHeader };
		if (this.header === null) {
			if (this.buffered < HEADER_SIZE) return INCOMPLETE;
			this.copyOut(this.headerScratch, 0, HEADER_SIZE);
			this.consume(HEADER_SIZE);
			const header = readHeader(this.headerScratch);
			if (header.payloadLength > this.maxPayloadLength) {
				this.oversizedHeader = header;
				this.discardAll();
				return { kind: "oversized", header };
			}
			this.header = header;
		}
		const header = this.header;
		if (this.buffered < header.payloadLength) return INCOMPLETE;
		if (this.tolerateNoFilterStartcap && this.isNoFilterStartcap(header)) {
			const decision = this.strayInstructionDecision();
			if (decision === "wait" && !this.releaseRequested) {
				this.holding = true;
				return { kind: "held", header };
			}
			if (decision === "append") return this.deliver(header, NO_FILTER_PLEN + STRAY_INSTRUCTION_SIZE, true);
		}
		return this.deliver(header, header.payloadLength, false);
	}

	/** After the §7.7 wait expired: the next next() returns the held STARTCAP as is. No effect when not holding. */
	releaseHeldMessage(): void {
		if (this.holding) this.releaseRequested = true;
	}

	private deliver(header: RpcapHeader, length: number, tolerated: boolean): FramerEvent {
		const payload = this.take(length);
		this.header = null;
		this.holding = false;
		this.releaseRequested = false;
		return { kind: "message", header, payload, toleratedNoFilterStartcap: tolerated };
	}

	private isNoFilterStartcap(header: RpcapHeader): boolean {
		return (
			header.type === MessageType.STARTCAP_REQ &&
			header.payloadLength === NO_FILTER_PLEN &&
			this.byteAt(12) === 0 &&
			this.byteAt(13) === 1 &&
			this.byteAt(16) === 0 &&
			this.byteAt(17) === 0 &&
			this.byteAt(18) === 0 &&
			this.byteAt(19) === 1
		);
	}

	// Decides as early as the bytes allow: a mismatch in the bytes present already settles it.
	private strayInstructionDecision(): "append" | "as-is" | "wait" {
		const extra = this.buffered - NO_FILTER_PLEN;
		for (let i = 0; i < Math.min(extra, RET_K_PREFIX.length); i++) {
			if (this.byteAt(NO_FILTER_PLEN + i) !== RET_K_PREFIX[i]) return "as-is";
		}
		return extra >= STRAY_INSTRUCTION_SIZE ? "append" : "wait";
	}

	private byteAt(position: number): number {
		let remaining = position + this.firstOffset;
		for (let i = this.firstChunk; i < this.chunks.length; i++) {
			const chunk = this.chunks[i]!;
			if (remaining < chunk.length) return chunk[remaining]!;
			remaining -= chunk.length;
		}
		return -1;
	}

	private copyOut(target: Uint8Array, targetOffset: number, count: number): void {
		let written = 0;
		let offset = this.firstOffset;
		for (let i = this.firstChunk; written < count; i++) {
			const chunk = this.chunks[i]!;
			const n = Math.min(chunk.length - offset, count - written);
			target.set(chunk.subarray(offset, offset + n), targetOffset + written);
			written += n;
			offset = 0;
		}
	}

	private take(count: number): Uint8Array {
		if (count === 0) return EMPTY;
		const first = this.chunks[this.firstChunk]!;
		let result: Uint8Array;
		if (first.length - this.firstOffset >= count) {
			result = first.subarray(this.firstOffset, this.firstOffset + count);
		} else {
			result = new Uint8Array(count);
			this.copyOut(result, 0, count);
		}
		this.consume(count);
		return result;
	}

	private consume(count: number): void {
		this.buffered -= count;
		let remaining = count;
		while (remaining > 0) {
			const available = this.chunks[this.firstChunk]!.length - this.firstOffset;
			if (remaining < available) {
				this.firstOffset += remaining;
				return;
			}
			remaining -= available;
			this.firstChunk++;
			this.firstOffset = 0;
		}
		if (this.firstChunk === this.chunks.length) {
			this.chunks = [];
			this.firstChunk = 0;
			this.tailInAccumulator = false;
		} else if (this.firstChunk >= 64 && this.firstChunk * 2 >= this.chunks.length) {
			this.chunks = this.chunks.slice(this.firstChunk);
			this.firstChunk = 0;
		}
	}

	private discardAll(): void {
		this.chunks = [];
		this.firstChunk = 0;
		this.firstOffset = 0;
		this.buffered = 0;
		this.accumulator = null;
		this.tailInAccumulator = false;
	}
}
