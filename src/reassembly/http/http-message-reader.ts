// Incremental HTTP/1.x message framing for one direction: heads, Content-Length/chunked/close bodies, gaps, resync.

import { findStartLine, type MessageHead, parseHead } from "./http-head.ts";

export type Side = "request" | "response";

export const FRAMING_NONE = 0;
export const FRAMING_LENGTH = 1;
export const FRAMING_CHUNKED = 2;
/** Body runs to the end of the stream (RFC 9112 §6.3 rule 8). */
export const FRAMING_CLOSE = 3;
/** The message ends at its head and the stream stops being HTTP (CONNECT, 101 Switching Protocols). */
export const FRAMING_TUNNEL = 4;

export interface Framing {
	kind: number;
	/** Body length for FRAMING_LENGTH. */
	length: number;
}

export interface MessageStart {
	tsSec: number;
	tsUsec: number;
	/** Stream offset of the first byte of the start line. */
	offset: number;
	/** Peer stream offset acknowledged by the segment carrying that byte, or -1. */
	ackOffset: number;
}

/** Receives one direction's messages. */
export interface MessageHandler {
	/**
	 * A complete head: returns how its body is framed, or undefined to wait (input is held until resume());
	 * with `mustDecide` the handler has to answer.
	 */
	head(side: Side, head: MessageHead, start: MessageStart, mustDecide: boolean): Framing | undefined;
	body(side: Side, bytes: Uint8Array): void;
	/** Body bytes known to exist that were not captured. */
	bodyMissing(side: Side, length: number): void;
	/** The message ended; `framed` is false when the stream stopped before its framing said it ends. */
	end(side: Side, tsSec: number, tsUsec: number, framed: boolean): void;
	/** Bytes that were not understood or not captured: messages may have been lost before the next start line. */
	lostSync(side: Side, tsSec: number, tsUsec: number): void;
}

export interface ReaderLimits {
	/** Largest head accepted; a longer one loses sync. */
	maxHeadBytes: number;
	/** Input held while the handler waits before deciding a framing. */
	maxHeldBytes: number;
}

const S_HEAD = 0;
const S_BODY = 1;
const S_CHUNK_SIZE = 2;
const S_CHUNK_DATA = 3;
const S_CHUNK_END = 4;
const S_TRAILERS = 5;
const S_CLOSE = 6;
const S_LOST = 7;
const S_TUNNEL = 8;
const S_WAITING = 9;
const S_DONE = 10;

const CR = 13;
const LF = 10;
const MAX_LINE_BYTES = 8192;
const latin1 = new TextDecoder("latin1");
const EMPTY = new Uint8Array(0);

type HeldInput =
	| { kind: "data"; bytes: Uint8Array; tsSec: number; tsUsec: number; ackOffset: number }
	| { kind: "gap"; length: number; tsSec: number; tsUsec: number }
	| { kind: "finish"; clean: boolean; tsSec: number; tsUsec: number };

export class HttpMessageReader {
	/** Stream offset of the next byte to read (gaps included). */
	offset = 0;
	#state = S_HEAD;
	// Buffers are allocated on first use: most flows never need them (memory per flow matters at scale).
	#head = EMPTY;
	#headLength = 0;
	/** A line feed ended the last head or trailer line, so another one ends the section. */
	#sawLineFeed = false;
	#remaining = 0;
	#line = EMPTY;
	#lineLength = 0;
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
	) {}

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
			else if (state === S_BODY || state === S_CHUNK_DATA) i = this.#readBody(bytes, i);
			else if (state === S_CHUNK_SIZE) i = this.#readChunkSize(bytes, i);
			else if (state === S_CHUNK_END) i = this.#readChunkEnd(bytes, i);
			else if (state === S_TRAILERS) i = this.#readTrailers(bytes, i);
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
		if (state === S_BODY || state === S_CHUNK_DATA || state === S_CLOSE) {
			if (state === S_CLOSE || length < this.#remaining) {
				this.handler.bodyMissing(this.side, length);
				if (state !== S_CLOSE) this.#remaining -= length;
				return;
			}
			this.handler.bodyMissing(this.side, this.#remaining);
			const exact = length === this.#remaining;
			// A Content-Length body ends inside the gap; a chunked one's framing after it is unknown.
			this.#endMessage(state === S_BODY);
			if (state === S_BODY && exact) return;
		} else if (state === S_CHUNK_SIZE || state === S_CHUNK_END || state === S_TRAILERS) {
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
		else if (state === S_BODY || (state >= S_CHUNK_SIZE && state <= S_TRAILERS)) this.#endMessage(false);
		else if (state === S_HEAD && this.#headLength > 0) this.handler.lostSync(this.side, tsSec, tsUsec);
		this.#state = S_DONE;
	}

	/** Stops reading: what follows is not HTTP. */
	stop(): void {
		this.#state = S_TUNNEL;
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
		this.#held = [];
		this.#heldBytes = 0;
		for (let k = 0; k < held.length; k++) {
			const input = held[k]!;
			if (input.kind === "data") this.feed(input.bytes, input.tsSec, input.tsUsec, input.ackOffset);
			else if (input.kind === "gap") this.gap(input.length, input.tsSec, input.tsUsec);
			else this.finish(input.clean, input.tsSec, input.tsUsec);
			if (this.#state === S_WAITING) {
				this.#held.push(...held.slice(k + 1));
				for (const rest of held.slice(k + 1)) if (rest.kind === "data") this.#heldBytes += rest.bytes.length;
				return;
			}
		}
	}

	#hold(input: HeldInput, size: number): void {
		this.#held.push(input);
		this.#heldBytes += size;
		if (this.#heldBytes > this.limits.maxHeldBytes) this.resume(true);
	}

	#readHead(bytes: Uint8Array, i: number): number {
		const n = bytes.length;
		if (this.#headLength === 0) {
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
		if (!this.#appendHead(bytes, from, i)) return this.#loseSyncAt(i);
		if (!complete) return i;
		const head = parseHead(this.#head.subarray(0, this.#headLength), this.side);
		this.#headLength = 0;
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

	#appendHead(bytes: Uint8Array, from: number, to: number): boolean {
		const needed = this.#headLength + to - from;
		if (needed > this.limits.maxHeadBytes) {
			this.#headLength = 0;
			return false;
		}
		if (needed > this.#head.length) {
			const grown = new Uint8Array(
				Math.min(this.limits.maxHeadBytes, Math.max(needed, 256, this.#head.length * 2)),
			);
			grown.set(this.#head.subarray(0, this.#headLength));
			this.#head = grown;
		}
		this.#head.set(bytes.subarray(from, to), this.#headLength);
		this.#headLength = needed;
		return true;
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
				this.#lineLength = 0;
				this.#state = S_CHUNK_SIZE;
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
		if (this.#remaining === 0) {
			if (this.#state === S_BODY) {
				this.#endMessage(true);
			} else {
				this.#state = S_CHUNK_END;
			}
		}
		return i + take;
	}

	/** Accumulates a line; returns the index after its LF, or -1 (all consumed) when it goes on. */
	#readLine(bytes: Uint8Array, i: number): number {
		const n = bytes.length;
		let end = i;
		while (end < n && bytes[end] !== LF) end++;
		const length = Math.min(end, i + MAX_LINE_BYTES) - i;
		if (this.#lineLength + length > this.#line.length) {
			const grown = new Uint8Array(
				Math.min(MAX_LINE_BYTES, Math.max(this.#lineLength + length, 128, this.#line.length * 2)),
			);
			grown.set(this.#line.subarray(0, this.#lineLength));
			this.#line = grown;
		}
		const room = Math.min(length, this.#line.length - this.#lineLength);
		this.#line.set(bytes.subarray(i, i + room), this.#lineLength);
		this.#lineLength += room;
		return end < n ? end + 1 : -1;
	}

	#lineText(): string {
		let length = this.#lineLength;
		if (length > 0 && this.#line[length - 1] === CR) length--;
		this.#lineLength = 0;
		return latin1.decode(this.#line.subarray(0, length));
	}

	#readChunkSize(bytes: Uint8Array, i: number): number {
		const next = this.#readLine(bytes, i);
		if (next < 0) return bytes.length;
		const text = this.#lineText();
		const size = (text.split(";")[0] ?? "").trim();
		if (!/^[0-9a-fA-F]{1,12}$/.test(size)) {
			this.#endMessage(false);
			return this.#loseSyncAt(next);
		}
		this.#remaining = Number.parseInt(size, 16);
		if (this.#remaining === 0) {
			this.#sawLineFeed = true;
			this.#state = S_TRAILERS;
		} else {
			this.#state = S_CHUNK_DATA;
		}
		return next;
	}

	#readChunkEnd(bytes: Uint8Array, i: number): number {
		const byte = bytes[i];
		if (byte === CR) return i + 1;
		if (byte === LF) {
			this.#lineLength = 0;
			this.#state = S_CHUNK_SIZE;
			return i + 1;
		}
		this.#endMessage(false);
		return this.#loseSyncAt(i);
	}

	#readTrailers(bytes: Uint8Array, i: number): number {
		const n = bytes.length;
		for (; i < n; i++) {
			const byte = bytes[i]!;
			if (byte === LF) {
				if (this.#sawLineFeed) {
					this.#endMessage(true);
					return i + 1;
				}
				this.#sawLineFeed = true;
			} else if (byte !== CR) {
				this.#sawLineFeed = false;
			}
		}
		return n;
	}

	/** Lost sync: looks at each line for a start line, and resumes there. */
	#scan(bytes: Uint8Array, i: number): number {
		while (i < bytes.length) {
			const lineStart = i;
			if (this.#lineLength === 0) this.#markStart(i);
			const next = this.#readLine(bytes, i);
			if (next < 0) return bytes.length;
			const lineBytes = this.#line.subarray(0, this.#lineLength);
			const at = findStartLine(this.#lineText(), this.side);
			if (at >= 0) {
				this.#start.offset += at;
				this.#headLength = 0;
				this.#appendHead(lineBytes, at, lineBytes.length);
				this.#appendHead(bytes, next - 1, next);
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
		this.#headLength = 0;
		this.handler.end(this.side, this.#tsSec, this.#tsUsec, framed);
	}

	#loseSync(): void {
		this.#state = S_LOST;
		this.#headLength = 0;
		this.#lineLength = 0;
		this.handler.lostSync(this.side, this.#tsSec, this.#tsUsec);
	}

	#loseSyncAt(i: number): number {
		this.#loseSync();
		return i;
	}
}
