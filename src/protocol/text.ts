// UTF-8 conversion of protocol strings, including truncation on a character boundary.

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

export function utf8Encode(text: string): Uint8Array {
	return encoder.encode(text);
}

/** Decodes raw wire bytes; invalid sequences become U+FFFD instead of failing. */
export function utf8Decode(bytes: Uint8Array): string {
	return decoder.decode(bytes);
}

/** The UTF-8 bytes of `text`, cut to at most `maxBytes` without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): Uint8Array {
	// Cheap upper bound: a UTF-16 code unit never needs more than 3 UTF-8 bytes.
	if (text.length * 3 <= maxBytes) return encoder.encode(text);
	const target = new Uint8Array(maxBytes);
	// encodeInto only ever writes whole characters, so the cut lands on a character boundary.
	const { written } = encoder.encodeInto(text, target);
	return target.subarray(0, written);
}

/** `text` cut to at most `maxBytes` of UTF-8 on a character boundary. */
export function truncateUtf8Text(text: string, maxBytes: number): string {
	if (text.length * 3 <= maxBytes) return text;
	return decoder.decode(truncateUtf8(text, maxBytes));
}
