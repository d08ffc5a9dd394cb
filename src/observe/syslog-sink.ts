// Log lines to syslog (facility daemon, ident rpcapd[pid]), falling back to stderr with a warning when there is no syslog socket.

import { openSyslogSocket, SyslogUnavailableError } from "../../ffi/syslog-socket.ts";
import { type LogLevel, type LogSink, stderrSink } from "./logger.ts";

const LOG_DAEMON = 3;
const SEVERITY: Record<LogLevel, number> = { debug: 7, info: 6, notice: 5, warn: 4, error: 3 };

/** The `<PRI>ident[pid]: message` datagram of RFC 3164 as /dev/log expects it (the daemon adds the time). */
export function syslogDatagram(level: LogLevel, line: string, pid = process.pid): Uint8Array {
	const priority = LOG_DAEMON * 8 + SEVERITY[level];
	const message = line.startsWith("rpcapd: ") ? line.slice(8) : line;
	return new TextEncoder().encode(`<${priority}>rpcapd[${pid}]: ${message}`);
}

/** A syslog sink, or stderr plus a warning line when syslog is unavailable. */
export function createSyslogSink(alsoStderr: boolean, path?: string): { sink: LogSink; warning?: string } {
	try {
		const socket = openSyslogSocket(path);
		return {
			sink: {
				write(level, line) {
					if (!socket.send(syslogDatagram(level, line)) || alsoStderr) stderrSink.write(level, line);
				},
			},
		};
	} catch (error) {
		const reason = error instanceof SyslogUnavailableError ? error.message : String(error);
		return { sink: stderrSink, warning: `syslog unavailable (${reason}); logging to stderr` };
	}
}
