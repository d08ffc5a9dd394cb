// Line splitting, comment stripping and value tokenising for rpcapd.ini, keeping 1-based columns (§10.4).

/** A value token and where it starts in its line. */
export interface ValueToken {
	readonly text: string;
	/** 1-based column of the token's first character. */
	readonly column: number;
	/** The separators before this token were spaces/TABs only (no `,` or `;`); false for the first token. */
	readonly afterBlankOnly: boolean;
}

const BLANK = new Set([" ", "\t", "\r"]);
const VALUE_SEPARATORS = new Set([" ", "\t", "\r", ",", ";"]);

export function isBlank(character: string | undefined): boolean {
	return character !== undefined && BLANK.has(character);
}

/** Splits on LF, CRLF or a lone CR; a leading UTF-8 byte-order mark is dropped. */
export function splitLines(text: string): string[] {
	const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
	const lines = body.split(/\r\n|\n|\r/);
	// A final newline ends the last line; it does not start an empty one.
	if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
	return lines;
}

/** The line without its comment: `#` starts one at the first non-blank position or after a blank. */
export function stripComment(line: string): string {
	for (let index = 0; index < line.length; index++) {
		if (line[index] !== "#") continue;
		if (index === 0 || isBlank(line[index - 1])) return line.slice(0, index);
	}
	return line;
}

/** Splits `line` from index `start` on runs of space, TAB, `,` and `;`. */
export function tokenizeValue(line: string, start: number): ValueToken[] {
	const tokens: ValueToken[] = [];
	let index = start;
	let blankOnly = true;
	while (index < line.length) {
		const character = line[index]!;
		if (VALUE_SEPARATORS.has(character)) {
			if (!BLANK.has(character)) blankOnly = false;
			index++;
			continue;
		}
		const tokenStart = index;
		while (index < line.length && !VALUE_SEPARATORS.has(line[index]!)) index++;
		tokens.push({
			text: line.slice(tokenStart, index),
			column: tokenStart + 1,
			afterBlankOnly: tokens.length > 0 && blankOnly,
		});
		blankOnly = true;
	}
	return tokens;
}
