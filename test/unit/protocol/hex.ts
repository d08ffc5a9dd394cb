// Test helpers: hex text ⇄ bytes, for writing wire transcripts as in rpcap-protocol.md Appendix B.

/** Bytes from hex text; spaces, newlines and "|" separators are ignored. */
export function hex(text: string): Uint8Array {
	const digits = text.replace(/[\s|]/g, "");
	if (digits.length % 2 !== 0 || /[^0-9a-fA-F]/.test(digits)) throw new Error(`bad hex: ${text}`);
	const bytes = new Uint8Array(digits.length / 2);
	for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(digits.slice(i * 2, i * 2 + 2), 16);
	return bytes;
}

export function toHex(bytes: Uint8Array): string {
	return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function ascii(text: string): Uint8Array {
	return new TextEncoder().encode(text);
}
