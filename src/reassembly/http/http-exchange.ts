// The HTTP exchange record: one request and its response (or what of them was seen), and its JSON line form.

import type { Endpoint } from "../flow-key.ts";
import type { HeaderList } from "./http-head.ts";

export interface Timestamp {
	sec: number;
	usec: number;
}

export interface MessageRecord {
	version: string;
	headers: HeaderList;
	/** Bytes of the head (start line to empty line). */
	headBytes: number;
	/** Body bytes after removing the chunked coding (content codings such as gzip are left alone). */
	bodyBytes: number;
	/** Body bytes known to exist that the capture does not hold. */
	missingBytes: number;
	/** Content-Length header value, or null. */
	contentLength: number | null;
	chunked: boolean;
	/** True when the message ended where its framing says (false: cut by the end of the stream or a gap). */
	complete: boolean;
	firstByte: Timestamp;
	lastByte: Timestamp;
}

export interface HttpRequestRecord extends MessageRecord {
	method: string;
	/** The request target as sent (origin-form path, or absolute-form URL). */
	url: string;
	/** Host header, or the authority of an absolute-form target; null when neither is there. */
	host: string | null;
}

export interface HttpResponseRecord extends MessageRecord {
	status: number;
	reason: string;
}

/** A 1xx response before the final one (100 Continue, 103 Early Hints). */
export interface HttpInterimRecord {
	status: number;
	reason: string;
	headers: HeaderList;
	firstByte: Timestamp;
}

export interface HttpExchange {
	/** FlowInfo.id of the connection. */
	stream: number;
	/** Order of the exchange in its connection, from 0. */
	index: number;
	client: Endpoint;
	server: Endpoint;
	/** Null when the request was not captured (lost in a gap, or before a mid-stream pick-up). */
	request: HttpRequestRecord | null;
	/** Null when no response was seen. */
	response: HttpResponseRecord | null;
	interim: HttpInterimRecord[];
	/** True when bytes belonging to this exchange were not captured, or a part of it may have been lost. */
	missing: boolean;
}

/** Seconds since the epoch with six decimals, as a number that prints back exactly. */
export function timestampSeconds(ts: Timestamp): number {
	return Number(`${ts.sec}.${String(ts.usec).padStart(6, "0")}`);
}

function messageJson(m: MessageRecord) {
	return {
		version: m.version,
		firstByte: timestampSeconds(m.firstByte),
		lastByte: timestampSeconds(m.lastByte),
		headers: m.headers,
		headBytes: m.headBytes,
		bodyBytes: m.bodyBytes,
		missingBytes: m.missingBytes,
		contentLength: m.contentLength,
		chunked: m.chunked,
		complete: m.complete,
	};
}

/** The exchange as one JSON line's object; `bodyFiles` adds file names where bodies were written. */
export function exchangeJson(
	exchange: HttpExchange,
	bodyFiles: { request?: string; response?: string } = {},
): Record<string, unknown> {
	const { request, response } = exchange;
	return {
		stream: exchange.stream,
		index: exchange.index,
		client: exchange.client,
		server: exchange.server,
		method: request?.method ?? null,
		url: request?.url ?? null,
		host: request?.host ?? null,
		status: response?.status ?? null,
		reason: response?.reason ?? null,
		missing: exchange.missing,
		request:
			request === null
				? null
				: { ...messageJson(request), ...(bodyFiles.request ? { bodyFile: bodyFiles.request } : {}) },
		response:
			response === null
				? null
				: { ...messageJson(response), ...(bodyFiles.response ? { bodyFile: bodyFiles.response } : {}) },
		interim: exchange.interim.map((i) => ({
			status: i.status,
			reason: i.reason,
			headers: i.headers,
			firstByte: timestampSeconds(i.firstByte),
		})),
	};
}
