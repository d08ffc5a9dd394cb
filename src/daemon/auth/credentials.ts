// Turns raw AUTH_REQ credential bytes into text we can check, and compares secrets in constant time.

import { timingSafeEqual } from "node:crypto";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The credential as text, or null when it holds a NUL byte (C would cut it short) or is not valid UTF-8.
 * Such credentials can never match, but are still run through a dummy check (bad-inputs.md B13).
 */
export function credentialText(bytes: Uint8Array): string | null {
	if (bytes.includes(0)) return null;
	try {
		return strictUtf8.decode(bytes);
	} catch {
		return null;
	}
}

/** A password that stands in for an unusable one while the dummy work runs; never accepted. */
export const FILLER_PASSWORD: Uint8Array = new TextEncoder().encode("rpcapd-filler-password");

/** String equality whose time depends only on the lengths (crypt hashes of one method have one length). */
export function constantTimeEqual(a: string, b: string): boolean {
	const left = Buffer.from(a, "utf8");
	const right = Buffer.from(b, "utf8");
	if (left.length !== right.length) {
		timingSafeEqual(left, left);
		return false;
	}
	return timingSafeEqual(left, right);
}
