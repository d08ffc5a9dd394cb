// Typed protocol errors: RpcapError (carries the code it is sent with) and MalformedMessageError.

import { MAX_ERROR_TEXT_BYTES } from "./header.ts";
import { truncateUtf8Text } from "./text.ts";

/** An error that the daemon answers with an RPCAP ERROR message carrying `code` and `message`. */
export class RpcapError extends Error {
	override name = "RpcapError";
	readonly code: number;

	constructor(code: number, message: string) {
		super(message);
		this.code = code;
	}
}

/**
 * The bytes do not form a valid message of the expected type. Thrown by every decoder (and nothing else is).
 * `code` is the error code a daemon answers with (the request type's code, §16); for replies and data
 * messages decoded by a client it is the code of the matching request (WRONGMSG for PACKET).
 */
export class MalformedMessageError extends RpcapError {
	override name = "MalformedMessageError";
}

/** Exact reference text (§4.2, §7.5, §8.2, §9, §18.1). */
export const PAYLOAD_TOO_SHORT = "Message payload is too short";
/** A big-endian view of a payload that must hold at least `minimumSize` bytes; else "too short" with `code`. */
export function payloadView(payload: Uint8Array, minimumSize: number, code: number): DataView {
	if (payload.length < minimumSize) throw new MalformedMessageError(code, PAYLOAD_TOO_SHORT);
	return new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
}

/** §1.2 hard-cap text. */
export const PAYLOAD_TOO_LARGE = "Message payload is too large";

/** Error text cut to at most 255 bytes of UTF-8 on a character boundary (§3). */
export function truncateErrorText(text: string): string {
	return truncateUtf8Text(text, MAX_ERROR_TEXT_BYTES);
}
