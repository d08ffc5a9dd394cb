import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSyslogSink, syslogDatagram } from "../../../src/observe/syslog-sink.ts";

describe("syslog sink", () => {
	test("datagrams are RFC 3164 style: <facility daemon × 8 + severity>rpcapd[pid]: message", () => {
		expect(new TextDecoder().decode(syslogDatagram("warn", "rpcapd: warning: x", 42))).toBe(
			"<28>rpcapd[42]: warning: x",
		);
		expect(new TextDecoder().decode(syslogDatagram("info", "listening", 7))).toBe("<30>rpcapd[7]: listening");
	});

	test("no syslog socket: stderr with a warning that says why", () => {
		const { sink, warning } = createSyslogSink(false, "/nonexistent/dev-log");
		expect(warning).toContain("syslog unavailable (no syslog socket at /nonexistent/dev-log)");
		expect(typeof sink.write).toBe("function");
	});

	test("a real Unix datagram socket receives the lines", async () => {
		const dir = mkdtempSync(join(tmpdir(), "rpcapd-syslog-"));
		const path = join(dir, "log");
		try {
			// Bun has no Unix datagram sockets of its own; a tiny Python listener plays the syslog daemon.
			const listener = Bun.spawn(
				[
					"python3",
					"-c",
					`import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\nprint("ready",flush=True)\nprint(s.recv(4096).decode(),flush=True)`,
					path,
				],
				{ stdout: "pipe" },
			);
			const reader = listener.stdout.getReader();
			let text = new TextDecoder().decode((await reader.read()).value);
			expect(text).toContain("ready");
			const { sink, warning } = createSyslogSink(false, path);
			expect(warning).toBeUndefined();
			sink.write("notice", "rpcapd: the collector sent CLOSE");
			while (!text.includes("CLOSE")) text += new TextDecoder().decode((await reader.read()).value);
			expect(text).toContain(`<29>rpcapd[${process.pid}]: the collector sent CLOSE`);
			await listener.exited;
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});
