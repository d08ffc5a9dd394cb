// The reference C rpcapd → our collector, passive (--connect, tcp and udp) and active (rpcapd -a): every frame arrives.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { udpFrames } from "../../support/frames.ts";
import { replay, writeFramesPcap } from "../harness/inject.ts";
import { createWorkspace, type NetNamespace, removeWorkspace } from "../harness/namespace.ts";
import { CollectorProcess, readPcapFile, startReferenceDaemon, tool } from "./support/collector-process.ts";
import { expectFramesInOrder, frameSize } from "./support/frame-check.ts";

const COUNT = 10_000;
const FILTER = "udp and dst port 9";
/** Real processes and traffic: more than bun's default 5 s per test. */
const TEST_TIMEOUT_MS = 60_000;
let ns: NetNamespace;
let dir: string;

beforeAll(() => {
	({ ns, dir } = createWorkspace("rpcapd-collect-ref-"));
});
afterAll(() => removeWorkspace(ns, dir));

async function checkOutput(output: string, frames: Uint8Array[]): Promise<void> {
	expectFramesInOrder(readPcapFile(output), frames);
	expect(await tool(ns, ["capinfos", "-M", "-c", output])).toContain(`${COUNT}`);
	const lines = (await tool(ns, ["tshark", "-r", output, "-T", "fields", "-e", "frame.len"]))
		.trim()
		.split("\n");
	expect(lines.length).toBe(COUNT);
}

async function collectAll(collector: CollectorProcess, input: string, transport: string): Promise<void> {
	await collector.capturing();
	expect(await replay(ns, "v0", input, 10_000)).toBe(COUNT);
	await collector.waitFor(`${COUNT} packets`, (s) => (s[0]?.packets ?? 0) >= COUNT);
	const stats = collector.sensors()[0]!;
	expect(stats.iface).toBe("v1");
	expect(stats.transport).toBe(transport);
	expect(stats.lost_packets).toBe(0);
	expect(stats.malformed).toBe(0);
	const { exitCode, stderr } = await collector.stop();
	expect(exitCode).toBe(0);
	expect(stderr).toContain(`${COUNT} packets written`);
}

describe("rpcapd collect ← reference rpcapd", () => {
	for (const [index, transport] of (["tcp", "udp"] as const).entries()) {
		test(
			`passive (--connect), ${transport}: ${COUNT} frames at 10 kpps, bytes and order identical`,
			async () => {
				const port = 22_000 + index;
				const frames = udpFrames(COUNT, frameSize, 9, 100_001 + index * COUNT);
				const input = join(dir, `in-${transport}.pcap`);
				const output = join(dir, `out-${transport}.pcap`);
				writeFramesPcap(input, frames);
				const daemon = startReferenceDaemon(ns, ["-b", "127.0.0.1", "-p", `${port}`]);
				await Bun.sleep(500);
				const collector = CollectorProcess.start(ns, [
					"--connect",
					`rpcap://127.0.0.1:${port}/v1`,
					"-w",
					output,
					"--transport",
					transport,
					"--stats-poll",
					"1",
					FILTER,
				]);
				await collectAll(collector, input, transport);
				daemon.kill("SIGTERM");
				await daemon.exited;
				await checkOutput(output, frames);
			},
			TEST_TIMEOUT_MS,
		);
	}

	test(
		`active (rpcapd -a), tcp: ${COUNT} frames at 10 kpps, bytes and order identical`,
		async () => {
			const port = 22_010;
			const frames = udpFrames(COUNT, frameSize, 9, 200_001);
			const input = join(dir, "in-active.pcap");
			const output = join(dir, "out-active.pcap");
			writeFramesPcap(input, frames);
			// The reference retries a failed active connection only every 30 s: the collector listens first.
			const collector = CollectorProcess.start(ns, [
				"--listen",
				`127.0.0.1:${port}`,
				"--iface",
				"v1",
				"-w",
				output,
				FILTER,
			]);
			await Bun.sleep(300);
			const daemon = startReferenceDaemon(ns, [
				"-b",
				"127.0.0.1",
				"-p",
				`${port + 1}`,
				"-a",
				`127.0.0.1,${port}`,
			]);
			await collectAll(collector, input, "tcp");
			daemon.kill("SIGTERM");
			await daemon.exited;
			await checkOutput(output, frames);
		},
		TEST_TIMEOUT_MS,
	);
});

describe("rpcapd collect paces a failing reference sensor", () => {
	test(
		"rejected auth: the reference reconnects at once, the collector holds each new connection (1 s, 2 s, …)",
		async () => {
			const collector = CollectorProcess.start(ns, [
				"--listen",
				"127.0.0.1:22020",
				"--auth",
				"nobody:wrong",
				"-w",
				join(dir, "never.pcap"),
				FILTER,
			]);
			await Bun.sleep(300);
			const daemon = startReferenceDaemon(ns, ["-b", "127.0.0.1", "-p", "22021", "-a", "127.0.0.1,22020"]);
			await collector.waitFor("auth error", (s) => s[0]?.state === "error");
			await Bun.sleep(3500);
			const { exitCode, stderr } = await collector.stop();
			daemon.kill("SIGTERM");
			await daemon.exited;
			expect(exitCode).toBe(0);
			expect(collector.sensors()[0]!.error).toMatch(/Authentication failed/);
			// Without pacing this is hundreds of connections; with it, at 0, 1, 3 (and maybe 7) s.
			const sessions = stderr.split("\n").filter((line) => line.includes("sensor connected")).length;
			expect(sessions).toBeGreaterThanOrEqual(2);
			expect(sessions).toBeLessThanOrEqual(4);
		},
		TEST_TIMEOUT_MS,
	);
});
