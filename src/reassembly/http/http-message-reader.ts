// Incremental HTTP/1.x message framing for one direction: heads, Content-Length/chunked/close bodies, gaps, resync.

import { ByteAccumulator } from "./byte-accumulator.ts";
import { CHUNKED_DONE, CHUNKED_MALFORMED, ChunkedDecoder } from "./chunked-decoder.ts";
import {
	FRAMING_CHUNKED,
	FRAMING_CLOSE,
	FRAMING_LENGTH,
	FRAMING_TUNNEL,
	type Framing,
	type MessageHandler,
	type MessageStart,
	type ReaderLimits,
	type Side,
} from "./http-framing.ts";
import { findStartLine, type MessageHead, parseHead } from "./http-head.ts";

const S_HEAD = 0;
const S_BODY = 1;
const S_CHUNKED = 2;
const S_CLOSE = 3;
const S_LOST = 4;
const S_TUNNEL = 5;
const S_WAITING = 6;
const S_DONE = 7;

const CR = 13;
const LF = 10;
const MAX_LINE_BYTES = 8192;

type HeldInput =
	| { kind: "data"; bytes: Uint8Array; tsSec: number; tsUsec: number; ackOffset: number }
	| { kind: "gap"; length: number; tsSec: number; tsUsec: number }
	| { kind: "finish"; clean: boolean; tsSec: number; tsUsec: number };

export class HttpMessageReader {
	/** Stream offset of the next byte to read (gaps included). */
	offset = 0;
	#state = S_HEAD;
	readonly #head: ByteAccumulator;
	/** A line feed ended the last head or trailer line, so another one ends the section. */
	#sawLineFeed = false;
	#remaining = 0;
	readonly #line: ByteAccumulator;
	#chunked: ChunkedDecoder | undefined;
	readonly #body = (bytes: Uint8Array): void => this.handler.body(this.side, bytes);
	readonly #start: MessageStart = { tsSec: 0, tsUsec: 0, offset: 0, ackOffset: -1 };
	#tsSec = 0;
	#tsUsec = 0;
	#ackOffset = -1;
	#chunkOffset = 0;
	#waitingHead: MessageHead | undefined;
	#held: HeldInput[] = [];
	#heldBytes = 0;

	constructor(
		readonly side: Side,
		private readonly handler: MessageHandler,
		private readonly limits: ReaderLimits,
	) {
		this.#head = new ByteAccumulator(limits.maxHeadBytes, 256, limits.budget);
		this.#line = new ByteAccumulator(MAX_LINE_BYTES, 128, limits.budget);
	}

	get waiting(): boolean {
		return this.#state === S_WAITING;
	}

	feed(bytes: Uint8Array, tsSec: number, tsUsec: number, ackOffset: number): void {
		if (this.#state === S_WAITING) {
			this.#hold({ kind: "data", bytes: bytes.slice(), tsSec, tsUsec, ackOffset }, bytes.length);
			return;
		}
		this.#tsSec = tsSec;
		this.#tsUsec = tsUsec;
		this.#ackOffset = ackOffset;
		this.#chunkOffset = this.offset;
		const n = bytes.length;
		let i = 0;
		while (i < n) {
			const state = this.#state;
			if (state === S_HEAD) i = this.#readHead(bytes, i);
			else if (state === S_BODY) i = this.#readBody(bytes, i);
			else if (state === S_CHUNKED) i = this.#readChunked(bytes, i);
			else if (state === S_CLOSE) {
				this.handler.body(this.side, bytes.subarray(i));
				i = n;
			} else if (state === S_LOST) i = this.#scan(bytes, i);
			else if (state === S_WAITING) {
				this.offset = this.#chunkOffset + i;
				this.#hold({ kind: "data", bytes: bytes.slice(i), tsSec, tsUsec, ackOffset }, n - i);
				return;
			} else i = n;
		}
		this.offset = this.#chunkOffset + n;
	}

	gap(length: number, tsSec: number, tsUsec: number): void {
		if (this.#state === S_WAITING) {
			this.#hold({ kind: "gap", length, tsSec, tsUsec }, 0);
			return;
		}
		this.offset += length;
		this.#tsSec = tsSec;
		this.#tsUsec = tsUsec;
		const state = this.#state;
		if (state === S_CLOSE) {
			this.handler.bodyMissing(this.side, length);
			return;
		}
		if (state === S_BODY) {
			const remaining = this.#remaining;
			this.handler.bodyMissing(this.side, Math.min(length, remaining));
			this.#remaining -= Math.min(length, remaining);
			if (length < remaining) return;
			// The body ends inside the gap: the message is whole but for the missing bytes.
			this.#endMessage(true);
			if (length === remaining) return;
		} else if (state === S_CHUNKED) {
			const chunked = this.#chunked!;
			const data = chunked.skip(length);
			if (data >= 0) {
				this.handler.bodyMissing(this.side, data);
				return;
			}
			// Past the chunk's data, where the coding goes on is unknown.
			this.handler.bodyMissing(this.side, chunked.remainingData);
			this.#endMessage(false);
		} else if (state === S_TUNNEL || state === S_DONE) {
			return;
		}
		this.#loseSync();
	}

	/** End of the direction: `clean` when its FIN was reached. */
	finish(clean: boolean, tsSec: number, tsUsec: number): void {
		if (this.#state === S_WAITING) {
			this.#hold({ kind: "finish", clean, tsSec, tsUsec }, 0);
			return;
		}
		this.#tsSec = tsSec;
		this.#tsUsec = tsUsec;
		const state = this.#state;
		if (state === S_CLOSE) this.#endMessage(clean);
		else if (state === S_BODY || state === S_CHUNKED) this.#endMessage(false);
		else if (state === S_HEAD && this.#head.length > 0) this.handler.lostSync(this.side, tsSec, tsUsec);
		this.#state = S_DONE;
	}

	/** Stops reading: what follows is not HTTP. */
	stop(): void {
		this.#state = S_TUNNEL;
		this.#dropHeld();
	}

	/** Gives every buffer back to the budget (the reader may still be used; buffers come back on demand). */
	release(): void {
		this.#dropHeld();
		this.#head.release();
		this.#line.release();
		this.#chunked?.release();
	}

	#dropHeld(): void {
		this.limits.budget.give(this.#heldBytes);
		this.#held = [];
		this.#heldBytes = 0;
	}

	/** Asks the handler again for the waiting head's framing, and replays the input held meanwhile. */
	resume(mustDecide = false): void {
		const head = this.#waitingHead;
		if (this.#state !== S_WAITING || head === undefined) return;
		const framing = this.handler.head(this.side, head, this.#start, mustDecide);
		if (framing === undefined) return;
		this.#waitingHead = undefined;
		this.#applyFraming(framing);
		const held = this.#held;
		this.#dropHeld();
		for (let k = 0; k < held.length; k++) {
			const input = held[k]!;
			if (input.kind === "data") this.feed(input.bytes, input.tsSec, input.tsUsec, input.ackOffset);
			else if (input.kind === "gap") this.gap(input.length, input.tsSec, input.tsUsec);
			else this.finish(input.clean, input.tsSec, input.tsUsec);
			if (this.#state === S_WAITING) {
				for (const rest of held.slice(k + 1)) this.#held.push(rest);
				for (const rest of held.slice(k + 1)) {
					if (rest.kind === "data") {
						this.#heldBytes += rest.bytes.length;
						this.limits.budget.force(rest.bytes.length);
					}
				}
				return;
			}
		}
	}

	#hold(input: HeldInput, size: number): void {
		this.#held.push(input);
		this.#heldBytes += size;
		const withinBudget = this.limits.budget.force(size);
		if (this.#heldBytes > this.limits.maxHeldBytes || !withinBudget) this.resume(true);
	}

	#readHead(bytes: Uint8Array, i: number): number {
		const n = bytes.length;
		if (this.#head.length === 0) {
			while (i < n && (bytes[i] === CR || bytes[i] === LF)) i++; // RFC 9112 §2.2: empty lines before a message
			if (i === n) return n;
			this.#markStart(i);
			this.#sawLineFeed = false;
		}
		const from = i;
		let complete = false;
		for (; i < n; i++) {
			const byte = bytes[i]!;
			if (byte === LF) {
				if (this.#sawLineFeed) {
					complete = true;
					i++;
					break;
				}
				this.#sawLineFeed = true;
			} else if (byte !== CR) {
				this.#sawLineFeed = false;
			}
		}
		if (!this.#head.append(bytes, from, i)) return this.#loseSyncAt(i);
		if (!complete) return i;
		const head = parseHead(this.#head.bytes, this.side);
		this.#head.clear();
		if (head === undefined) return this.#loseSyncAt(i);
		const framing = this.handler.head(this.side, head, this.#start, false);
		if (framing === undefined) {
			this.#waitingHead = head;
			this.#state = S_WAITING;
			return i;
		}
		this.#applyFraming(framing);
		return i;
	}

	#markStart(i: number): void {
		this.#start.tsSec = this.#tsSec;
		this.#start.tsUsec = this.#tsUsec;
		this.#start.offset = this.#chunkOffset + i;
		this.#start.ackOffset = this.#ackOffset;
	}

	#applyFraming(framing: Framing): void {
		switch (framing.kind) {
			case FRAMING_LENGTH:
				if (framing.length === 0) {
					this.#endMessage(true);
				} else {
					this.#remaining = framing.length;
					this.#state = S_BODY;
				}
				return;
			case FRAMING_CHUNKED:
				this.#chunked ??= new ChunkedDecoder(this.limits.budget);
				this.#chunked.reset();
				this.#state = S_CHUNKED;
				return;
			case FRAMING_CLOSE:
				this.#state = S_CLOSE;
				return;
			case FRAMING_TUNNEL:
				this.#endMessage(true);
				this.#state = S_TUNNEL;
				return;
			default:
				this.#endMessage(true);
		}
	}

	#readBody(bytes: Uint8Array, i: number): number {
		const take = Math.min(this.#remaining, bytes.length - i);
		this.handler.body(this.side, bytes.subarray(i, i + take));
		this.#remaining -= take;
		if (this.#remaining === 0) this.#endMessage(true);
		return i + take;
	}

	#readChunked(bytes: Uint8Array, i: number): number {
		const chunked = this.#chunked!;
		const next = chunked.decode(bytes, i, this.#body);
		if (chunked.outcome === CHUNKED_DONE) this.#endMessage(true);
		else if (chunked.outcome === CHUNKED_MALFORMED) {
			this.#endMessage(false);
			this.#loseSync();
		}
		return next;
	}

	/** Lost sync: looks at each line for a start line, and resumes there. */
	#scan(bytes: Uint8Array, i: number): number {
		while (i < bytes.length) {
			const lineStart = i;
			if (this.#line.length === 0) this.#markStart(i);
			const next = this.#line.readLine(bytes, i);
			if (next < 0) return bytes.length;
			const lineBytes = this.#line.bytes;
			const at = findStartLine(this.#line.takeLine(), this.side);
			if (at >= 0) {
				this.#start.offset += at;
				this.#head.clear();
				this.#head.append(lineBytes, at, lineBytes.length);
				this.#head.append(bytes, next - 1, next);
				this.#sawLineFeed = true;
				this.#state = S_HEAD;
				return next;
			}
			i = next > lineStart ? next : bytes.length;
		}
		return i;
	}

	#endMessage(framed: boolean): void {
		this.#state = S_HEAD;
		this.#head.clear();
		this.handler.end(this.side, this.#tsSec, this.#tsUsec, framed);
	}

	#loseSync(): void {
		this.#state = S_LOST;
		this.#head.clear();
		this.#line.clear();
		this.handler.lostSync(this.side, this.#tsSec, this.#tsUsec);
	}

	#loseSyncAt(i: number): number {
		this.#loseSync();
		return i;
	}
}
