// Reads rpcapd.ini text in either dialect (libpcap, ExtraHop) with the grammar of extrahop-udpstr.md §10.4.

import { parseActiveClient } from "./active-client.ts";
import { parseUdpstrSize } from "./cli-values.ts";
import { ConfigError, ConfigErrors } from "./config-error.ts";
import { parseAllowEntry } from "./host-syntax.ts";
import type { IniActiveClient, IniConfig, IniParseResult } from "./ini-config.ts";
import { IniDiagnostics } from "./ini-diagnostics.ts";
import { isBlank, splitLines, stripComment, tokenizeValue, type ValueToken } from "./ini-lines.ts";
import type { UdpstrMode } from "./schema.ts";

const KEYS = ["ActiveClient", "PassiveClient", "NullAuthPermit", "Udpstr", "UdpstrSize"] as const;
type Key = (typeof KEYS)[number];
type SingleValueKey = "NullAuthPermit" | "Udpstr" | "UdpstrSize";

interface Builder {
	readonly activeClients: IniActiveClient[];
	readonly activeKeys: Map<string, number>;
	readonly passiveClients: string[];
	nullAuthPermit?: boolean;
	udpstr?: UdpstrMode;
	udpstrSize?: number;
	readonly singleValueLines: Map<SingleValueKey, number>;
}

/**
 * Parses the text of an rpcapd.ini file. `file` is only used in messages. Returns the content and the warnings;
 * throws ConfigErrors listing every error in the file if there is any.
 */
export function parseIni(text: string, file: string): IniParseResult {
	const diagnostics = new IniDiagnostics(file);
	const builder: Builder = {
		activeClients: [],
		activeKeys: new Map(),
		passiveClients: [],
		singleValueLines: new Map(),
	};
	splitLines(text).forEach((rawLine, index) => {
		parseLine(stripComment(rawLine), index + 1, builder, diagnostics);
	});
	diagnostics.throwIfAny();
	const config: IniConfig = {
		activeClients: builder.activeClients,
		passiveClients: builder.passiveClients,
		...(builder.nullAuthPermit === undefined ? {} : { nullAuthPermit: builder.nullAuthPermit }),
		...(builder.udpstr === undefined ? {} : { udpstr: builder.udpstr }),
		...(builder.udpstrSize === undefined ? {} : { udpstrSize: builder.udpstrSize }),
	};
	return { config, warnings: diagnostics.warnings };
}

/** Decodes file bytes as UTF-8 (a BOM is allowed); invalid UTF-8 is an error located at its first bad byte. */
export function decodeIniBytes(bytes: Uint8Array, file: string): string {
	try {
		return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
	} catch {
		const lossy = new TextDecoder("utf-8").decode(bytes);
		const lines = splitLines(lossy);
		const lineIndex = Math.max(
			0,
			lines.findIndex((line) => line.includes("\uFFFD")),
		);
		const column = (lines[lineIndex]?.indexOf("\uFFFD") ?? 0) + 1;
		throw new ConfigErrors([new ConfigError(file, lineIndex + 1, column, "File is not valid UTF-8")]);
	}
}

function parseLine(line: string, lineNumber: number, builder: Builder, diagnostics: IniDiagnostics): void {
	let keyStart = 0;
	while (isBlank(line[keyStart])) keyStart++;
	if (keyStart === line.length) return;
	let keyEnd = keyStart;
	while (keyEnd < line.length && line[keyEnd] !== "=" && !isBlank(line[keyEnd])) keyEnd++;
	const keyText = line.slice(keyStart, keyEnd);
	const keyColumn = keyStart + 1;
	let equals = keyEnd;
	while (isBlank(line[equals])) equals++;
	const hasEquals = line[equals] === "=";

	if (keyText === "") {
		diagnostics.warn(lineNumber, keyColumn, "Line has no key before '='; ignored");
		return;
	}
	const key = KEYS.find((candidate) => candidate === keyText);
	if (!key) {
		const caseVariant = KEYS.find((candidate) => candidate.toLowerCase() === keyText.toLowerCase());
		if (caseVariant) {
			diagnostics.error(lineNumber, keyColumn, `Unknown key '${keyText}'; did you mean '${caseVariant}'?`);
		} else {
			diagnostics.warn(lineNumber, keyColumn, `Unknown key '${keyText}'; line ignored`);
		}
		return;
	}
	if (!hasEquals) {
		diagnostics.error(lineNumber, keyColumn, `${key} has no '='`);
		return;
	}
	const tokens = tokenizeValue(line, equals + 1);
	if (tokens.length === 0) {
		diagnostics.error(lineNumber, equals + 2, `${key} has no value`);
		return;
	}
	parseKeyValue(key, tokens, lineNumber, builder, diagnostics);
}

function parseKeyValue(
	key: Key,
	tokens: readonly ValueToken[],
	lineNumber: number,
	builder: Builder,
	diagnostics: IniDiagnostics,
): void {
	const first = tokens[0]!;
	switch (key) {
		case "ActiveClient":
			for (const entry of parseActiveClient(tokens, lineNumber, diagnostics)) {
				addActiveClient(entry, first.column, builder, diagnostics);
			}
			return;
		case "PassiveClient":
			for (const token of tokens) {
				const entry = diagnostics.attempt(lineNumber, token.column, () => parseAllowEntry(token.text));
				if (entry) builder.passiveClients.push(entry.text);
			}
			return;
		case "NullAuthPermit": {
			const value = parseNullAuthPermit(tokens, lineNumber, diagnostics);
			if (value === undefined) return;
			noteSingleValue(key, lineNumber, first.column, builder, diagnostics);
			builder.nullAuthPermit = value;
			return;
		}
		case "Udpstr": {
			const text = joinTokens(tokens);
			if (text !== "auto" && text !== "on" && text !== "off") {
				diagnostics.error(lineNumber, first.column, `Udpstr must be auto, on or off, not '${text}'`);
			} else {
				noteSingleValue(key, lineNumber, first.column, builder, diagnostics);
				builder.udpstr = text;
			}
			return;
		}
		case "UdpstrSize": {
			const size = diagnostics.attempt(lineNumber, first.column, () => parseUdpstrSize(joinTokens(tokens)));
			if (size === undefined) return;
			noteSingleValue(key, lineNumber, first.column, builder, diagnostics);
			builder.udpstrSize = size;
			return;
		}
	}
}

function joinTokens(tokens: readonly ValueToken[]): string {
	return tokens.map((token) => token.text).join(" ");
}

/** §10.4: YES or NO in any case; not exactly uppercase gets a warning because both references read it as NO. */
function parseNullAuthPermit(
	tokens: readonly ValueToken[],
	lineNumber: number,
	diagnostics: IniDiagnostics,
): boolean | undefined {
	const first = tokens[0]!;
	const text = joinTokens(tokens);
	const upper = text.toUpperCase();
	if (tokens.length !== 1 || (upper !== "YES" && upper !== "NO")) {
		diagnostics.error(lineNumber, first.column, `NullAuthPermit must be YES or NO, not '${text}'`);
		return undefined;
	}
	if (text !== upper) {
		const message =
			upper === "YES"
				? `NullAuthPermit '${text}' means YES here but NO to the reference rpcapd and the ExtraHop fork; write YES`
				: `NullAuthPermit '${text}' means NO; the reference rpcapd and the ExtraHop fork only read uppercase, write NO`;
		diagnostics.warn(lineNumber, first.column, message);
	}
	return upper === "YES";
}

/** Records where a single-valued key was set; a repeated one warns that the last value wins. */
function noteSingleValue(
	key: SingleValueKey,
	lineNumber: number,
	column: number,
	builder: Builder,
	diagnostics: IniDiagnostics,
): void {
	const previous = builder.singleValueLines.get(key);
	if (previous !== undefined) {
		diagnostics.warn(lineNumber, column, `${key} is already set on line ${previous}; the last value wins`);
	}
	builder.singleValueLines.set(key, lineNumber);
}

function activeClientKey(entry: IniActiveClient): string {
	const ifaddr = entry.ifaddr ? `${entry.ifaddr.address}/${entry.ifaddr.prefix}` : null;
	return JSON.stringify([entry.host, entry.port, entry.ifname ?? null, ifaddr, entry.udpstr ?? null]);
}

/** Exact duplicates are warned about and dropped (bad-inputs.md N9): they would be a second identical connection. */
function addActiveClient(
	entry: IniActiveClient,
	column: number,
	builder: Builder,
	diagnostics: IniDiagnostics,
): void {
	const key = activeClientKey(entry);
	const previous = builder.activeKeys.get(key);
	if (previous !== undefined) {
		diagnostics.warn(
			entry.source.line,
			column,
			`ActiveClient duplicates the entry on line ${previous}; duplicate ignored`,
		);
		return;
	}
	builder.activeKeys.set(key, entry.source.line);
	builder.activeClients.push(entry);
}
