// Session: BPF programs (group F), UPDATEFILTER (G), SETSAMPLING (H) and STATS (I) rows of bad-inputs.md.

import { describe, expect, test } from "bun:test";
import {
	type BpfProgram,
	decodeStatsReply,
	encodeFilter,
	MessageType,
	StartcapFlag,
	type StatsReply,
} from "../../../src/protocol/index.ts";
import { concatBytes } from "../../support/bytes.ts";
import { udpFrame, udpFrames } from "../../support/frames.ts";
import { ACCEPT_ALL, ACCEPT_NONE, IPV4_UDP_ONLY, request } from "../../support/rpcap-requests.ts";
import { expectReplies, SessionHarness } from "../../support/session-harness.ts";
import { longValidProgram } from "../protocol/bpf-programs.ts";

const INVALID = "The filter contains invalid instructions";
const op = (code: number, k = 0, jt = 0, jf = 0) => ({ code, jt, jf, k: k >>> 0 });

const BAD_PROGRAMS: [string, BpfProgram, string][] = [
	[
		"F1 backward ja through wrap-around",
		[op(0x05, 0xffffffff), op(0x06)],
		`${INVALID}: jump out of range at instruction 0`,
	],
	["F2 ja to exactly nitems", [op(0x05, 1), op(0x06)], `${INVALID}: jump out of range at instruction 0`],
	[
		"F3 jeq jt 200 in 3 instructions",
		[op(0x28, 12), op(0x15, 0x800, 200, 0), op(0x06)],
		`${INVALID}: jump out of range at instruction 1`,
	],
	[
		"F4 last instruction not RET",
		[op(0x28, 12)],
		`${INVALID}: last instruction is not a return at instruction 0`,
	],
	[
		"F5 ld M[16]",
		[op(0x60, 16), op(0x06)],
		`${INVALID}: scratch memory index 16 out of range at instruction 0`,
	],
	[
		"F5 st M[16]",
		[op(0x02, 16), op(0x06)],
		`${INVALID}: scratch memory index 16 out of range at instruction 0`,
	],
	[
		"F5 ldx M[255]",
		[op(0x61, 255), op(0x06)],
		`${INVALID}: scratch memory index 255 out of range at instruction 0`,
	],
	["F6 div #0", [op(0x34, 0), op(0x06)], `${INVALID}: division by constant zero at instruction 0`],
	["F6 mod #0", [op(0x94, 0), op(0x06)], `${INVALID}: modulo by constant zero at instruction 0`],
	[
		"F7 undefined opcode 0xFFFF",
		[op(0xffff), op(0x06)],
		`${INVALID}: unknown opcode 0xffff at instruction 0`,
	],
];

function arpFrame(): Uint8Array {
	const frame = new Uint8Array(60);
	frame[12] = 0x08;
	frame[13] = 0x06;
	return frame;
}

async function capturing(
	init: Parameters<typeof request.startcap>[0] = {},
	options: Parameters<typeof SessionHarness.authenticated>[0] = {},
): Promise<SessionHarness> {
	const h = await SessionHarness.authenticated(options);
	await h.selectDevice();
	await h.send(request.startcapTo(StartcapFlag.SERVEROPEN, 40001, init));
	expectReplies(h, ["STARTCAP_REPLY"]);
	return h;
}

async function stats(h: SessionHarness): Promise<StatsReply> {
	await h.send(request.stats());
	const [reply] = expectReplies(h, ["STATS_REPLY"]);
	return decodeStatsReply(reply!.payload);
}

describe("F invalid programs: STARTCAP → 12, UPDATEFILTER → 7, with the validator's text", () => {
	test.each(BAD_PROGRAMS)("%s in STARTCAP", async (_, program, text) => {
		const h = await SessionHarness.authenticated();
		await h.selectDevice();
		await h.send(request.startcap({ program }), request.stats());
		expectReplies(h, [`ERROR 12 ${text}`, "STATS_REPLY"]);
		expect(h.backend.opens).toEqual([]);
	});

	test.each(BAD_PROGRAMS)("%s in UPDATEFILTER", async (_, program, text) => {
		const h = await capturing();
		const before = h.backend.lastSource!.filters.length;
		await h.send(request.updateFilter(program), request.stats());
		expectReplies(h, [`ERROR 7 ${text}`, "STATS_REPLY"]);
		expect(h.backend.lastSource!.filters.length).toBe(before);
	});

	test("F6 div x is allowed", async () => {
		const h = await capturing({ program: [op(0x3c), op(0x06, 100)] });
		await h.send(request.updateFilter([op(0x3c), op(0x06, 96)]));
		expectReplies(h, ["UPDATEFILTER_REPLY"]);
	});

	test("F8 a valid 8192-instruction program: accepted by STARTCAP and UPDATEFILTER", async () => {
		const program = longValidProgram(8192);
		const h = await capturing({ program });
		const started = performance.now();
		await h.send(request.updateFilter(program));
		expectReplies(h, ["UPDATEFILTER_REPLY"]);
		expect(performance.now() - started).toBeLessThan(500);
		expect(h.backend.lastSource!.currentFilter!.slice(-8192)).toEqual(program);
	});
});

describe("G UPDATEFILTER", () => {
	test("G1 without a capture, 28-byte payload: ERROR 7, payload consumed, canary answered", async () => {
		const h = await SessionHarness.authenticated();
		const payload = concatBytes(encodeFilter([op(0x28, 12), op(0x06, 96)]), request.junk(4));
		expect(payload.length).toBe(28);
		await h.send(request.raw(MessageType.UPDATEFILTER_REQ, payload), request.stats());
		expectReplies(h, ["ERROR 7 Device not opened. Cannot update filter", "STATS_REPLY"]);
		expect(h.channel.closed).toBe(false);
	});

	test("G2 invalid program during a capture: ERROR 7; the previous filter stays in force", async () => {
		const h = await capturing({ program: IPV4_UDP_ONLY });
		const source = h.backend.lastSource!;
		const installed = source.filters.length;
		await h.send(request.updateFilter([op(0x05, 0xffffffff), op(0x06)]));
		expectReplies(h, [`ERROR 7 ${INVALID}: jump out of range at instruction 0`]);
		expect(source.filters.length).toBe(installed);
		expect(
			source.emitPackets([udpFrame({ size: 60, seed: 1 }), arpFrame(), udpFrame({ size: 70, seed: 2 })]),
		).toBe(2);
		await h.send(request.updateFilter(ACCEPT_NONE));
		expectReplies(h, ["UPDATEFILTER_REPLY"]);
		expect(source.emitPackets([udpFrame({ size: 60, seed: 3 })])).toBe(0);
	});

	test("G2 the kernel refuses the new program: ERROR 7 with its text; previous filter kept", async () => {
		const h = await capturing({ program: IPV4_UDP_ONLY });
		const source = h.backend.lastSource!;
		source.behaviour.setFilterError = "setsockopt (SO_ATTACH_FILTER): Invalid argument";
		await h.send(request.updateFilter(ACCEPT_ALL), request.stats());
		expectReplies(h, ["ERROR 7 setsockopt (SO_ATTACH_FILTER): Invalid argument", "STATS_REPLY"]);
		source.behaviour.setFilterError = null;
		expect(source.emitPackets([arpFrame(), udpFrame({ size: 60, seed: 1 })])).toBe(1);
	});

	test("G4 UPDATEFILTER right after STARTCAP_REPLY, before the data connection: applied, in order", async () => {
		const h = await SessionHarness.authenticated();
		await h.selectDevice();
		await h.send(
			request.startcap({ program: ACCEPT_ALL }),
			request.updateFilter(IPV4_UDP_ONLY),
			request.stats(),
		);
		expectReplies(h, ["STARTCAP_REPLY", "UPDATEFILTER_REPLY", "STATS_REPLY"]);
		const source = h.backend.lastSource!;
		expect(source.currentFilter!.slice(-IPV4_UDP_ONLY.length)).toEqual([...IPV4_UDP_ONLY]);
		const sender = h.dataChannels.lastPending!.accept();
		await h.send();
		expect(source.currentFilter!.slice(-IPV4_UDP_ONLY.length)).toEqual([...IPV4_UDP_ONLY]);
		source.emitPackets([arpFrame(), udpFrame({ size: 60, seed: 5 })]);
		expect(sender.packets()).toHaveLength(1);
	});

	test("G5 plen 4 during a capture: ERROR 7 too short", async () => {
		const h = await capturing();
		await h.send(request.raw(MessageType.UPDATEFILTER_REQ, new Uint8Array(4)), request.stats());
		expectReplies(h, ["ERROR 7 Message payload is too short", "STATS_REPLY"]);
	});
});

describe("H SETSAMPLING", () => {
	test.each([0, 4, 7])("H1 plen %i: ERROR 15 too short, consumed", async (plen) => {
		const h = await SessionHarness.authenticated();
		await h.send(request.raw(MessageType.SETSAMPLING_REQ, new Uint8Array(plen)), request.stats());
		expectReplies(h, ["ERROR 15 Message payload is too short", "STATS_REPLY"]);
	});

	test.each([3, 255])("H2 method %i: ERROR 15 Unknown sampling method", async (method) => {
		const h = await SessionHarness.authenticated();
		await h.send(request.setSampling(method, 10), request.stats());
		expectReplies(h, [`ERROR 15 Unknown sampling method ${method}`, "STATS_REPLY"]);
	});

	test.each([1, 2])(
		"H3 method %i with value 0: reply, no sampling, a warning naming the client bug",
		async (method) => {
			const h = await SessionHarness.authenticated();
			await h.selectDevice();
			await h.send(request.setSampling(method, 0), request.startcapTo(StartcapFlag.SERVEROPEN, 40001));
			expectReplies(h, ["SETSAMPLING_REPLY", "STARTCAP_REPLY"]);
			const source = h.backend.lastSource!;
			expect(source.samplingCalls.filter((s) => s.method !== 0)).toEqual([]);
			expect(source.emitPackets(udpFrames(10, 60))).toBe(10);
			expect(
				h
					.logged("warn")
					.some((l) => l.includes("sampling value 0 received; little-endian libpcap clients always send 0")),
			).toBe(true);
		},
	);

	test("H4 method 1 value 10, then 1000 packets: the 1st, 11th, … with npkt 1..100; svrcapt 100", async () => {
		const h = await SessionHarness.authenticated();
		await h.selectDevice();
		await h.send(request.setSampling(1, 10), request.startcapTo(StartcapFlag.SERVEROPEN, 40001));
		expectReplies(h, ["SETSAMPLING_REPLY", "STARTCAP_REPLY"]);
		const source = h.backend.lastSource!;
		expect(source.samplingCalls).toEqual([{ method: 1, value: 10 }]);
		expect(source.started).toBe(true);
		for (let i = 0; i < 10; i++) source.emitPackets(udpFrames(100, 60, 9, 1 + i * 100));
		const packets = h.dataChannels.lastSender!.packets();
		expect(packets.map((p) => p.npkt)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
		const seeds = packets.map((p) => new DataView(p.data.buffer, p.data.byteOffset).getUint32(42));
		expect(seeds).toEqual(Array.from({ length: 100 }, (_, i) => 1 + i * 10));
		expect((await stats(h)).svrCapt).toBe(100);
	});

	test("H5 method 2 value 100, steady traffic: at most one packet per 100 ms", async () => {
		const h = await SessionHarness.authenticated();
		await h.selectDevice();
		await h.send(request.setSampling(2, 100), request.startcapTo(StartcapFlag.SERVEROPEN, 40001));
		const source = h.backend.lastSource!;
		expect(source.samplingCalls).toEqual([{ method: 2, value: 100 }]);
		for (let i = 0; i < 100; i++) {
			source.emitPackets([udpFrame({ size: 60, seed: i })]);
			await h.clock.advance(10);
		}
		const times = h.dataChannels
			.lastSender!.packets()
			.map((p) => p.timestampSec * 1000 + p.timestampUsec / 1000);
		expect(times.length).toBe(10);
		for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(100);
	});

	test("H6 SETSAMPLING during a capture: applied from the next packet, npkt stays contiguous", async () => {
		const h = await capturing();
		const source = h.backend.lastSource!;
		expect(source.emitPackets(udpFrames(5, 60))).toBe(5);
		await h.send(request.setSampling(1, 2));
		expectReplies(h, ["SETSAMPLING_REPLY"]);
		expect(source.samplingCalls).toEqual([{ method: 1, value: 2 }]);
		expect(source.emitPackets(udpFrames(10, 60, 9, 100))).toBe(5);
		expect(h.dataChannels.lastSender!.packets().map((p) => p.npkt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
		await h.send(request.setSampling(0, 0));
		expect(source.emitPackets(udpFrames(4, 60))).toBe(4);
	});

	test("sampling is kept for the next STARTCAP of the connection", async () => {
		const h = await capturing();
		await h.send(
			request.setSampling(1, 3),
			request.endcap(),
			request.startcapTo(StartcapFlag.SERVEROPEN, 40001),
		);
		expectReplies(h, ["SETSAMPLING_REPLY", "ENDCAP_REPLY", "STARTCAP_REPLY"]);
		expect(h.backend.lastSource!.samplingCalls).toEqual([{ method: 1, value: 3 }]);
	});
});

describe("I STATS", () => {
	const zeros = { ifRecv: 0, ifDrop: 0, krnlDrop: 0, svrCapt: 0 };

	test("I1 before any capture: zeros", async () => {
		const h = await SessionHarness.authenticated();
		expect(await stats(h)).toEqual(zeros);
	});

	test("I2 during a capture: live interface counters; svrcapt = npkt of the last PACKET", async () => {
		const h = await capturing();
		const source = h.backend.lastSource!;
		source.emitPackets(udpFrames(7, 60));
		source.interfaceStats = { recv: 20, drop: 3, ifdrop: 2 };
		const reply = await stats(h);
		expect(reply).toEqual({ ifRecv: 20, ifDrop: 2, krnlDrop: 3, svrCapt: 7 });
		expect(h.dataChannels.lastSender!.packets().at(-1)?.npkt).toBe(reply.svrCapt);
	});

	test("I2: krnldrop also counts packets the daemon dropped on the data channel, live and after ENDCAP", async () => {
		const h = await capturing();
		const source = h.backend.lastSource!;
		source.interfaceStats = { recv: 50, drop: 3, ifdrop: 0 };
		const sender = h.dataChannels.lastSender! as unknown as { counts: { packetsDropped: number } };
		sender.counts.packetsDropped = 11;
		expect((await stats(h)).krnlDrop).toBe(14);
		await h.send(request.endcap());
		expectReplies(h, ["ENDCAP_REPLY"]);
		expect((await stats(h)).krnlDrop).toBe(14);
	});

	test("I3 after ENDCAP: the final counters of the ended capture, until the next STARTCAP", async () => {
		const h = await capturing();
		const source = h.backend.lastSource!;
		source.emitPackets(udpFrames(4, 60));
		source.interfaceStats = { recv: 9, drop: 1, ifdrop: 0 };
		await h.send(request.endcap());
		expectReplies(h, ["ENDCAP_REPLY"]);
		const final = { ifRecv: 9, ifDrop: 0, krnlDrop: 1, svrCapt: 4 };
		expect(await stats(h)).toEqual(final);
		await h.selectDevice("lo");
		expect(await stats(h)).toEqual(final);
		await h.send(request.startcapTo(StartcapFlag.SERVEROPEN, 40001));
		expectReplies(h, ["STARTCAP_REPLY"]);
		expect(await stats(h)).toEqual(zeros);
	});

	test("I3 after a capture ended by an error: its final counters", async () => {
		const h = await capturing();
		const source = h.backend.lastSource!;
		source.emitPackets(udpFrames(3, 60));
		source.interfaceStats = { recv: 3, drop: 0, ifdrop: 0 };
		source.fail("Error reading the packets: The interface went down");
		await h.send();
		await h.send(request.stats());
		const [, reply] = expectReplies(h, [
			"ERROR 9 Error reading the packets: The interface went down",
			"STATS_REPLY",
		]);
		expect(decodeStatsReply(reply!.payload)).toEqual({ ifRecv: 3, ifDrop: 0, krnlDrop: 0, svrCapt: 3 });
	});

	test("I4 STATS with a trailing payload: consumed, normal reply", async () => {
		const h = await capturing();
		await h.send(request.raw(MessageType.STATS_REQ, request.junk(64)), request.findAllIf());
		expectReplies(h, ["STATS_REPLY", "FINDALLIF_REPLY"]);
	});

	test("I5 the backend cannot give statistics: ERROR 8 with its text; the capture goes on", async () => {
		const h = await capturing();
		const source = h.backend.lastSource!;
		source.behaviour.statsError = "pcap_stats: Bad file descriptor";
		await h.send(request.stats(), request.findAllIf());
		expectReplies(h, ["ERROR 8 pcap_stats: Bad file descriptor", "FINDALLIF_REPLY"]);
		expect(source.stopped).toBe(false);
		expect(source.emitPackets(udpFrames(2, 60))).toBe(2);
	});
});
