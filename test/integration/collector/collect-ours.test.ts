// Our daemon → our collector in a namespace over tcp, udp and udpstr: every frame injected at 10 kpps is in the file.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { udpFrames } from "../../support/frames.ts";
import { replay, writeFramesPcap } from "../harness/inject.ts";
import { createWorkspace, type NetNamespace, removeWorkspace } from "../harness/namespace.ts";
import { CollectorProcess, readPcapFile, startOurDaemon, tool } from "./support/collector-process.ts";
import { expectFramesInOrder, frameSize } from "./support/frame-check.ts";

const COUNT = 10_000;
const FILTER = "udp and dst port 9";
/** Real processes and traffic: more than bun's default 5 s per test. */
const TEST_TIMEOUT_MS = 60_000;
let ns: NetNamespace;
let dir: string;

beforeAll(() => {
	({ ns, dir } = createWorkspace("rpcapd-collect-"));
});
afterAll(() => removeWorkspace(ns, dir));

interface Case {
	name: string;
	mode: "passive" | "active";
	transport: "tcp" | "udp" | "udpstr";
	daemon: (port: number) => string[];
	seed: number;
}

const cases: Case[] = [
	{
		name: "tcp, passive",
		mode: "passive",
		transport: "tcp",
		daemon: (p) => ["-n", "-b", "127.0.0.1", "-p", `${p}`],
		seed: 1,
	},
	{
		name: "udp (classic), passive",
		mode: "passive",
		transport: "udp",
		daemon: (p) => ["-n", "-b", "127.0.0.1", "-p", `${p}`, "--udpstr", "off"],
		seed: 20_001,
	},
	{
		name: "udpstr, active",
		mode: "active",
		transport: "udpstr",
		daemon: (p) => ["-n", "-v", "--active", `127.0.0.1:${p}`, "--ifname", "v1"],
		seed: 40_001,
	},
	{
		name: "tcp, active",
		mode: "active",
		transport: "tcp",
		daemon: (p) => ["-n", "-v", "--active", `127.0.0.1:${p}`, "--ifname", "v1"],
		seed: 60_001,
	},
];

describe("rpcapd collect ← our rpcapd", () => {
	cases.forEach((c, index) => {
		test(
			`${c.name}: ${COUNT} frames at 10 kpps, bytes and order identical; capinfos and tshark read the file`,
			async () => {
				const port = 21_000 + index;
				const frames = udpFrames(COUNT, frameSize, 9, c.seed);
				const input = join(dir, `in-${index}.pcap`);
				const output = join(dir, `out-${index}.pcap`);
				writeFramesPcap(input, frames);
				const collectArgs = ["-w", output, "--transport", c.transport, "--stats-poll", "1", FILTER];
				let daemon: ReturnType<typeof startOurDaemon>;
				let collector: CollectorProcess;
				if (c.mode === "passive") {
					daemon = startOurDaemon(ns, c.daemon(port));
					await Bun.sleep(500);
					collector = CollectorProcess.start(ns, [
						"--connect",
						`rpcap://127.0.0.1:${port}/v1`,
						...collectArgs,
					]);
				} else {
					collector = CollectorProcess.start(ns, ["--listen", `127.0.0.1:${port}`, ...collectArgs]);
					await Bun.sleep(300);
					daemon = startOurDaemon(ns, c.daemon(port));
				}
				await collector.capturing();
				expect(await replay(ns, "v0", input, 10_000)).toBe(COUNT);
				await collector.waitFor(`${COUNT} packets`, (s) => (s[0]?.packets ?? 0) >= COUNT);
				const stats = collector.sensors()[0]!;
				expect(stats.iface).toBe("v1");
				expect(stats.transport).toBe(c.transport);
				expect(stats.lost_packets).toBe(0);
				expect(stats.lost_datagrams).toBe(0);
				expect(stats.malformed).toBe(0);
				const { exitCode, stderr } = await collector.stop();
				expect(exitCode).toBe(0);
				expect(stderr).toContain(`${COUNT} packets written`);
				daemon.kill("SIGTERM");
				await daemon.exited;
				expectFramesInOrder(readPcapFile(output), frames);
				expect(await tool(ns, ["capinfos", "-M", "-c", output])).toContain(`${COUNT}`);
				const lines = (await tool(ns, ["tshark", "-r", output, "-T", "fields", "-e", "frame.len"]))
					.trim()
					.split("\n");
				expect(lines.length).toBe(COUNT);
			},
			TEST_TIMEOUT_MS,
		);
	});
});
