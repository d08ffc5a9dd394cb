// How an HTTP/1.x message body is delimited (RFC 9112 §6.3), and the interface between reader and connection.

import {
	contentLength,
	type HeaderList,
	hasTransferEncoding,
	isChunked,
	type MessageHead,
} from "./http-head.ts";
import type { MemoryBudget } from "./memory-budget.ts";

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

/** Receives one direction's messages from an HttpMessageReader. */
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
	/** Shared by every reader of an analyzer: heads, lines and held input. */
	budget: MemoryBudget;
}

/** RFC 9112 §6.3 rules 4-7 for requests: chunked wins over Content-Length; no length means no body. */
export function requestFraming(headers: HeaderList): Framing {
	if (isChunked(headers)) return { kind: FRAMING_CHUNKED, length: 0 };
	return { kind: FRAMING_LENGTH, length: Math.max(0, contentLength(headers)) };
}

/** RFC 9112 §6.3 rules 1-8 for a response to `method` (null when the request is unknown). */
export function responseFraming(method: string | null, head: MessageHead & { kind: "response" }): Framing {
	const status = head.status;
	if (status === 101 || (method === "CONNECT" && status >= 200 && status < 300)) {
		return { kind: FRAMING_TUNNEL, length: 0 };
	}
	if (method === "HEAD" || status === 204 || status === 304 || status < 200)
		return { kind: FRAMING_NONE, length: 0 };
	if (isChunked(head.headers)) return { kind: FRAMING_CHUNKED, length: 0 };
	if (hasTransferEncoding(head.headers)) return { kind: FRAMING_CLOSE, length: 0 };
	const length = contentLength(head.headers);
	if (length >= 0) return { kind: FRAMING_LENGTH, length };
	return { kind: FRAMING_CLOSE, length: 0 };
}
