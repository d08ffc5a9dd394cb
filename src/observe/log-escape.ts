// Makes text safe to put in a log line: no control or invisible formatting characters, no line breaks; peer-supplied values (user names, error texts) also bounded and quote-safe.

const DEFAULT_MAX_CHARACTERS = 64;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function hexByte(value: number): string {
	return `\\x${value.toString(16).padStart(2, "0")}`;
}

/** Characters that break or disguise a line: C0, DEL, C1, line/paragraph separators, bidi and BOM controls. */
function needsEscape(codePoint: number): boolean {
	return (
		codePoint < 0x20 ||
		(codePoint >= 0x7f && codePoint <= 0x9f) ||
		codePoint === 0x2028 ||
		codePoint === 0x2029 ||
		(codePoint >= 0x200b && codePoint <= 0x200f) ||
		(codePoint >= 0x202a && codePoint <= 0x202e) ||
		(codePoint >= 0x2066 && codePoint <= 0x2069) ||
		codePoint === 0xfeff ||
		(codePoint >= 0xd800 && codePoint <= 0xdfff)
	);
}

function escapeCodePoint(codePoint: number): string {
	if (codePoint === 0x5c) return "\\\\";
	if (codePoint === 0x22) return '\\"';
	if (!needsEscape(codePoint)) return String.fromCodePoint(codePoint);
	if (codePoint <= 0xff) return hexByte(codePoint);
	return `\\u{${codePoint.toString(16)}}`;
}

/**
 * `value` as one printable line for a log (bad-inputs.md B13): control and invisible formatting characters
 * become `\xNN` or `\u{N}`, backslash and double quote are escaped (so the result can sit inside quotes),
 * bytes that are not valid UTF-8 become `\xNN`, and more than `maxCharacters` characters are cut with `...`.
 */
export function escapeForLog(value: string | Uint8Array, maxCharacters = DEFAULT_MAX_CHARACTERS): string {
	let out = "";
	let count = 0;
	if (typeof value !== "string") {
		let text: string | null = null;
		try {
			text = strictUtf8.decode(value);
		} catch {
			for (const byte of value) {
				if (count++ === maxCharacters) return `${out}...`;
				out += byte >= 0x20 && byte < 0x7f ? escapeCodePoint(byte) : hexByte(byte);
			}
			return out;
		}
		return escapeForLog(text, maxCharacters);
	}
	for (const character of value) {
		if (count++ === maxCharacters) return `${out}...`;
		out += escapeCodePoint(character.codePointAt(0) ?? 0);
	}
	return out;
}

/** Only the characters that break or disguise a line are escaped (whole log messages; quotes stay as they are). */
export function escapeControlCharacters(text: string): string {
	let out = "";
	for (const character of text) {
		const codePoint = character.codePointAt(0) ?? 0;
		out += needsEscape(codePoint)
			? codePoint <= 0xff
				? hexByte(codePoint)
				: `\\u{${codePoint.toString(16)}}`
			: character;
	}
	return out;
}
