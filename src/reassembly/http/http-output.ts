// Where HTTP exchanges go, and the counters of the HTTP layer.

import type { HttpExchange } from "./http-exchange.ts";

export interface HttpOutput {
	/** A finished exchange (or what was seen of it). */
	exchange(exchange: HttpExchange): void;
	/**
	 * Body bytes as they are read, chunked coding removed; `exchange` is the record being assembled (its
	 * stream and index identify it). The view is valid only during the call.
	 */
	body?(exchange: HttpExchange, part: "request" | "response", bytes: Uint8Array): void;
}

export interface HttpStats {
	exchanges: number;
	requestsWithoutResponse: number;
	responsesWithoutRequest: number;
	/** Times a direction stopped making sense as HTTP (a gap, or bytes that are not HTTP) and was rescanned. */
	lostSync: number;
	/** Bytes held now by the readers (see HttpAnalyzerOptions.maxBufferedBytes). */
	bufferedBytes: number;
	/** Times the HTTP memory budget refused a buffer. */
	bufferLimitHits: number;
}

export function newHttpStats(): HttpStats {
	return {
		exchanges: 0,
		requestsWithoutResponse: 0,
		responsesWithoutRequest: 0,
		lostSync: 0,
		bufferedBytes: 0,
		bufferLimitHits: 0,
	};
}
