import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "bun";
import { parseByteSize, progressLine, summaryText } from "../../../src/cli/reassemble-command.ts";
import { PcapWriter } from "../../../src/formats/index.ts";
import { newReassemblyStats } from "../../../src/reassembly/stats.ts";
import { Conversation } from "../../unit/reassembly/packet-builder.ts";

const workDirectory = mkdtempSync("/tmp/rpcapd-reassemble-cli-");
const FIXTURE = join(import.meta.dir, "fixtures", "run-reassemble.ts");
afterAll(() => rmSync(workDirectory, { recursive: true, force: true }));

function smallCapture(): string {
	const c = new Conversation({ address: "10.9.0.1", port: 50000 }, { address: "10.9.0.2", port: 80 })
		.handshake()
		.send(0, "GET /cli HTTP/1.1\r\nHost: cli.test\r\n\r\n")
		.send(1, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc")
		.fin(0)
		.fin(1);
	const writer = new PcapWriter({ linktype: 1 });
	for (const p of c.packets) writer.writePacket(p.tsSec, p.tsUsec, p.data.length, p.data);
	const path = join(workDirectory, "small.pcap");
	writeFileSync(path, Buffer.concat(writer.takeChunks()));
	return path;
}

function reassemble(args: string[]) {
	const result = spawnSync([process.execPath, FIXTURE, ...args], { stdout: "pipe", stderr: "pipe" });
	return { code: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

describe("rpcapd reassemble", () => {
	test("--http - writes one JSON line per exchange to standard output and a summary to standard error", () => {
		const { code, stdout, stderr } = reassemble([smallCapture(), "--http", "-"]);
		expect(code).toBe(0);
		const [line, ...rest] = stdout.trim().split("\n");
		expect(rest).toEqual([]);
		expect(JSON.parse(line!)).toMatchObject({
			method: "GET",
			url: "/cli",
			host: "cli.test",
			status: 200,
			missing: false,
		});
		expect(stderr).toContain(
			"7 packets, 7 TCP segments, 1 flows (1 closed, 0 idle, 0 evicted, 0 open at end)",
		);
		expect(stderr).toContain("1 HTTP exchanges (0 without response, 0 without request)");
	});

	test("--quiet prints nothing; limits are passed through", () => {
		const { code, stderr } = reassemble([
			smallCapture(),
			"--quiet",
			"--max-flows",
			"5",
			"--max-buffer",
			"1M",
			"--idle-timeout",
			"2.5",
		]);
		expect(code).toBe(0);
		expect(stderr).toBe("");
	});

	test("failures are one line and exit status 1", () => {
		const missing = reassemble([join(workDirectory, "nope.pcap")]);
		expect(missing.code).toBe(1);
		expect(missing.stderr).toStartWith(
			`rpcapd: Cannot read capture file "${join(workDirectory, "nope.pcap")}"`,
		);
		const garbage = join(workDirectory, "garbage.pcap");
		writeFileSync(garbage, "this is not a capture file");
		const bad = reassemble([garbage]);
		expect(bad.code).toBe(1);
		expect(bad.stderr).toContain("Input is neither pcap nor pcapng");
		const badSize = reassemble([smallCapture(), "--max-buffer", "12Q"]);
		expect(badSize.stderr).toBe('rpcapd: Invalid --max-buffer "12Q": expected bytes, e.g. 64M\n');
		const badFlows = reassemble([smallCapture(), "--max-flows", "0"]);
		expect(badFlows.stderr).toBe("rpcapd: Invalid maxFlows 0: expected a number of at least 1\n");
	});

	test("on a terminal a progress bar is drawn on standard error", () => {
		const command = `${process.execPath} ${FIXTURE} ${smallCapture()}`;
		const result = spawnSync(["script", "-qec", command, "/dev/null"], { stdout: "pipe", stderr: "pipe" });
		const screen = result.stdout.toString();
		expect(result.exitCode).toBe(0);
		expect(screen).toContain(`[${"#".repeat(30)}] 100%`);
		expect(screen).toContain("\x1b[K");
	});

	test("sizes, progress and summary texts", () => {
		expect(parseByteSize("--max-buffer", "64k")).toBe(65536);
		expect(parseByteSize("--max-buffer", "16M")).toBe(16 * 1024 * 1024);
		expect(parseByteSize("--max-buffer", "1G")).toBe(1024 ** 3);
		expect(parseByteSize("--max-buffer", "1234")).toBe(1234);
		expect(() => parseByteSize("--max-buffer", "-1")).toThrow('Invalid --max-buffer "-1"');
		const stats = newReassemblyStats();
		stats.packets = 10;
		stats.flowsCreated = 2;
		expect(progressLine(512 * 1024, 1024 * 1024, stats)).toBe(
			`[${"#".repeat(15)}${".".repeat(15)}]  50% 0.5/1.0 MiB  10 packets  2 flows`,
		);
		expect(
			summaryText({ tcp: stats, http: undefined, truncated: "Input ends inside a pcap record" }),
		).toContain("Warning: Input ends inside a pcap record");
	});
});
