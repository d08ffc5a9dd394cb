// One HTTP/1.x connection: reads both directions, pairs responses with requests (pipelining, keep-alive, gaps).

import type { FlowInfo } from "../stream-listener.ts";
import type { HttpExchange, MessageRecord } from "./http-exchange.ts";
import {
	FRAMING_NONE,
	FRAMING_TUNNEL,
	type Framing,
	type MessageHandler,
	type MessageStart,
	type ReaderLimits,
	requestFraming,
	responseFraming,
	type Side,
} from "./http-framing.ts";
import { contentLength, headerValues, isChunked, type MessageHead, type RequestHead } from "./http-head.ts";
import { HttpMessageReader } from "./http-message-reader.ts";
import type { HttpOutput, HttpStats } from "./http-output.ts";

/** An exchange being assembled. */
interface Pending {
	exchange: HttpExchange;
	/** Client stream offset where the request started (-1 without a request). */
	requestStart: number;
	requestDone: boolean;
	responseDone: boolean;
	emitted: boolean;
}

/** Stands in the request queue for requests lost in a gap or in bytes that were not HTTP. */
const LOST = "lost" as const;

export interface ConnectionLimits extends ReaderLimits {
	/** Requests waiting for a response; past it the oldest is reported without one. */
	maxPendingRequests: number;
}

export class HttpConnection implements MessageHandler {
	// Readers are made on first use: a flow that never carries data (a SYN flood) costs less.
	#requests: HttpMessageReader | undefined;
	#responses: HttpMessageReader | undefined;
	#queue: (Pending | typeof LOST)[] = [];
	#request: Pending | undefined;
	#response: Pending | undefined;
	#interim = false;
	#nextIndex = 0;
	#clientLost = false;
	#responsesLost = false;
	#clientDone = false;

	constructor(
		readonly flow: FlowInfo,
		private readonly output: HttpOutput,
		private readonly stats: HttpStats,
		private readonly limits: ConnectionLimits,
	) {
		// Picked up mid-way: what precedes the first start line is unknown.
		if (flow.midstream) {
			this.requests.gap(0, flow.startSec, flow.startUsec);
			this.responses.gap(0, flow.startSec, flow.startUsec);
		}
	}

	get requests(): HttpMessageReader {
		this.#requests ??= new HttpMessageReader("request", this, this.limits);
		return this.#requests;
	}

	get responses(): HttpMessageReader {
		this.#responses ??= new HttpMessageReader("response", this, this.limits);
		return this.#responses;
	}

	head(side: Side, head: MessageHead, start: MessageStart, mustDecide: boolean): Framing | undefined {
		if (head.kind === "request") return this.#requestHead(head, start);
		if (side !== "response" || head.kind !== "response") return undefined;
		const target = this.#target(start, mustDecide);
		if (target === undefined) return undefined;
		if (head.status >= 100 && head.status < 200 && head.status !== 101) {
			target.exchange.interim.push({
				status: head.status,
				reason: head.reason,
				headers: head.headers,
				firstByte: { sec: start.tsSec, usec: start.tsUsec },
			});
			this.#interim = true;
			return { kind: FRAMING_NONE, length: 0 };
		}
		if (this.#queue[0] === target) this.#queue.shift();
		target.exchange.response = { status: head.status, reason: head.reason, ...newMessageRecord(head, start) };
		this.#response = target;
		const framing = responseFraming(target.exchange.request?.method ?? null, head);
		if (framing.kind === FRAMING_TUNNEL) this.#requests?.stop();
		return framing;
	}

	body(side: Side, bytes: Uint8Array): void {
		const pending = side === "request" ? this.#request : this.#response;
		if (pending === undefined) return;
		const message = side === "request" ? pending.exchange.request : pending.exchange.response;
		if (message === null) return;
		message.bodyBytes += bytes.length;
		this.output.body?.(pending.exchange, side, bytes);
	}

	bodyMissing(side: Side, length: number): void {
		const pending = side === "request" ? this.#request : this.#response;
		const message = side === "request" ? pending?.exchange.request : pending?.exchange.response;
		if (pending === undefined || message == null) return;
		message.missingBytes += length;
		pending.exchange.missing = true;
	}

	end(side: Side, tsSec: number, tsUsec: number, framed: boolean): void {
		if (side === "response" && this.#interim) {
			this.#interim = false;
			return;
		}
		const pending = side === "request" ? this.#request : this.#response;
		if (pending === undefined) return;
		const message = side === "request" ? pending.exchange.request : pending.exchange.response;
		if (message !== null) {
			message.lastByte = { sec: tsSec, usec: tsUsec };
			message.complete = framed;
		}
		if (side === "request") {
			pending.requestDone = true;
			this.#request = undefined;
		} else {
			pending.responseDone = true;
			this.#response = undefined;
		}
		if (pending.requestDone && pending.responseDone) this.#emit(pending);
	}

	lostSync(side: Side): void {
		this.stats.lostSync++;
		if (side === "response") {
			this.#responsesLost = true;
			return;
		}
		this.#clientLost = true;
		// A waiting response is resumed by the next request read (or the end of the client's stream), so
		// that it can tell a lost request from the one after the loss.
		if (this.#queue[this.#queue.length - 1] !== LOST) this.#queue.push(LOST);
	}

	/** The client's direction ended: a response waiting for its request will not get one. */
	clientFinished(): void {
		this.#clientDone = true;
		this.#responses?.resume();
	}

	/** The flow ended: reports everything still pending, in order, and gives the readers' memory back. */
	close(): void {
		this.#clientDone = true;
		this.#responses?.resume(true);
		this.#requests?.release();
		this.#responses?.release();
		const left: Pending[] = [];
		if (this.#response !== undefined) left.push(this.#response);
		if (this.#request !== undefined && !left.includes(this.#request)) left.push(this.#request);
		for (const item of this.#queue) if (item !== LOST && !left.includes(item)) left.push(item);
		left.sort((a, b) => a.exchange.index - b.exchange.index);
		for (const pending of left) {
			if (pending.exchange.response === null) this.stats.requestsWithoutResponse++;
			this.#emit(pending);
		}
		this.#queue = [];
	}

	#requestHead(head: RequestHead, start: MessageStart): Framing {
		const pending = this.#newPending(start.offset);
		pending.exchange.request = {
			method: head.method,
			url: head.target,
			host: headerValues(head.headers, "host")[0] ?? authorityOf(head.target),
			...newMessageRecord(head, start),
		};
		this.#request = pending;
		this.#queue.push(pending);
		if (this.#queue.length > this.limits.maxPendingRequests) this.#dropOldestRequest();
		if (this.#responses?.waiting) this.#responses.resume();
		return requestFraming(head.headers);
	}

	/** The exchange a response belongs to, or undefined to wait for the request to be read. */
	#target(start: MessageStart, mustDecide: boolean): Pending | undefined {
		const ack = start.ackOffset;
		if (this.#responsesLost && ack >= 0) {
			// Responses were lost: the server had received this response's request, so it is the last one
			// queued that started before what the server acknowledged; the ones before it lost their response.
			this.#responsesLost = false;
			while (this.#queue.length > 1) {
				const next = this.#queue[1]!;
				if (next === LOST || next.requestStart >= ack) break;
				const skipped = this.#queue.shift()!;
				if (skipped !== LOST) this.#emitWithoutResponse(skipped);
			}
		}
		for (;;) {
			const first = this.#queue[0];
			if (first !== undefined && first !== LOST) return first;
			if (first === LOST) {
				const next = this.#queue[1];
				// The server had received the request after the loss: this response is for it, not a lost one.
				if (next !== undefined && next !== LOST && ack >= 0 && ack > next.requestStart) {
					this.#queue.shift();
					continue;
				}
				return this.#unpaired(true);
			}
			const nothingMoreToRead = ack >= 0 && ack <= (this.#requests?.offset ?? 0);
			if (mustDecide || this.#clientDone || nothingMoreToRead || ack < 0) {
				return this.#unpaired(this.flow.midstream || this.#clientLost);
			}
			return undefined;
		}
	}

	#unpaired(missing: boolean): Pending {
		this.stats.responsesWithoutRequest++;
		const pending = this.#newPending(-1);
		pending.requestDone = true;
		pending.exchange.missing = missing;
		return pending;
	}

	#newPending(requestStart: number): Pending {
		return {
			exchange: {
				stream: this.flow.id,
				index: this.#nextIndex++,
				client: this.flow.client,
				server: this.flow.server,
				request: null,
				response: null,
				interim: [],
				missing: false,
			},
			requestStart,
			requestDone: false,
			responseDone: false,
			emitted: false,
		};
	}

	#dropOldestRequest(): void {
		const oldest = this.#queue.shift();
		if (oldest !== undefined && oldest !== LOST) this.#emitWithoutResponse(oldest);
	}

	#emitWithoutResponse(pending: Pending): void {
		this.stats.requestsWithoutResponse++;
		pending.exchange.missing = true;
		this.#emit(pending);
	}

	#emit(pending: Pending): void {
		if (pending.emitted) return;
		pending.emitted = true;
		this.stats.exchanges++;
		this.output.exchange(pending.exchange);
	}
}

function authorityOf(target: string): string | null {
	const match = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#]+)/.exec(target);
	return match?.[1] ?? null;
}

/** The fields requests and responses share, for a message whose head was just read. */
function newMessageRecord(head: MessageHead, start: MessageStart): MessageRecord {
	const length = contentLength(head.headers);
	const firstByte = { sec: start.tsSec, usec: start.tsUsec };
	return {
		version: head.version,
		headers: head.headers,
		headBytes: head.headBytes,
		bodyBytes: 0,
		missingBytes: 0,
		contentLength: length >= 0 ? length : null,
		chunked: isChunked(head.headers),
		complete: false,
		firstByte,
		lastByte: { ...firstByte },
	};
}
