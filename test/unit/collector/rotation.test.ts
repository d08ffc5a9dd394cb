// Rotation like tcpdump (-C, -G, -W), file names (strftime, counters, split templates), sink option checks.

import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
	CollectorOptionError,
	counterWidth,
	createSink,
	fileNamePart,
	openFileOutput,
	PcapSink,
	rotatedFileName,
	SinkStreamError,
	type StreamInfo,
	splitFileName,
	strftime,
} from "../../../src/collector/index.ts";
import { readCapture } from "../../../src/formats/index.ts";

const dir = mkdtempSync(join(tmpdir(), "rpcapd-rotation-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let caseNumber = 0;
const caseDir = () => {
	const path = join(dir, `case${++caseNumber}`);
	mkdirSync(path);
	return path;
};

const stream: StreamInfo = { sensor: "10.0.0.1", iface: "eth0", linktype: 1, snaplen: 65535 };
const payload = new Uint8Array(984).fill(7);
const packetsIn = (path: string) => readCapture(new Uint8Array(readFileSync(path))).records.length;

describe("file names", () => {
	test("strftime conversions used in capture names (local time)", () => {
		const date = new Date(2024, 1, 9, 7, 5, 3);
		expect(strftime("cap-%Y%m%d-%H%M%S.pcap", date)).toBe("cap-20240209-070503.pcap");
		expect(strftime("%y %e %j %F %T %% %Q", date)).toBe("24  9 040 2024-02-09 07:05:03 % %Q");
		expect(strftime("%s", date)).toBe(String(Math.floor(date.getTime() / 1000)));
	});

	test("tcpdump's counter: none for the first -C file, then 1, 2…; zero-padded to the digits of W−1 in a ring", () => {
		expect(counterWidth(1)).toBe(0);
		expect(counterWidth(10)).toBe(1);
		expect(counterWidth(11)).toBe(2);
		expect(counterWidth(100)).toBe(2);
		expect(rotatedFileName("x.pcap", 0, 0, null)).toBe("x.pcap");
		expect(rotatedFileName("x.pcap", 3, 0, null)).toBe("x.pcap3");
		expect(rotatedFileName("x.pcap", 3, 2, null)).toBe("x.pcap03");
		expect(rotatedFileName("%H.pcap", 0, 0, new Date(2024, 0, 1, 13))).toBe("13.pcap");
	});

	test("split names: placeholders, or sensor and interface before the extension; unsafe characters replaced", () => {
		const info = { ...stream, sensor: "[::1]:2002", iface: "eth0/1" };
		expect(splitFileName("out/{sensor}-{iface}.pcapng", info)).toBe("out/___1__2002-eth0_1.pcapng");
		expect(splitFileName("cap.pcap", stream)).toBe("cap_10.0.0.1_eth0.pcap");
		expect(splitFileName("dir.d/cap", stream)).toBe("dir.d/cap_10.0.0.1_eth0");
		expect(fileNamePart("..")).toBe("_");
	});
});

describe("RotatingSink", () => {
	test("-C: a new file once the current one is over the size, named x, x1, x2, …; nothing lost", async () => {
		const d = caseDir();
		const sink = createSink({
			path: join(d, "x.pcap"),
			format: "pcap",
			split: false,
			rotation: { maxFileBytes: 10_000 },
		});
		const id = sink.addStream(stream);
		for (let i = 0; i < 35; i++) sink.write(id, i, 0, 1000, payload);
		await sink.close();
		const files = readdirSync(d).sort();
		expect(files).toEqual(["x.pcap", "x.pcap1", "x.pcap2", "x.pcap3"]);
		// Checked before each write, as tcpdump: a file grows past the limit by at most one record.
		expect(files.map((f) => packetsIn(join(d, f)))).toEqual([10, 10, 10, 5]);
		expect(sink.stats()).toMatchObject({ packetsWritten: 35, packetsDropped: 0, filesOpened: 4 });
	});

	test("-C with -W: a ring of W files, names padded, the oldest overwritten", async () => {
		const d = caseDir();
		const sink = createSink({
			path: join(d, "ring.pcap"),
			format: "pcap",
			split: false,
			rotation: { maxFileBytes: 5_000, maxFiles: 3 },
		});
		const id = sink.addStream(stream);
		for (let i = 0; i < 40; i++) sink.write(id, i, 0, 1000, payload);
		await sink.close();
		expect(readdirSync(d).sort()).toEqual(["ring.pcap0", "ring.pcap1", "ring.pcap2"]);
		const last = readCapture(new Uint8Array(readFileSync(join(d, "ring.pcap1"))));
		expect(last.records.at(-1)!.tsSec).toBe(39);
		expect(sink.stats().filesOpened).toBe(8);
	});

	test("-G: a new strftime-named file on the first packet after the interval; -W then stops and reports", async () => {
		const d = caseDir();
		let now = new Date(2024, 4, 1, 10, 0, 0).getTime();
		let limitReached = 0;
		const sink = createSink({
			path: join(d, "g-%H%M%S.pcapng"),
			format: "pcapng",
			split: false,
			rotation: { intervalSeconds: 60, maxFiles: 2, now: () => now, onLimitReached: () => limitReached++ },
		});
		const id = sink.addStream(stream);
		sink.write(id, 1, 0, 1000, payload);
		now += 30_000;
		sink.write(id, 2, 0, 1000, payload);
		now += 30_000;
		sink.write(id, 3, 0, 1000, payload);
		now += 61_000;
		sink.write(id, 4, 0, 1000, payload);
		sink.write(id, 5, 0, 1000, payload);
		await sink.close();
		expect(readdirSync(d).sort()).toEqual(["g-100000.pcapng", "g-100100.pcapng"]);
		expect(packetsIn(join(d, "g-100000.pcapng"))).toBe(2);
		expect(packetsIn(join(d, "g-100100.pcapng"))).toBe(1);
		expect(limitReached).toBe(1);
		expect(sink.stats()).toMatchObject({ packetsWritten: 3, packetsDropped: 2 });
	});

	test("an output directory that is not writable is an option error at startup", () => {
		expect(() =>
			createSink({ path: join(dir, "missing/x.pcap"), format: "pcap", split: false, rotation: {} }),
		).toThrow(/^Cannot write capture files in ".*missing": /);
	});

	test("a file that cannot be created: the session's stream fails to register, with the OS reason", () => {
		const sink = createSink({
			path: join(dir, "{sensor}/x.pcap"),
			format: "pcap",
			split: false,
			rotation: { maxFileBytes: 1000 },
		});
		expect(() => sink.addStream(stream)).toThrow(/Cannot create ".*\{sensor\}\/x.pcap"/);
	});
});

describe("format sinks and options", () => {
	test("a pcap file takes one link type; another is refused with a hint", () => {
		const d = caseDir();
		const sink = new PcapSink(() => openFileOutput(join(d, "one.pcap")));
		sink.addStream(stream);
		sink.addStream({ ...stream, sensor: "10.0.0.2" });
		expect(() => sink.addStream({ ...stream, iface: "wlan0", linktype: 127 })).toThrow(SinkStreamError);
		expect(() => sink.addStream({ ...stream, iface: "wlan0", linktype: 127 })).toThrow(
			/use --format pcapng or --split/,
		);
	});

	test("files are created with the first stream, not before", async () => {
		const d = caseDir();
		const sink = createSink({ path: join(d, "lazy.pcap"), format: "pcap", split: false, rotation: {} });
		expect(existsSync(join(d, "lazy.pcap"))).toBe(false);
		sink.addStream(stream);
		await sink.flush();
		expect(readFileSync(join(d, "lazy.pcap")).length).toBe(24);
		await sink.close();
	});

	test("impossible combinations are option errors", () => {
		const base = { path: "x.pcap", format: "pcap" as const, split: false, rotation: {} };
		const bad: [Parameters<typeof createSink>[0], string][] = [
			[{ ...base, path: "-", split: true }, "Standard output (-w -) cannot be split or rotated"],
			[
				{ ...base, path: "-", rotation: { maxFileBytes: 5 } },
				"Standard output (-w -) cannot be split or rotated",
			],
			[{ ...base, rotation: { maxFiles: 3 } }, "-W needs -C or -G"],
			[{ ...base, rotation: { maxFileBytes: 0 } }, "-C must be a positive number, got 0"],
			[
				{ ...base, rotation: { intervalSeconds: 5, maxFiles: 1.5 } },
				"-W must be a positive integer, got 1.5",
			],
			[{ ...base, path: "" }, "The output file name is empty"],
		];
		for (const [options, message] of bad) {
			expect(() => createSink(options)).toThrow(CollectorOptionError);
			expect(() => createSink(options)).toThrow(message);
		}
	});

	test("split: two streams whose names collide get distinct files", async () => {
		const d = caseDir();
		const sink = createSink({ path: join(d, "s-{sensor}.pcap"), format: "pcap", split: true, rotation: {} });
		const a = sink.addStream(stream);
		const b = sink.addStream({ ...stream, iface: "eth1" });
		sink.write(a, 1, 0, 10, payload);
		sink.write(b, 2, 0, 10, payload);
		await sink.close();
		expect(readdirSync(d).sort()).toEqual(["s-10.0.0.1.pcap", "s-10.0.0.1.pcap-2"]);
		expect(sink.fileOf(b)).toBe(join(d, "s-10.0.0.1.pcap-2"));
	});
});
