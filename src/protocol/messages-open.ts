// OPEN request (device name) and OPEN_REPLY (linktype, tzoff) (§6).

import { MalformedMessageError, payloadView } from "./errors.ts";
import {
	allocateMessage,
	ErrorCode,
	encodeMessage,
	MAX_SOURCE_NAME_BYTES,
	MessageType,
	PROTOCOL_VERSION,
} from "./header.ts";
import { utf8Decode, utf8Encode } from "./text.ts";

const OPEN_REPLY_SIZE = 8;

export function encodeOpenRequest(source: string | Uint8Array, version = PROTOCOL_VERSION): Uint8Array {
	return encodeMessage(
		MessageType.OPEN_REQ,
		0,
		typeof source === "string" ? utf8Encode(source) : source,
		version,
	);
}

/**
 * Decodes an OPEN payload and applies the byte-level checks of §6.4 (steps 1–4), each a MalformedMessageError
 * with code 6: empty, longer than 1024 bytes, containing NUL, containing "://". Policy checks (preselection,
 * device list, trial open) are the daemon's.
 */
export function decodeOpenRequest(payload: Uint8Array): string {
	const fail = (text: string) => new MalformedMessageError(ErrorCode.OPEN, text);
	if (payload.length === 0) throw fail("The source string must not be empty.");
	if (payload.length > MAX_SOURCE_NAME_BYTES) throw fail("Source string too long");
	if (payload.indexOf(0) >= 0) throw fail("Source string contains a NUL byte");
	const source = utf8Decode(payload);
	if (source.includes("://")) throw fail("Source string refers to a remote device");
	return source;
}

export interface OpenReply {
	/** DLT_ value of the opened device (int32). */
	linktype: number;
	/** Always 0 from ours (int32). */
	tzoff: number;
}

export function encodeOpenReply(reply: OpenReply, version = PROTOCOL_VERSION): Uint8Array {
	const { bytes, view } = allocateMessage(MessageType.OPEN_REPLY, 0, OPEN_REPLY_SIZE, version);
	view.setInt32(8, reply.linktype);
	view.setInt32(12, reply.tzoff);
	return bytes;
}

/** Needs ≥ 8 bytes (extra ignored), as libpcap's client (§18.1). */
export function decodeOpenReply(payload: Uint8Array): OpenReply {
	const view = payloadView(payload, OPEN_REPLY_SIZE, ErrorCode.OPEN);
	return { linktype: view.getInt32(0), tzoff: view.getInt32(4) };
}
