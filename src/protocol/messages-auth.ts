// AUTH_REQ (rpcap_auth + username + password) and AUTH_REPLY (versions + byte-order magic) (§4).

import { MalformedMessageError, PAYLOAD_TOO_SHORT, payloadView, RpcapError } from "./errors.ts";
import { allocateMessage, BYTE_ORDER_MAGIC, ErrorCode, MessageType, PROTOCOL_VERSION } from "./header.ts";
import { utf8Encode } from "./text.ts";

/** rpcap_auth.type values (§4.1). */
export const AuthType = { NULL: 0, PASSWORD: 1 } as const;

const AUTH_HEADER_SIZE = 8;
const AUTH_REPLY_SIZE = 8;
const MAX_CREDENTIAL_BYTES = 0xffff;

/** A decoded AUTH_REQ. Credentials are raw bytes (compare them as bytes; they may hold any value, NUL included). */
export type AuthRequest = { type: "null" } | { type: "password"; username: Uint8Array; password: Uint8Array };

/** What a client sends; strings are encoded as UTF-8. */
export type AuthRequestInit =
	| { type: "null" }
	| { type: "password"; username: string | Uint8Array; password: string | Uint8Array };

function credentialBytes(value: string | Uint8Array, what: string): Uint8Array {
	const bytes = typeof value === "string" ? utf8Encode(value) : value;
	if (bytes.length > MAX_CREDENTIAL_BYTES) {
		throw new RpcapError(ErrorCode.AUTH, `${what} is longer than 65535 bytes: ${bytes.length}`);
	}
	return bytes;
}

export function encodeAuthRequest(request: AuthRequestInit, version = PROTOCOL_VERSION): Uint8Array {
	if (request.type === "null")
		return allocateMessage(MessageType.AUTH_REQ, 0, AUTH_HEADER_SIZE, version).bytes;
	const username = credentialBytes(request.username, "Username");
	const password = credentialBytes(request.password, "Password");
	const { bytes, view } = allocateMessage(
		MessageType.AUTH_REQ,
		0,
		AUTH_HEADER_SIZE + username.length + password.length,
		version,
	);
	view.setUint16(8, AuthType.PASSWORD);
	view.setUint16(12, username.length);
	view.setUint16(14, password.length);
	bytes.set(username, 16);
	bytes.set(password, 16 + username.length);
	return bytes;
}

/**
 * Decodes an AUTH_REQ payload (§4.2). Throws MalformedMessageError: code 3 "Message payload is too short"
 * (plen < 8, or PWD strings beyond the payload), code 20 "Authentication type not recognized." (type ∉ {0, 1}).
 * NULL auth ignores slen1/slen2 and trailing bytes; the credentials are views into `payload`.
 */
export function decodeAuthRequest(payload: Uint8Array): AuthRequest {
	const view = payloadView(payload, AUTH_HEADER_SIZE, ErrorCode.AUTH);
	const type = view.getUint16(0);
	if (type === AuthType.NULL) return { type: "null" };
	if (type !== AuthType.PASSWORD) {
		throw new MalformedMessageError(ErrorCode.AUTH_TYPE_NOTSUP, "Authentication type not recognized.");
	}
	const usernameLength = view.getUint16(4);
	const passwordLength = view.getUint16(6);
	if (usernameLength + passwordLength > payload.length - AUTH_HEADER_SIZE) {
		throw new MalformedMessageError(ErrorCode.AUTH, PAYLOAD_TOO_SHORT);
	}
	const passwordStart = AUTH_HEADER_SIZE + usernameLength;
	return {
		type: "password",
		username: payload.subarray(AUTH_HEADER_SIZE, passwordStart),
		password: payload.subarray(passwordStart, passwordStart + passwordLength),
	};
}

export type ByteOrder = "little" | "big";

/** The byte order of the host running this code: the capture host, for a daemon (§4.3 "Ours"). */
export const HOST_BYTE_ORDER: ByteOrder =
	new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? "little" : "big";

export interface AuthReply {
	minVersion: number;
	maxVersion: number;
	/** The server's byte order from the magic; null for the old 0- and 2-byte replies (client assumes its own). */
	byteOrder: ByteOrder | null;
}

/** The 8-byte AUTH_REPLY (§4.3); the magic is written in `byteOrder`, by default this host's. */
export function encodeAuthReply(reply: Partial<AuthReply> = {}, version = PROTOCOL_VERSION): Uint8Array {
	const { bytes, view } = allocateMessage(MessageType.AUTH_REPLY, 0, AUTH_REPLY_SIZE, version);
	view.setUint8(8, reply.minVersion ?? PROTOCOL_VERSION);
	view.setUint8(9, reply.maxVersion ?? PROTOCOL_VERSION);
	view.setUint32(12, BYTE_ORDER_MAGIC, (reply.byteOrder ?? HOST_BYTE_ORDER) === "little");
	return bytes;
}

/** Decodes an AUTH_REPLY payload as libpcap's client does (§4.3): plen 0, 2 or ≥ 8; extra bytes ignored. */
export function decodeAuthReply(payload: Uint8Array): AuthReply {
	if (payload.length === 0) return { minVersion: 0, maxVersion: 0, byteOrder: null };
	if (payload.length === 1) {
		throw new MalformedMessageError(ErrorCode.AUTH, "Authentication reply from server is too short");
	}
	if (payload.length === 2) return { minVersion: payload[0]!, maxVersion: payload[1]!, byteOrder: null };
	const view = payloadView(payload, AUTH_REPLY_SIZE, ErrorCode.AUTH);
	const magic = view.getUint32(4);
	let byteOrder: ByteOrder;
	if (magic === BYTE_ORDER_MAGIC) byteOrder = "big";
	else if (view.getUint32(4, true) === BYTE_ORDER_MAGIC) byteOrder = "little";
	else throw new MalformedMessageError(ErrorCode.AUTH, "The server did not send us a valid byte order value");
	return { minVersion: payload[0]!, maxVersion: payload[1]!, byteOrder };
}

/** The protocol version a client uses with this server (§2 rule 4); throws with the client's texts. */
export function negotiateVersion(reply: AuthReply, clientMaxVersion = PROTOCOL_VERSION): number {
	if (reply.minVersion > reply.maxVersion) {
		throw new MalformedMessageError(
			ErrorCode.AUTH,
			"The server's minimum supported protocol version is greater than its maximum supported protocol version",
		);
	}
	const chosen = Math.min(reply.maxVersion, clientMaxVersion);
	if (chosen < reply.minVersion) {
		throw new MalformedMessageError(
			ErrorCode.AUTH,
			"The server doesn't support any protocol version that we support",
		);
	}
	return chosen;
}
