// Session: ENDCAP and CLOSE rows of bad-inputs.md group J, asynchronous ERROR 9, and what the session hands the data path (K).

import { describe, expect, test } from "bun:test";
import { encodePacket, StartcapFlag } from "../../../src/protocol/index.ts";
import { concatBytes } from "../../support/bytes.ts";
import { PEER_CLOSED } from "../../support/fake-data-channels.ts";
import { udpFrames } from "../../support/frames.ts";
import { request } from "../../support/rpcap-requests.ts";
import { expectReplies, SessionHarness } from "../../support/session-harness.ts";

const NOT_CAPTURING = "ERROR 13 Device not opened. Cannot close the capture";

async function capturing(
	flags: number = StartcapFlag.SERVEROPEN,
	options: Parameters<typeof SessionHarness.authenticated>[0] = {},
): Promise<SessionHarness> {
	const h = await SessionHarness.authenticated(options);
	await h.selectDevice();
	await h.send(request.startcapTo(flags, 40001));
	expectReplies(h, ["STARTCAP_REPLY"]);
	return h;
}

function indexOf(timeline: string[], event: string): number {
	const index = timeline.indexOf(event);
	expect(index, `${event} in ${timeline.join(" | ")}`).toBeGreaterThanOrEqual(0);
	return index;
}

describe("J1–J4 ENDCAP", () => {
	test("J1 without a capture: ERROR 13, canary answered", async () => {
		const h = await SessionHarness.authenticated();
		await h.send(request.endcap(), request.stats());
		expectReplies(h, [NOT_CAPTURING, "STATS_REPLY"]);
	});

	test("J2 with a trailing payload: consumed, ENDCAP_REPLY", async () => {
		const h = await capturing();
		await h.send(concatBytes(request.raw(0x0a, request.junk(100))), request.stats());
		expectReplies(h, ["ENDCAP_REPLY", "STATS_REPLY"]);
	});

	test("J3 the capture never stops: ENDCAP_REPLY within 5 s, data channel closed, capture released", async () => {
		const h = await capturing(StartcapFlag.SERVEROPEN);
		h.backend.lastSource!.behaviour.stopHangs = true;
		await h.send(request.endcap());
		await h.clock.advance(5000);
		const [reply] = expectReplies(h, ["ENDCAP_REPLY"]);
		expect(reply!.atMs).toBeLessThanOrEqual(5000);
		expect(h.dataChannels.lastSender?.closed).toBe(true);
		expect(h.logged("warn").some((l) => l.includes("capture did not stop in time"))).toBe(true);
		await h.send(request.stats(), request.startcapTo(StartcapFlag.SERVEROPEN, 40001));
		expectReplies(h, ["STATS_REPLY", "STARTCAP_REPLY"]);
	});

	test("J3 neither the capture nor the data channel lets go: ENDCAP_REPLY at 5 s at the latest", async () => {
		const h = await capturing(StartcapFlag.SERVEROPEN);
		h.backend.lastSource!.behaviour.stopHangs = true;
		h.dataChannels.lastSender!.hangOnClose = true;
		await h.send(request.endcap());
		await h.clock.advance(10_000);
		const [reply] = expectReplies(h, ["ENDCAP_REPLY"]);
		expect(reply!.atMs).toBeLessThanOrEqual(5000);
		await h.send(request.stats());
		expectReplies(h, ["STATS_REPLY"]);
	});

	test("the capture fails to stop (rejects): ENDCAP_REPLY, data channel closed, the session carries on", async () => {
		const h = await capturing(StartcapFlag.SERVEROPEN);
		h.backend.lastSource!.behaviour.stopError = "pcap_close: Bad file descriptor";
		await h.send(request.endcap(), request.stats());
		await h.clock.advance(5000);
		expectReplies(h, ["ENDCAP_REPLY", "STATS_REPLY"]);
		expect(h.dataChannels.lastSender?.closed).toBe(true);
		await h.send(request.close());
		expect(h.ends).toEqual([{ reason: "close-received" }]);
	});

	test.each(["CLOSE", "EOF"] as const)(
		"the capture fails to stop, then %s: the session still ends cleanly",
		async (how) => {
			const h = await capturing(StartcapFlag.SERVEROPEN);
			h.backend.lastSource!.behaviour.stopError = "pcap_close: Bad file descriptor";
			h.dataChannels.lastSender!.hangOnClose = true;
			if (how === "CLOSE") await h.send(request.close());
			else await h.peerClosed();
			await h.clock.advance(5000);
			expect(h.ends).toEqual([{ reason: how === "CLOSE" ? "close-received" : "eof" }]);
			expect(h.logged("warn").some((l) => l.includes("capture stop failed; released anyway"))).toBe(true);
		},
	);

	test.each([
		["TCP data (server-opens)", StartcapFlag.SERVEROPEN, "tcp"],
		["udpstr data", StartcapFlag.DGRAM, "udpstr"],
		["classic UDP data", StartcapFlag.DGRAM, "udp"],
	] as const)(
		"J4 %s: capture stopped, then data flushed and closed, then ENDCAP_REPLY",
		async (_, flags, transport) => {
			const h = await capturing(flags, { policy: { udpstr: transport === "udpstr" ? "on" : "off" } });
			const sender = h.dataChannels.lastSender!;
			expect(sender.transport).toBe(transport);
			h.backend.lastSource!.emitPackets(udpFrames(3, 60));
			await h.send(request.endcap());
			expectReplies(h, ["ENDCAP_REPLY"]);
			const t = h.timeline;
			const stop = indexOf(t, "capture eth0 stop");
			const close = indexOf(t, `data ${transport} close`);
			const closed = indexOf(t, `data ${transport} closed`);
			const reply = indexOf(t, "control ENDCAP_REPLY");
			expect(stop < close && close < closed && closed < reply).toBe(true);
			expect(sender.closeCalls).toEqual([h.policy.drainSendQueueMs]);
			expect(sender.packets().map((p) => p.npkt)).toEqual([1, 2, 3]);
		},
	);
});

describe("J5/J6 CLOSE or control EOF during a capture", () => {
	test.each([
		["J5 CLOSE", "close-received"],
		["J6 control EOF", "eof"],
	] as const)("%s: no reply; capture, data channel and handle released", async (how, reason) => {
		const h = await capturing(StartcapFlag.SERVEROPEN);
		if (how === "J5 CLOSE") await h.send(request.close());
		else await h.peerClosed();
		await h.clock.advance(5000);
		expectReplies(h, []);
		expect(h.ends).toEqual([{ reason }]);
		expect(h.backend.openSources.length).toBe(0);
		expect(h.dataChannels.lastSender?.closed).toBe(true);
		expect(h.channel.closed).toBe(true);
		expect(h.clock.pendingTimerCount).toBe(0);
	});

	test.each(["CLOSE", "EOF"] as const)(
		"client-opens, nobody connected yet, %s: the listener is cancelled",
		async (how) => {
			const h = await capturing(0);
			if (how === "CLOSE") await h.send(request.close());
			else await h.peerClosed();
			expect(h.dataChannels.lastPending?.cancelled).toBe(true);
			expect(h.backend.openSources.length).toBe(0);
		},
	);

	test("ENDCAP before the client-opens data connection arrives: listener cancelled, a late connection is closed", async () => {
		const h = await capturing(0);
		const pending = h.dataChannels.lastPending!;
		await h.send(request.endcap());
		expectReplies(h, ["ENDCAP_REPLY"]);
		expect(pending.cancelled).toBe(true);
		const late = pending.accept();
		await h.send();
		expect(late.closeCalls.length).toBe(1);
		expect(h.backend.lastSource?.startedAfterStop).toBe(false);
	});
});

describe("J7 and other asynchronous data-path failures", () => {
	test("J7 client resets only the data connection: torn down, ERROR 9 after the 1 s grace, control alive", async () => {
		const h = await capturing(StartcapFlag.SERVEROPEN);
		h.dataChannels.lastSender!.peerClose();
		await h.clock.advance(999);
		expectReplies(h, []);
		expect(h.backend.openSources.length).toBe(0);
		await h.clock.advance(1);
		const [reply] = expectReplies(h, [`ERROR 9 ${PEER_CLOSED}`]);
		expect(reply!.atMs).toBe(1000);
		await h.send(request.stats(), request.endcap(), request.startcapTo(StartcapFlag.SERVEROPEN, 40001));
		expectReplies(h, ["STATS_REPLY", NOT_CAPTURING, "STARTCAP_REPLY"]);
		expect(h.channel.closed).toBe(false);
	});

	test.each(["CLOSE", "EOF"] as const)(
		"J7 normal libpcap close (data closed, then %s): no ERROR",
		async (how) => {
			const h = await capturing(0);
			h.dataChannels.lastPending!.accept();
			await h.send();
			h.dataChannels.lastSender!.peerClose();
			await h.clock.advance(300);
			if (how === "CLOSE") await h.send(request.close());
			else await h.peerClosed();
			await h.clock.advance(5000);
			expectReplies(h, []);
			expect(h.channel.sendsAfterClose).toBe(0);
			expect(h.logged("warn")).toEqual([]);
		},
	);

	test.each([
		["K11 UDP receiver gone", "error", "Data connection failed: Connection refused (ICMP port unreachable)"],
		["K12 TCP data client stopped reading", "stalled", "Data connection stalled"],
	] as const)(
		"%s: asynchronous ERROR 9 at once with the reason; torn down; control alive",
		async (_, kind, message) => {
			const h = await capturing(StartcapFlag.SERVEROPEN);
			h.dataChannels.lastSender!.fail({ kind, message });
			await h.send();
			await h.send(request.stats());
			expectReplies(h, [`ERROR 9 ${message}`, "STATS_REPLY"]);
			expect(h.backend.openSources.length).toBe(0);
			expect(h.channel.closed).toBe(false);
		},
	);

	test("capture read error: asynchronous ERROR 9 with the source's text; torn down; control alive", async () => {
		const h = await capturing(StartcapFlag.SERVEROPEN);
		h.backend.lastSource!.fail("Error reading the packets: The interface disappeared");
		await h.send();
		expectReplies(h, ["ERROR 9 Error reading the packets: The interface disappeared"]);
		expect(h.dataChannels.lastSender?.closed).toBe(true);
		await h.send(request.endcap());
		expectReplies(h, [NOT_CAPTURING]);
	});
});

describe("K what the session gives the data path", () => {
	test("K1/K2/K4/K5 records from the source reach the sender byte for byte", async () => {
		const h = await capturing(StartcapFlag.SERVEROPEN, { policy: { excludeSelf: false } });
		const records = concatBytes(
			encodePacket({
				timestampSec: 0,
				timestampUsec: 999_999,
				length: 65549,
				npkt: 1,
				data: new Uint8Array(65549),
			}),
			encodePacket({
				timestampSec: 0xffffffff,
				timestampUsec: 0,
				length: 0,
				npkt: 2,
				data: new Uint8Array(0),
			}),
		);
		h.backend.lastSource!.emitRecords(records, 2);
		const sender = h.dataChannels.lastSender!;
		expect(sender.batches).toHaveLength(1);
		expect(sender.batches[0]?.packets).toBe(2);
		expect(Buffer.from(sender.batches[0]!.records).equals(Buffer.from(records))).toBe(true);
	});

	test.each([
		["IPv4 classic UDP", 4, StartcapFlag.DGRAM, "off", 65479],
		["IPv6 classic UDP", 6, StartcapFlag.DGRAM, "off", 65499],
		["udpstr", 4, StartcapFlag.DGRAM, "on", 65535],
		["TCP", 4, StartcapFlag.SERVEROPEN, "on", 65535],
	] as const)(
		"K3/K6 %s, snaplen 65535: the capture snaplen is %i",
		async (_, family, flags, udpstr, snaplen) => {
			const h = await SessionHarness.authenticated({ info: { family }, policy: { udpstr } });
			await h.selectDevice();
			await h.send(request.startcapTo(flags, 40001, { snaplen: 65535 }));
			expectReplies(h, ["STARTCAP_REPLY"]);
			expect(h.backend.opens[0]?.options.snaplen).toBe(snaplen);
		},
	);

	test.each([
		["passive", "auto", StartcapFlag.DGRAM, "udp"],
		["active", "auto", StartcapFlag.DGRAM, "udpstr"],
		["passive", "on", StartcapFlag.DGRAM, "udpstr"],
		["active", "off", StartcapFlag.DGRAM, "udp"],
		["active", "on", 0, "tcp"],
		["passive", "on", StartcapFlag.SERVEROPEN, "tcp"],
	] as const)("K9 %s mode, udpstr=%s, flags %i: %s framing", async (mode, udpstr, flags, transport) => {
		const h = await capturing(flags, { info: { mode }, policy: { udpstr } });
		expect(h.dataChannels.lastSender?.transport).toBe(transport);
		expect(h.dataChannels.connects.length + h.dataChannels.udpOpens.length).toBe(1);
	});
});
