// Session: STARTCAP rows of bad-inputs.md group E (parsing, §7.7 tolerance, order of checks, data channel setup and failures).

import { describe, expect, test } from "bun:test";
import { decodeStartcapReply, encodeFilter, MessageType, StartcapFlag } from "../../../src/protocol/index.ts";
import { concatBytes } from "../../support/bytes.ts";
import { udpFrame } from "../../support/frames.ts";
import { ACCEPT_ALL, libpcapNoFilterStartcap, request } from "../../support/rpcap-requests.ts";
import { expectReplies, SessionHarness } from "../../support/session-harness.ts";
import { longValidProgram } from "../protocol/bpf-programs.ts";

const TOO_SHORT = "ERROR 12 Message payload is too short";
const NO_DEVICE = "ERROR 12 No capture device was specified";
const TOO_LARGE_FILTER = "ERROR 12 Filter program is larger than the maximum size of 8192 instructions";

/** A STARTCAP with the 12-byte request and then `tail` as the filter part, byte for byte. */
function startcapWithTail(tail: Uint8Array, flags = 0, portData = 0): Uint8Array {
	const fixed = new Uint8Array(12);
	const view = new DataView(fixed.buffer);
	view.setUint32(0, 1500);
	view.setUint32(4, 500);
	view.setUint16(8, flags);
	view.setUint16(10, portData);
	return request.raw(MessageType.STARTCAP_REQ, concatBytes(fixed, tail));
}

function filterHeader(filtertype: number, nitems: number): Uint8Array {
	const bytes = new Uint8Array(8);
	const view = new DataView(bytes.buffer);
	view.setUint16(0, filtertype);
	view.setUint32(4, nitems);
	return bytes;
}

async function withDevice(
	options: Parameters<typeof SessionHarness.authenticated>[0] = {},
): Promise<SessionHarness> {
	const h = await SessionHarness.authenticated(options);
	await h.selectDevice("eth0");
	return h;
}

describe("E1–E5 malformed STARTCAP payloads: ERROR 12, consumed, nothing opened", () => {
	test.each([
		["E1 plen 0", request.raw(MessageType.STARTCAP_REQ), TOO_SHORT],
		["E1 plen 11", request.raw(MessageType.STARTCAP_REQ, new Uint8Array(11)), TOO_SHORT],
		["E2 plen 12", request.raw(MessageType.STARTCAP_REQ, new Uint8Array(12)), TOO_SHORT],
		[
			"E3 filtertype 0",
			startcapWithTail(encodeFilter(ACCEPT_ALL).fill(0, 0, 2)),
			"ERROR 12 Only BPF/NPF filters are currently supported",
		],
		[
			"E3 filtertype 2",
			startcapWithTail(concatBytes(filterHeader(2, 1), new Uint8Array(8))),
			"ERROR 12 Only BPF/NPF filters are currently supported",
		],
		[
			"E4 nitems 0",
			startcapWithTail(filterHeader(1, 0)),
			"ERROR 12 The filter contains invalid instructions",
		],
		[
			"E4 nitems 8193",
			startcapWithTail(concatBytes(filterHeader(1, 8193), new Uint8Array(64))),
			TOO_LARGE_FILTER,
		],
		["E4 nitems 0x20000000", startcapWithTail(filterHeader(1, 0x20000000)), TOO_LARGE_FILTER],
		["E4 nitems 0xFFFFFFFF", startcapWithTail(filterHeader(1, 0xffffffff)), TOO_LARGE_FILTER],
		[
			"E5 nitems 10, 3 instructions",
			startcapWithTail(concatBytes(filterHeader(1, 10), new Uint8Array(24))),
			TOO_SHORT,
		],
	])("%s", async (_, bad, expected) => {
		const h = await withDevice();
		await h.send(bad, request.stats());
		expectReplies(h, [expected, "STATS_REPLY"]);
		expect(h.backend.opens).toEqual([]);
		expect(h.dataChannels.listens.length + h.dataChannels.outboundCount).toBe(0);
	});

	test("E4 nitems 8192 (a valid program): accepted", async () => {
		const h = await withDevice();
		await h.send(request.startcap({ program: longValidProgram(8192) }), request.stats());
		expectReplies(h, ["STARTCAP_REPLY", "STATS_REPLY"]);
	});
});

describe("E6/E7 the libpcap no-filter STARTCAP (§7.7)", () => {
	test("E6 accepted: 28 bytes consumed, capture filter ret #1500, one warning per connection", async () => {
		const h = await withDevice({ policy: { excludeSelf: false } });
		await h.send(libpcapNoFilterStartcap(), request.stats());
		expectReplies(h, ["STARTCAP_REPLY", "STATS_REPLY"]);
		expect(h.backend.lastSource?.currentFilter).toEqual([{ code: 0x06, jt: 0, jf: 0, k: 1500 }]);
		await h.send(request.endcap(), libpcapNoFilterStartcap(), request.stats());
		expectReplies(h, ["ENDCAP_REPLY", "STARTCAP_REPLY", "STATS_REPLY"]);
		const warnings = h.logged("warn").filter((l) => l.includes("tolerated libpcap no-filter STARTCAP"));
		expect(warnings).toEqual(["rpcapd: warning: tolerated libpcap no-filter STARTCAP (plen 20, nitems 1)"]);
	});

	test("E6 with self-exclusion: our flows are excluded, then the client's ret #1500", async () => {
		const h = await withDevice();
		await h.send(libpcapNoFilterStartcap());
		expectReplies(h, ["STARTCAP_REPLY"]);
		const filter = h.backend.lastSource!.currentFilter!;
		expect(filter.at(-1)).toEqual({ code: 0x06, jt: 0, jf: 0, k: 1500 });
		expect(h.backend.compiles.at(-1)?.expression).toContain(
			"host 127.0.0.1 and host 127.0.0.2 and port 2002 and port 40000",
		);
	});

	test("E6 stray bytes in a later segment within 1 s: accepted", async () => {
		const h = await withDevice();
		const bytes = libpcapNoFilterStartcap();
		await h.sendSegments([bytes.subarray(0, 28)]);
		await h.clock.advance(600);
		expectReplies(h, []);
		await h.sendSegments([bytes.subarray(28)]);
		expectReplies(h, ["STARTCAP_REPLY"]);
		expect(h.clock.pendingDelays()).toEqual([180_000]);
	});

	test("E6 stray bytes never come: ERROR 12 too short after 1 s", async () => {
		const h = await withDevice();
		await h.sendSegments([libpcapNoFilterStartcap().subarray(0, 28)]);
		await h.clock.advance(999);
		expectReplies(h, []);
		await h.clock.advance(1);
		expectReplies(h, [TOO_SHORT]);
		expect(h.backend.opens).toEqual([]);
	});

	test.each([
		["(a) plen 20, nitems 1, then a STATS header", startcapWithTail(filterHeader(1, 1))],
		["(b) plen 20, nitems 2", startcapWithTail(filterHeader(1, 2))],
		["(c) plen 24, nitems 1", startcapWithTail(concatBytes(filterHeader(1, 1), new Uint8Array(4)))],
	])("E7 %s: ERROR 12 too short, then the STATS is answered", async (_, bad) => {
		const h = await withDevice();
		await h.send(bad, request.stats());
		expectReplies(h, [TOO_SHORT, "STATS_REPLY"]);
	});
});

describe("E9–E12, E22 parameters and the order of checks", () => {
	test.each([
		[0, 262144],
		[1, 1],
		[262144, 262144],
		[0xffffffff, 262144],
	])("E9 snaplen %i: the capture uses %i", async (snaplen, used) => {
		const h = await withDevice();
		await h.send(request.startcap({ snaplen }));
		expectReplies(h, ["STARTCAP_REPLY"]);
		expect(h.backend.opens[0]?.options.snaplen).toBe(used);
		if (used !== snaplen) expect(h.logLines.some((l) => l.line.includes("snaplen clamped"))).toBe(true);
	});

	test("E9 snaplen 1: every caplen is at most 1", async () => {
		const h = await withDevice();
		await h.send(request.startcapTo(StartcapFlag.SERVEROPEN, 40001, { snaplen: 1 }));
		h.backend.lastSource!.emitPackets([udpFrame({ size: 100, seed: 1 }), udpFrame({ size: 60, seed: 2 })]);
		const packets = h.dataChannels.lastSender!.packets();
		expect(packets.map((p) => [p.data.length, p.length])).toEqual([
			[1, 100],
			[1, 60],
		]);
	});

	test.each([
		[0, 20],
		[5, 5],
		[500, 20],
	])("E10 read_timeout %i: accepted, the kernel holds packets at most %i ms", async (readTimeout, used) => {
		const h = await withDevice();
		await h.send(request.startcap({ readTimeout }));
		expectReplies(h, ["STARTCAP_REPLY"]);
		expect(h.backend.opens[0]?.options.readTimeoutMs).toBe(used);
	});

	test("E11 DGRAM under TLS: ERROR 12, nothing opened", async () => {
		const h = await withDevice({ info: { tls: true } });
		await h.send(request.startcapTo(StartcapFlag.DGRAM, 40001), request.stats());
		expectReplies(h, ["ERROR 12 UDP data transport is not supported with TLS", "STATS_REPLY"]);
		expect(h.backend.opens).toEqual([]);
		expect(h.dataChannels.outboundCount).toBe(0);
	});

	test.each([
		["SERVEROPEN", StartcapFlag.SERVEROPEN, "passive"],
		["DGRAM", StartcapFlag.DGRAM, "passive"],
		["active mode", 0, "active"],
	] as const)("E12 %s with portdata 0: ERROR 12 Client data port is 0", async (_, flags, mode) => {
		const h = await withDevice({ info: { mode } });
		await h.send(request.startcapTo(flags, 0), request.stats());
		expectReplies(h, ["ERROR 12 Client data port is 0", "STATS_REPLY"]);
		expect(h.backend.opens).toEqual([]);
		expect(h.dataChannels.outboundCount).toBe(0);
	});

	test("order (§7.8): already running, then no device, then TLS, then the filter", async () => {
		const h = await SessionHarness.authenticated({ info: { tls: true } });
		const badFilterDgram = startcapWithTail(filterHeader(2, 0), StartcapFlag.DGRAM, 40001);
		await h.send(badFilterDgram);
		expectReplies(h, [NO_DEVICE]);
		await h.selectDevice();
		await h.send(badFilterDgram, startcapWithTail(filterHeader(2, 0)), request.startcap());
		expectReplies(h, [
			"ERROR 12 UDP data transport is not supported with TLS",
			"ERROR 12 Only BPF/NPF filters are currently supported",
			"STARTCAP_REPLY",
		]);
		await h.send(badFilterDgram);
		expectReplies(h, ["ERROR 12 A capture is already running; send ENDCAP first"]);
	});

	test.each([
		[StartcapFlag.INBOUND | StartcapFlag.OUTBOUND, "inout"],
		[0xff00, "inout"],
		[StartcapFlag.INBOUND, "in"],
		[StartcapFlag.OUTBOUND | 0xff00, "out"],
		[StartcapFlag.PROMISC, "inout"],
	] as const)("E22 flags %i: direction %s, unknown bits ignored", async (flags, direction) => {
		const h = await withDevice();
		await h.send(request.startcap({ flags }));
		expectReplies(h, ["STARTCAP_REPLY"]);
		expect(h.backend.opens[0]?.options.direction).toBe(direction);
		expect(h.backend.opens[0]?.options.promisc).toBe((flags & StartcapFlag.PROMISC) !== 0);
		expect(h.dataChannels.listens).toHaveLength(1);
		expect(h.dataChannels.outboundCount).toBe(0);
	});
});

describe("E13–E16, E21 data channel setup", () => {
	test("E13 SERVEROPEN to a closed port: ERROR 12 with the connect error instead of the reply; device closed", async () => {
		const h = await withDevice();
		h.dataChannels.connectScript = { outcome: "refuse", message: "Connection refused" };
		await h.send(request.startcapTo(StartcapFlag.SERVEROPEN, 40001), request.stats());
		expectReplies(h, ["ERROR 12 Connection refused", "STATS_REPLY"]);
		expect(h.dataChannels.connects).toEqual([{ peer: h.channel.info.peer, port: 40001, tls: false }]);
		expect(h.backend.openSources.length).toBe(0);
	});

	test("E14 SERVEROPEN to an address that drops packets: ERROR 12 when the connect bound expires", async () => {
		const h = await withDevice();
		const text = "Data connection to 127.0.0.2 port 40001 timed out after 10 s";
		h.dataChannels.connectScript = { outcome: "timeout", afterMs: 10_000, message: text };
		await h.send(request.startcapTo(StartcapFlag.SERVEROPEN, 40001), request.stats());
		expectReplies(h, []);
		await h.clock.advance(10_000);
		const [reply] = expectReplies(h, [`ERROR 12 ${text}`, "STATS_REPLY"]);
		expect(reply?.atMs).toBe(10_000);
		expect(h.backend.openSources.length).toBe(0);
	});

	test.each([
		["E15 nobody connects", "Data connection was not established within 10 s"],
		[
			"E16 only an intruder connects, then the wait expires",
			"Data connection was not established within 10 s",
		],
		[
			"TLS handshake on the data connection fails",
			"TLS handshake on the data connection failed: wrong version number",
		],
	])(
		"%s: STARTCAP_REPLY, then async ERROR 12 with the listener's text; device selected, not capturing",
		async (_, text) => {
			const h = await withDevice();
			await h.send(request.startcap());
			const [reply] = expectReplies(h, ["STARTCAP_REPLY"]);
			const pending = h.dataChannels.lastPending!;
			expect(decodeStartcapReply(reply!.payload)).toEqual({
				bufferSize: 2 * 1024 * 1024,
				portData: pending.port,
			});
			expect(h.dataChannels.listens[0]?.options).toEqual({
				local: h.channel.info.local,
				peer: h.channel.info.peer,
				tls: false,
			});
			await h.clock.advance(10_000);
			pending.refuse(text);
			await h.send();
			expectReplies(h, [`ERROR 12 ${text}`]);
			expect(h.backend.openSources.length).toBe(0);
			expect(pending.cancelled).toBe(true);
			await h.send(request.stats(), request.endcap(), request.startcap());
			expectReplies(h, [
				"STATS_REPLY",
				"ERROR 13 Device not opened. Cannot close the capture",
				"STARTCAP_REPLY",
			]);
			expect(h.channel.closed).toBe(false);
		},
	);

	test("E16 the data connection the listener accepts carries the stream", async () => {
		const h = await withDevice();
		await h.send(request.startcap());
		expectReplies(h, ["STARTCAP_REPLY"]);
		expect(h.backend.lastSource?.started).toBe(false);
		const sender = h.dataChannels.lastPending!.accept();
		await h.send();
		h.backend.lastSource!.emitPackets([udpFrame({ size: 80, seed: 7 })]);
		expect(sender.packets().map((p) => p.npkt)).toEqual([1]);
	});

	test("E21 the data port is busy: ERROR 12 Data port busy; device closed", async () => {
		const h = await withDevice();
		h.dataChannels.listenScript = { outcome: "refuse", message: "Data port busy" };
		await h.send(request.startcap(), request.stats());
		expectReplies(h, ["ERROR 12 Data port busy", "STATS_REPLY"]);
		expect(h.backend.openSources.length).toBe(0);
	});
});

describe("E17–E20 STARTCAP in the wrong state or failing late", () => {
	test("E17 second STARTCAP: ERROR 12, the first capture keeps streaming, nothing else opened", async () => {
		const h = await withDevice();
		await h.send(request.startcapTo(StartcapFlag.SERVEROPEN, 40001));
		expectReplies(h, ["STARTCAP_REPLY"]);
		await h.send(
			request.startcapTo(StartcapFlag.SERVEROPEN, 40002),
			libpcapNoFilterStartcap(),
			request.stats(),
		);
		expectReplies(h, [
			"ERROR 12 A capture is already running; send ENDCAP first",
			"ERROR 12 A capture is already running; send ENDCAP first",
			"STATS_REPLY",
		]);
		expect(h.backend.opens).toHaveLength(1);
		expect(h.dataChannels.connects).toHaveLength(1);
		expect(h.backend.lastSource!.emitPackets([udpFrame({ size: 60, seed: 1 })])).toBe(1);
		expect(h.dataChannels.lastSender?.packets()).toHaveLength(1);
	});

	test("E18 STARTCAP before any OPEN, including the §7.7 shape: ERROR 12, all bytes consumed", async () => {
		const h = await SessionHarness.authenticated();
		await h.send(request.startcap(), libpcapNoFilterStartcap(), request.stats());
		expectReplies(h, [NO_DEVICE, NO_DEVICE, "STATS_REPLY"]);
		expect(h.backend.opens).toEqual([]);
	});

	test("E19 the opened device has vanished: ERROR 12 with libpcap's text, consumed", async () => {
		const h = await withDevice();
		h.backend.openErrors.set("eth0", "eth0: No such device exists (SIOCGIFHWADDR: No such device)");
		await h.send(request.startcap(), request.stats());
		expectReplies(h, ["ERROR 12 eth0: No such device exists (SIOCGIFHWADDR: No such device)", "STATS_REPLY"]);
	});

	test("E20 (active) the filter cannot be installed: ERROR 12, the opened handle is released, a later STARTCAP works", async () => {
		const h = await withDevice({ info: { mode: "active" } });
		h.backend.sourceBehaviour = { setFilterError: "setsockopt (SO_ATTACH_FILTER): Cannot allocate memory" };
		await h.send(request.startcap({ portData: 40001 }), request.stats());
		expectReplies(h, ["ERROR 12 setsockopt (SO_ATTACH_FILTER): Cannot allocate memory", "STATS_REPLY"]);
		expect(h.backend.openSources.length).toBe(0);
		h.backend.sourceBehaviour = {};
		await h.send(request.startcap({ portData: 40001 }));
		expectReplies(h, ["STARTCAP_REPLY"]);
		expect(h.backend.openSources.length).toBe(1);
	});

	test("E20 (active) the data connection fails: ERROR 12, handle released, connection alive, retry works", async () => {
		const h = await withDevice({ info: { mode: "active" } });
		h.dataChannels.connectScript = { outcome: "refuse", message: "Connection refused" };
		await h.send(request.startcap({ portData: 40001 }), request.stats());
		expectReplies(h, ["ERROR 12 Connection refused", "STATS_REPLY"]);
		expect(h.backend.openSources.length).toBe(0);
		h.dataChannels.connectScript = { outcome: "ok" };
		await h.send(request.startcap({ portData: 40001 }));
		expectReplies(h, ["STARTCAP_REPLY"]);
		expect(h.channel.closed).toBe(false);
	});

	test("E20 server-opens: the capture cannot start: ERROR 12 with the backend's text, all released", async () => {
		const h = await withDevice();
		h.backend.sourceBehaviour = { startError: "Cannot set the capture handle non-blocking" };
		await h.send(request.startcapTo(StartcapFlag.SERVEROPEN, 40001), request.stats());
		expectReplies(h, ["ERROR 12 Cannot set the capture handle non-blocking", "STATS_REPLY"]);
		expect(h.backend.openSources.length).toBe(0);
		expect(h.dataChannels.lastSender?.closed).toBe(true);
	});

	test("client-opens: the capture cannot start once the client connected: async ERROR 12, torn down", async () => {
		const h = await withDevice();
		h.backend.sourceBehaviour = { startError: "Cannot set the capture handle non-blocking" };
		await h.send(request.startcap());
		expectReplies(h, ["STARTCAP_REPLY"]);
		h.dataChannels.lastPending!.accept();
		await h.send();
		await h.send(request.stats());
		expectReplies(h, ["ERROR 12 Cannot set the capture handle non-blocking", "STATS_REPLY"]);
		expect(h.backend.openSources.length).toBe(0);
		expect(h.dataChannels.lastSender?.closed).toBe(true);
	});
});

describe("J6 with a data connection still being set up", () => {
	test.each([
		["server-opens TCP", StartcapFlag.SERVEROPEN, "connectScript"],
		["UDP", StartcapFlag.DGRAM, "udpScript"],
	] as const)(
		"%s: control EOF during a slow connect; the late connection is closed, the capture stays down",
		async (_, flags, script) => {
			const h = await withDevice();
			h.dataChannels[script] = { outcome: "slow", afterMs: 3000 };
			await h.send(request.startcapTo(flags, 40001));
			await h.clock.advance(1000);
			await h.peerClosed();
			await h.clock.advance(5000);
			expect(h.ends).toEqual([{ reason: "eof" }]);
			const source = h.backend.lastSource!;
			expect(source.stopped).toBe(true);
			expect(source.startedAfterStop).toBe(false);
			expect(h.dataChannels.lastSender?.closed).toBe(true);
			expectReplies(h, []);
			expect(h.channel.sendsAfterClose).toBe(0);
		},
	);

	test("client-opens: control EOF while the listener is being set up; the listener is cancelled", async () => {
		const h = await withDevice();
		h.dataChannels.listenScript = { outcome: "slow", afterMs: 3000 };
		await h.send(request.startcap());
		await h.clock.advance(1000);
		await h.peerClosed();
		await h.clock.advance(5000);
		expect(h.dataChannels.lastPending?.cancelled).toBe(true);
		expect(h.backend.lastSource?.stopped).toBe(true);
	});
});
