// Two sensors into one pcapng (each frame on its own interface), and udpstr over a lossy path (gaps = real drops).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { udpFrames } from "../../support/frames.ts";
import { replay, writeFramesPcap } from "../harness/inject.ts";
import { createWorkspace, type NetNamespace, removeWorkspace } from "../harness/namespace.ts";
import {
	CollectorProcess,
	readPcapFile,
	startOurDaemon,
	startReferenceDaemon,
	tool,
} from "./support/collector-process.ts";
import { expectFramesInOrder, frameSize } from "./support/frame-check.ts";

/** Real processes and traffic: more than bun's default 5 s per test. */
const TEST_TIMEOUT_MS = 60_000;
let ns: NetNamespace;
let dir: string;

beforeAll(async () => {
	({ ns, dir } = createWorkspace("rpcapd-collect-multi-"));
	await tool(ns, ["ip", "link", "add", "v2", "type", "veth", "peer", "name", "v3"]);
	for (const v of ["v2", "v3"]) {
		ns.sysctl(`net.ipv6.conf.${v}.disable_ipv6`, "1");
		await tool(ns, ["ip", "link", "set", v, "up"]);
	}
});
afterAll(() => removeWorkspace(ns, dir));

describe("rpcapd collect, several sensors and loss", () => {
	test(
		"two sensors (ours active on v1, reference passive on v3) into one pcapng: frames attributed",
		async () => {
			const count = 5000;
			const framesA = udpFrames(count, frameSize, 9, 300_001);
			const framesB = udpFrames(count, frameSize, 10, 400_001);
			const inputA = join(dir, "a.pcap");
			const inputB = join(dir, "b.pcap");
			const output = join(dir, "two.pcapng");
			writeFramesPcap(inputA, framesA);
			writeFramesPcap(inputB, framesB);
			const reference = startReferenceDaemon(ns, ["-b", "127.0.0.1", "-p", "23002"]);
			await Bun.sleep(300);
			const collector = CollectorProcess.start(ns, [
				"--listen",
				"127.0.0.1:23003",
				"--connect",
				"rpcap://127.0.0.1:23002/v3",
				"--format",
				"pcapng",
				"-w",
				output,
				"udp and (dst port 9 or dst port 10)",
			]);
			await Bun.sleep(300);
			const ours = startOurDaemon(ns, ["-n", "-v", "--active", "127.0.0.1:23003", "--ifname", "v1"]);
			await collector.capturing(2);
			const [sentA, sentB] = await Promise.all([
				replay(ns, "v0", inputA, 10_000),
				replay(ns, "v2", inputB, 10_000),
			]);
			expect([sentA, sentB]).toEqual([count, count]);
			await collector.waitFor("both complete", (s) => s.length === 2 && s.every((x) => x.packets >= count));
			expect((await collector.stop()).exitCode).toBe(0);
			ours.kill("SIGTERM");
			reference.kill("SIGTERM");
			await Promise.all([ours.exited, reference.exited]);

			const file = readPcapFile(output);
			expect(file.interfaces.map((i) => i.name).sort()).toEqual(["127.0.0.1/v1", "127.0.0.1:23002/v3"]);
			expectFramesInOrder(file, framesA, "127.0.0.1/v1");
			expectFramesInOrder(file, framesB, "127.0.0.1:23002/v3");
			expect(await tool(ns, ["capinfos", "-I", output])).toContain("Number of interfaces in file: 2");
			const fields = (
				await tool(ns, [
					"tshark",
					"-r",
					output,
					"-T",
					"fields",
					"-e",
					"frame.interface_name",
					"-e",
					"udp.dstport",
				])
			)
				.trim()
				.split("\n");
			expect(fields.length).toBe(2 * count);
			const wrong = fields.filter((line) => {
				const [iface, port] = line.split("\t");
				return port === "9" ? iface !== "127.0.0.1/v1" : iface !== "127.0.0.1:23002/v3";
			});
			expect(wrong).toEqual([]);
		},
		TEST_TIMEOUT_MS,
	);

	test(
		"udpstr over a lossy path: lost datagrams = datagrams dropped on the way; packets + lost = injected",
		async () => {
			const warmup = udpFrames(300, frameSize, 9, 500_001);
			const lossy = udpFrames(10_000, frameSize, 9, 501_001);
			const tail = udpFrames(300, frameSize, 9, 512_001);
			const all = [...warmup, ...lossy, ...tail];
			const files = [warmup, lossy, tail].map((frames, i) => {
				const path = join(dir, `loss-${i}.pcap`);
				writeFramesPcap(path, frames);
				return path;
			});
			const output = join(dir, "lossy.pcap");
			const collector = CollectorProcess.start(ns, [
				"--listen",
				"127.0.0.1:23013",
				"--transport",
				"udpstr",
				"-w",
				output,
				"udp and dst port 9",
			]);
			await Bun.sleep(300);
			const daemon = startOurDaemon(ns, ["-n", "-v", "--active", "127.0.0.1:23013", "--ifname", "v1"]);
			await collector.capturing();
			await replay(ns, "v0", files[0]!, 10_000);
			await collector.waitFor("warm-up", (s) => (s[0]?.packets ?? 0) >= warmup.length);

			// 10 % of the UDP datagrams arriving on lo are dropped (only the data channel is UDP in this namespace).
			// nftables rather than netem (this kernel has no sch_netem); the input hook keeps the sender unaware,
			// and the rule's counter is the exact number dropped.
			await tool(ns, ["nft", "add", "table", "inet", "lossy"]);
			await tool(ns, [
				"nft",
				"add",
				"chain",
				"inet",
				"lossy",
				"in",
				"{ type filter hook input priority 0; }",
			]);
			await tool(ns, [
				"nft",
				"add",
				"rule",
				"inet",
				"lossy",
				"in",
				"meta",
				"l4proto",
				"udp",
				"numgen",
				"random",
				"mod",
				"10",
				"0",
				"counter",
				"drop",
			]);
			await replay(ns, "v0", files[1]!, 10_000);
			await Bun.sleep(500);
			const rules = await tool(ns, ["nft", "list", "chain", "inet", "lossy", "in"]);
			await tool(ns, ["nft", "delete", "table", "inet", "lossy"]);
			const dropped = Number(/counter packets (\d+) bytes \d+ drop/.exec(rules)?.[1]);
			expect(dropped).toBeGreaterThan(50);

			// Loss-free tail: the datagrams after the last gap reveal it.
			await replay(ns, "v0", files[2]!, 10_000);
			await collector.waitFor("every packet accounted for", (s) => {
				const x = s[0];
				return x !== undefined && x.packets + x.lost_packets >= all.length;
			});
			const stats = collector.sensors()[0]!;
			expect(stats.transport).toBe("udpstr");
			expect(stats.lost_datagrams).toBe(dropped);
			expect(stats.packets + stats.lost_packets).toBe(all.length);
			expect(stats.lost_packets).toBeGreaterThan(0);
			expect(stats.late_datagrams + stats.malformed + stats.foreign_datagrams).toBe(0);
			expect((await collector.stop()).exitCode).toBe(0);
			daemon.kill("SIGTERM");
			await daemon.exited;

			// What did arrive is in the file, in order, byte-identical: a subsequence of what was injected.
			const records = readPcapFile(output).records;
			expect(records.length).toBe(stats.packets);
			let next = 0;
			for (const record of records) {
				while (next < all.length && Buffer.compare(Buffer.from(record.data), Buffer.from(all[next]!)) !== 0)
					next++;
				expect(next).toBeLessThan(all.length);
				next++;
			}
		},
		TEST_TIMEOUT_MS,
	);
});
