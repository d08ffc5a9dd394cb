// Leveled logging as text (rpcapd's own "rpcapd: warning: ..." style) or JSON lines, to stderr or any line sink.

import { escapeControlCharacters } from "./log-escape.ts";

export type LogLevel = "debug" | "info" | "notice" | "warn" | "error";
export type LogFormat = "text" | "json";

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, notice: 2, warn: 3, error: 4 };
const TEXT_TAG: Record<LogLevel, string> = {
	debug: "DEBUG: ",
	info: "",
	notice: "",
	warn: "warning: ",
	error: "error: ",
};

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
	debug(message: string, fields?: LogFields): void;
	info(message: string, fields?: LogFields): void;
	notice(message: string, fields?: LogFields): void;
	warn(message: string, fields?: LogFields): void;
	error(message: string, fields?: LogFields): void;
	/** A logger that adds `fields` to every line (e.g. the peer of a connection). */
	child(fields: LogFields): Logger;
	enabled(level: LogLevel): boolean;
}

/** Where finished lines go: stderr, syslog, a test array. */
export interface LogSink {
	write(level: LogLevel, line: string): void;
}

export const stderrSink: LogSink = {
	write(_level, line) {
		process.stderr.write(`${line}\n`);
	},
};

function formatFields(fields: LogFields): string {
	const parts: string[] = [];
	for (const [key, value] of Object.entries(fields)) {
		if (value === undefined) continue;
		parts.push(`${key}=${typeof value === "string" ? escapeControlCharacters(value) : String(value)}`);
	}
	return parts.length > 0 ? ` (${parts.join(" ")})` : "";
}

export interface LoggerOptions {
	level: LogLevel;
	format: LogFormat;
	sink?: LogSink;
	clock?: () => Date;
}

export function createLogger(options: LoggerOptions, baseFields: LogFields = {}): Logger {
	const sink = options.sink ?? stderrSink;
	const clock = options.clock ?? (() => new Date());
	const minimum = RANK[options.level];
	const emit = (level: LogLevel, message: string, fields: LogFields = {}) => {
		if (RANK[level] < minimum) return;
		const all = { ...baseFields, ...fields };
		if (options.format === "json") {
			sink.write(level, JSON.stringify({ time: clock().toISOString(), level, msg: message, ...all }));
		} else {
			sink.write(level, `rpcapd: ${TEXT_TAG[level]}${escapeControlCharacters(message)}${formatFields(all)}`);
		}
	};
	return {
		debug: (m, f) => emit("debug", m, f),
		info: (m, f) => emit("info", m, f),
		notice: (m, f) => emit("notice", m, f),
		warn: (m, f) => emit("warn", m, f),
		error: (m, f) => emit("error", m, f),
		child: (fields) => createLogger(options, { ...baseFields, ...fields }),
		enabled: (level) => RANK[level] >= minimum,
	};
}

/** Collects lines in memory; for tests. */
export function memorySink(): LogSink & { lines: { level: LogLevel; line: string }[] } {
	const lines: { level: LogLevel; line: string }[] = [];
	return {
		lines,
		write(level, line) {
			lines.push({ level, line });
		},
	};
}
