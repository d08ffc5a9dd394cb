// Typed errors of the collector: sessions with a sensor, sinks and outputs, options.

/** Where in the conversation with a sensor a session failed. */
export type SessionStage =
	| "connect"
	| "tls"
	| "auth"
	| "interfaces"
	| "open"
	| "filter"
	| "startcap"
	| "data"
	| "sink"
	| "capture"
	| "protocol";

/** A session with a sensor failed; `remoteCode` is the RPCAP error code when the sensor sent an ERROR. */
export class SessionError extends Error {
	override readonly name = "SessionError";
	constructor(
		readonly stage: SessionStage,
		message: string,
		readonly remoteCode: number | null = null,
	) {
		super(message);
	}
}

/** The sensor answered a request with an RPCAP ERROR message. */
export class RemoteError extends Error {
	override readonly name = "RemoteError";
	constructor(
		readonly code: number,
		readonly text: string,
	) {
		super(text);
	}
}

/** The sensor broke the protocol (unexpected reply type, wrong version, oversized message, early close). */
export class ProtocolViolationError extends Error {
	override readonly name = "ProtocolViolationError";
}

/** The control connection ended (EOF, reset, or closed by us) while a reply was awaited. */
export class ControlClosedError extends Error {
	override readonly name = "ControlClosedError";
}

/** A request got no reply in time; the connection is closed, as the reply order can no longer be trusted. */
export class ReplyTimeoutError extends Error {
	override readonly name = "ReplyTimeoutError";
}

/** A sink cannot take a stream (e.g. a second link type in one pcap file). */
export class SinkStreamError extends Error {
	override readonly name = "SinkStreamError";
}

/** A capture file or stream could not be opened or written. */
export class OutputError extends Error {
	override readonly name = "OutputError";
	constructor(
		readonly path: string,
		message: string,
	) {
		super(message);
	}
}

/** Invalid collector options (bad URL, address, template, rotation values). */
export class CollectorOptionError extends Error {
	override readonly name = "CollectorOptionError";
}
