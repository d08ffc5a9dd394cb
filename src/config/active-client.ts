// The value of an `ActiveClient` line: host, port and options, expanded to one entry per ifname (§10.4).

import { DEFAULT_ACTIVE_PORT } from "./defaults.ts";
import { parseHostText, parsePort } from "./host-syntax.ts";
import { type IfaddrSelector, parseIfaddr } from "./ifaddr.ts";
import type { IniActiveClient } from "./ini-config.ts";
import type { IniDiagnostics } from "./ini-diagnostics.ts";
import type { ValueToken } from "./ini-lines.ts";
import type { UdpstrOverride } from "./schema.ts";

const OPTION_NAMES = ["ifname", "ifaddr", "udpstr"] as const;
type OptionName = (typeof OPTION_NAMES)[number];

interface ParsedOptions {
	readonly ifnames: string[];
	ifaddr?: IfaddrSelector;
	ifaddrColumn?: number;
	udpstr?: UdpstrOverride;
}

function isOptionName(name: string): name is OptionName {
	return (OPTION_NAMES as readonly string[]).includes(name);
}

/** True when the token is an option (`key=value`, or a known key followed by a blank and `=`). */
function startsOption(tokens: readonly ValueToken[], index: number): boolean {
	const token = tokens[index];
	if (!token) return false;
	if (token.text.includes("=")) return true;
	const next = tokens[index + 1];
	return isOptionName(token.text) && next?.afterBlankOnly === true && next.text.startsWith("=");
}

/** Parses an ActiveClient value; returns the entries, or [] after reporting at least one error. */
export function parseActiveClient(
	tokens: readonly ValueToken[],
	line: number,
	diagnostics: IniDiagnostics,
): IniActiveClient[] {
	const errorsBefore = diagnostics.errors.length;
	const hostToken = tokens[0]!;
	const host = diagnostics.attempt(line, hostToken.column, () =>
		parseHostText(hostToken.text, "ActiveClient host"),
	);
	let port: number | undefined = DEFAULT_ACTIVE_PORT;
	let optionsStart = 2;
	if (tokens.length < 2 || startsOption(tokens, 1)) {
		const column = tokens[1]?.column ?? hostToken.column + hostToken.text.length;
		diagnostics.error(line, column, `ActiveClient has no port (write DEFAULT for ${DEFAULT_ACTIVE_PORT})`);
		optionsStart = 1;
	} else {
		const portToken = tokens[1]!;
		port = diagnostics.attempt(line, portToken.column, () =>
			parsePort(portToken.text, "ActiveClient port", true),
		);
	}
	const options = parseOptions(tokens, optionsStart, line, diagnostics);
	if (options.ifnames.length > 1 && options.ifaddr) {
		diagnostics.error(line, options.ifaddrColumn!, "ifaddr cannot be combined with more than one ifname");
	}
	if (diagnostics.errors.length > errorsBefore || host === undefined || port === undefined) return [];

	const source = { file: diagnostics.file, line };
	const entry = (ifname: string | undefined): IniActiveClient => ({
		host,
		port,
		...(ifname === undefined ? {} : { ifname }),
		...(options.ifaddr ? { ifaddr: options.ifaddr } : {}),
		...(options.udpstr ? { udpstr: options.udpstr } : {}),
		source,
	});
	return options.ifnames.length === 0 ? [entry(undefined)] : options.ifnames.map(entry);
}

function parseOptions(
	tokens: readonly ValueToken[],
	start: number,
	line: number,
	diagnostics: IniDiagnostics,
): ParsedOptions {
	const options: ParsedOptions = { ifnames: [] };
	let index = start;
	while (index < tokens.length) index = parseOption(tokens, index, options, line, diagnostics);
	return options;
}

/** Parses the option at `tokens[index]`; returns the index of the token after it. */
function parseOption(
	tokens: readonly ValueToken[],
	index: number,
	options: ParsedOptions,
	line: number,
	diagnostics: IniDiagnostics,
): number {
	const token = tokens[index]!;
	const equals = token.text.indexOf("=");
	if (equals < 0) return parseSpacedOption(tokens, index, line, diagnostics);
	const name = token.text.slice(0, equals);
	const value = token.text.slice(equals + 1);
	const valueColumn = token.column + equals + 1;
	if (name === "") {
		diagnostics.error(line, token.column, `ActiveClient option '${token.text}' has no name`);
		return index + 1;
	}
	if (reportUnknownOption(name, token.column, line, diagnostics)) return index + 1;
	if (value === "") {
		const next = tokens[index + 1];
		if (next?.afterBlankOnly && !next.text.includes("=")) {
			diagnostics.error(line, token.column, `write '${name}=${next.text}' without spaces around '='`);
			return index + 2;
		}
		diagnostics.error(line, valueColumn, `${name} has an empty value`);
		return index + 1;
	}
	applyOption(options, name as OptionName, value, token.column, valueColumn, line, diagnostics);
	return index + 1;
}

/**
 * A token without '=': `ifname = eth0` or `ifname =eth0` (the fork silently drops the preselection; we say how
 * to fix it), or something that is not an option at all. Returns the index after the consumed tokens.
 */
function parseSpacedOption(
	tokens: readonly ValueToken[],
	index: number,
	line: number,
	diagnostics: IniDiagnostics,
): number {
	const token = tokens[index]!;
	const next = tokens[index + 1];
	if (!(next?.afterBlankOnly && next.text.startsWith("="))) {
		diagnostics.error(
			line,
			token.column,
			`ActiveClient option '${token.text}' is not key=value (expected ifname=, ifaddr= or udpstr=)`,
		);
		return index + 1;
	}
	let value = next.text.slice(1);
	let after = index + 2;
	const following = tokens[after];
	if (value === "" && following?.afterBlankOnly && !following.text.includes("=")) {
		value = following.text;
		after++;
	}
	if (!reportUnknownOption(token.text, token.column, line, diagnostics)) {
		diagnostics.error(
			line,
			token.column,
			`write '${token.text}=${value || "VALUE"}' without spaces around '='`,
		);
	}
	return after;
}

/** Reports an unknown option name (with a suggestion when only the case differs); true if it was unknown. */
function reportUnknownOption(
	name: string,
	column: number,
	line: number,
	diagnostics: IniDiagnostics,
): boolean {
	if (isOptionName(name)) return false;
	const lower = name.toLowerCase();
	const message = isOptionName(lower)
		? `Unknown ActiveClient option '${name}'; did you mean '${lower}'?`
		: `Unknown ActiveClient option '${name}' (expected ifname, ifaddr or udpstr)`;
	diagnostics.error(line, column, message);
	return true;
}

function applyOption(
	options: ParsedOptions,
	name: OptionName,
	value: string,
	column: number,
	valueColumn: number,
	line: number,
	diagnostics: IniDiagnostics,
): void {
	switch (name) {
		case "ifname":
			options.ifnames.push(value);
			return;
		case "ifaddr": {
			if (options.ifaddr || options.ifaddrColumn !== undefined) {
				diagnostics.error(line, column, "ifaddr may be given only once");
				return;
			}
			options.ifaddrColumn = column;
			const selector = diagnostics.attempt(line, valueColumn, () => parseIfaddr(value));
			if (selector) options.ifaddr = selector;
			return;
		}
		case "udpstr":
			if (options.udpstr) {
				diagnostics.error(line, column, "udpstr may be given only once");
			} else if (value === "on" || value === "off") {
				options.udpstr = value;
			} else {
				diagnostics.error(line, valueColumn, `udpstr must be on or off, not '${value}'`);
			}
			return;
	}
}
