// Issue 4's udpstr checks end to end: our daemon's udpstr stream of 64…9000-byte frames reassembles byte-identical in
// our collector; then every 50th datagram is dropped (nftables, exact counter), and only the records that straddle a
// lost datagram are lost — computed independently from the datagrams tcpdump saw on the wire.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readCapture } from "../../../src/formats/index.ts";
import { UdpstrReceiver } from "../../../src/protocol/index.ts";
import { udpFrame } from "../../support/frames.ts";
import { replay, writeFramesPcap } from "../harness/inject.ts";
import { LoopbackRecorder } from "../harness/loopback-recorder.ts";
import { createWorkspace, type NetNamespace, removeWorkspace } from "../harness/namespace.ts";
import { CollectorProcess, readPcapFile, startOurDaemon, tool } from "./support/collector-process.ts";
import { expectFramesInOrder } from "./support/frame-check.ts";

let ns: NetNamespace;
let dir: string;
const SIZES = [64, 9000, 1514, 200, 4000, 60, 7000, 128, 3000, 600, 8999, 90];

beforeAll(() => {
	({ ns, dir } = createWorkspace("rpcapd-udpstr50-"));
	for (const v of ["v0", "v1"]) Bun.spawnSync(["ip", "-n", ns.name, "link", "set", v, "mtu", "9100"]);
});
afterAll(() => removeWorkspace(ns, dir));

interface Datagram {
	seqno: number;
	bytes: Uint8Array;
	/** Capture time on the wire, seconds (same clock as the test). */
	time: number;
}

/** The udpstr datagrams tcpdump recorded on lo, in seqno order (Ethernet 14 + IPv4 20 + UDP 8 before the payload). */
function datagramsOnTheWire(pcap: string): Datagram[] {
	return readCapture(new Uint8Array(readFileSync(pcap)))
		.records.map((r) => ({ bytes: r.data.subarray(42), time: r.tsSec + r.tsUsec / 1e6 }))
		.filter(({ bytes }) => bytes[1] === 110)
		.map(({ bytes, time }) => ({
			seqno: new DataView(bytes.buffer, bytes.byteOffset).getUint32(4),
			bytes,
			time,
		}))
		.sort((a, b) => a.seqno - b.seqno);
}

test("udpstr: mixed 64…9000-byte frames arrive byte-identical; with every 50th datagram dropped only straddling records are lost, and the gap counters say exactly how many", async () => {
	const clean = Array.from({ length: 1200 }, (_, i) =>
		udpFrame({ size: SIZES[i % SIZES.length]!, dstPort: 9, seed: 1 + i }),
	);
	const lossy = Array.from({ length: 3000 }, (_, i) =>
		udpFrame({ size: SIZES[(i * 7) % SIZES.length]!, dstPort: 9, seed: 100_001 + i }),
	);
	const tail = Array.from({ length: 60 }, (_, i) => udpFrame({ size: 200, dstPort: 9, seed: 900_001 + i }));
	for (const [name, frames] of [
		["clean", clean],
		["lossy", lossy],
		["tail", tail],
	] as const)
		writeFramesPcap(join(dir, `${name}.pcap`), frames);

	const wire = join(dir, "wire.pcap");
	const recorder = await LoopbackRecorder.start(ns, wire, "udp");
	const output = join(dir, "out.pcap");
	const collector = CollectorProcess.start(ns, [
		"--listen",
		"127.0.0.1:23050",
		"--transport",
		"udpstr",
		"-w",
		output,
		"udp and dst port 9",
	]);
	await Bun.sleep(300);
	const daemon = startOurDaemon(ns, ["-n", "-v", "--active", "127.0.0.1:23050", "--ifname", "v1"]);
	await collector.capturing();
	await Bun.sleep(500);

	// 1. No loss: the whole mixed-size capture reassembles byte-identical.
	await replay(ns, "v0", join(dir, "clean.pcap"), 2000);
	await collector.waitFor("the clean part", (s) => (s[0]?.packets ?? 0) >= clean.length);
	expect(collector.sensors()[0]!.lost_packets).toBe(0);
	await Bun.sleep(200); // the 20 ms age flush has sent the tail: the wire is quiet before the rule goes in

	// 2. Every 50th datagram from here on is dropped at the input hook (after tcpdump's tap), counted exactly.
	await tool(ns, ["nft", "add", "table", "inet", "every50"]);
	await tool(ns, ["nft", "add", "chain", "inet", "every50", "in", "{ type filter hook input priority 0; }"]);
	await tool(ns, [
		"nft",
		"add",
		"rule",
		"inet",
		"every50",
		"in",
		"meta",
		"l4proto",
		"udp",
		"numgen",
		"inc",
		"mod",
		"50",
		"0",
		"counter",
		"drop",
	]);
	const ruleInstalledAt = Date.now() / 1000;
	await replay(ns, "v0", join(dir, "lossy.pcap"), 2000);
	await Bun.sleep(300);
	const rules = await tool(ns, ["nft", "list", "chain", "inet", "every50", "in"]);
	await tool(ns, ["nft", "delete", "table", "inet", "every50"]);
	const dropped = Number(/counter packets (\d+) bytes \d+ drop/.exec(rules)?.[1]);
	expect(dropped).toBeGreaterThan(10);
	await replay(ns, "v0", join(dir, "tail.pcap"), 2000); // loss-free datagrams after the last gap reveal it
	const all = [...clean, ...lossy, ...tail];
	await collector.waitFor(
		"every frame accounted for",
		(s) => (s[0]?.packets ?? 0) + (s[0]?.lost_packets ?? 0) >= all.length,
	);
	const stats = collector.sensors()[0]!;
	expect((await collector.stop()).exitCode).toBe(0);
	daemon.kill("SIGTERM");
	await daemon.exited;
	await Bun.sleep(500);
	await recorder.stop();

	// The independent account: replay the wire's datagrams, without the dropped ones (the rule's counter started at
	// the first datagram after it was installed: numgen 0, 50, 100, …), through the §7 receiver.
	const datagrams = datagramsOnTheWire(wire);
	expect(datagrams.map((d) => d.seqno)).toEqual(datagrams.map((_, i) => i)); // tcpdump saw every datagram
	// The wire was quiet for 200 ms before the rule went in, so the first datagram after that moment is numgen 0.
	const firstLossySeqno = datagrams.find((d) => d.time > ruleInstalledAt)!.seqno;
	const droppedSeqnos = new Set(Array.from({ length: dropped }, (_, k) => firstLossySeqno + 50 * k));
	const survivors: number[] = [];
	const receiver = new UdpstrReceiver({
		snaplen: 65535,
		onRecord: (_s, _u, _c, _l, npkt) => survivors.push(npkt),
	});
	for (const d of datagrams) if (!droppedSeqnos.has(d.seqno)) receiver.receive(d.bytes);
	receiver.end();
	expect(receiver.counters.lostDatagrams).toBe(dropped);
	expect(stats.lost_datagrams).toBe(dropped);
	expect(stats.lost_packets).toBe(receiver.counters.lostRecords);
	expect(stats.packets).toBe(survivors.length);
	expect(survivors.length + receiver.counters.lostRecords).toBe(all.length);

	// Only the records overlapping a dropped datagram are missing: walk the stream's byte ranges.
	const straddling = recordsOverlapping(datagrams, droppedSeqnos);
	expect(all.length - survivors.length).toBe(straddling.size);
	const expected = all.filter((_, i) => !straddling.has(i + 1));
	expectFramesInOrder(readPcapFile(output), expected);
}, 120_000);

/** npkt (1-based) of every record whose bytes lie partly in a dropped datagram. */
function recordsOverlapping(datagrams: Datagram[], dropped: Set<number>): Set<number> {
	const lost = new Set<number>();
	let record = 0; // npkt of the record the stream is inside
	let remaining = 0; // bytes of that record still to come
	let header = new Uint8Array(0);
	for (const d of datagrams) {
		const isDropped = dropped.has(d.seqno);
		for (let at = 8; at < d.bytes.length; ) {
			if (remaining === 0) {
				// A 20-byte rpcap_pkthdr never straddles datagrams (extrahop-udpstr.md §3.3).
				header = Uint8Array.from(d.bytes.subarray(at, at + 20));
				const view = new DataView(header.buffer, header.byteOffset, 20);
				record = view.getUint32(16);
				remaining = 20 + view.getUint32(8);
			}
			const take = Math.min(remaining, d.bytes.length - at);
			if (isDropped) lost.add(record);
			remaining -= take;
			at += take;
		}
	}
	return lost;
}
