// RPCAP_MSG_ERROR: error code in the header's value, text without NUL as payload (§3).

import {
	encodeMessage,
	errorCodeName,
	MAX_ERROR_TEXT_BYTES,
	MessageType,
	PROTOCOL_VERSION,
} from "./header.ts";
import { truncateUtf8, utf8Decode } from "./text.ts";

/**
 * A complete ERROR message. The text is cut to 255 bytes of UTF-8 on a character boundary; an empty text is
 * replaced by the code's name, because ours never sends an empty ERROR (§3). `version` is 0 except when
 * echoing an offending `ver` (§2 rules 2 and 5).
 */
export function encodeErrorMessage(code: number, text: string, version = PROTOCOL_VERSION): Uint8Array {
	const shown = text === "" ? `Error ${code} (${errorCodeName(code) ?? "unknown code"})` : text;
	return encodeMessage(MessageType.ERROR, code, truncateUtf8(shown, MAX_ERROR_TEXT_BYTES), version);
}

/**
 * The text of a received ERROR (the code is the header's `value`). Like the reference receivers, only the
 * first 255 bytes are kept and the text ends at the first NUL. Never throws: any payload is a text.
 */
export function decodeErrorMessage(payload: Uint8Array): string {
	let end = Math.min(payload.length, MAX_ERROR_TEXT_BYTES);
	const nul = payload.subarray(0, end).indexOf(0);
	if (nul >= 0) end = nul;
	return utf8Decode(payload.subarray(0, end));
}
