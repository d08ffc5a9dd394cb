// Session: framing and header rows of bad-inputs.md group A (versions, unknown and S→C types, plen 0, hard cap, segmentation, EOF).

import { describe, expect, test } from "bun:test";
import { ErrorCode, MessageType } from "../../../src/protocol/index.ts";
import { request, StartcapFlag } from "../../support/rpcap-requests.ts";
import { errorOf, expectReplies, SessionHarness } from "../../support/session-harness.ts";

const PRE_AUTH_VERSION_TEXT = "RPCAP version in requests in the authentication phase must be 0";
const POST_AUTH_VERSION_TEXT = "RPCAP version in message isn't supported by the server";
const TOO_SHORT = "Message payload is too short";
const TOO_LARGE = "Message payload is too large";

function preAuthHarness(): SessionHarness {
	return new SessionHarness({ policy: { nullAuth: true } });
}

describe("A1/A2 wrong ver", () => {
	test.each([1, 255])(
		"A1 pre-auth AUTH with ver %i: ERROR 17 echoing ver, payload consumed, close",
		async (ver) => {
			const h = preAuthHarness();
			await h.send(request.raw(MessageType.AUTH_REQ, new Uint8Array(8), ver), request.nullAuth());
			const replies = h.take();
			expect(replies).toHaveLength(1);
			expect(errorOf(replies[0])).toEqual({
				code: ErrorCode.WRONGVER,
				text: PRE_AUTH_VERSION_TEXT,
				version: ver,
			});
			expect(h.channel.closed).toBe(true);
			expect(h.ends).toEqual([{ reason: "error", text: PRE_AUTH_VERSION_TEXT }]);
			expect(h.authenticatedCalls).toBe(0);
		},
	);

	test.each([1, 7, 255])("A2 post-auth STATS with ver %i: ERROR 17 echoing ver, close", async (ver) => {
		const h = await SessionHarness.authenticated();
		await h.send(request.raw(MessageType.STATS_REQ, new Uint8Array(0), ver), request.stats());
		const replies = h.take();
		expect(replies).toHaveLength(1);
		expect(errorOf(replies[0])).toEqual({
			code: ErrorCode.WRONGVER,
			text: POST_AUTH_VERSION_TEXT,
			version: ver,
		});
		expect(h.channel.closed).toBe(true);
	});
});

const UNKNOWN_TYPES = [0x00, 0x0c, 0x6e, 0x81, 0x86, 0x87, 0xff];
const SERVER_TO_CLIENT_TYPES: [number, string][] = [
	[0x07, "RPCAP_MSG_PACKET"],
	[0x82, "RPCAP_MSG_FINDALLIF_REPLY"],
	[0x83, "RPCAP_MSG_OPEN_REPLY"],
	[0x84, "RPCAP_MSG_STARTCAP_REPLY"],
	[0x85, "RPCAP_MSG_UPDATEFILTER_REPLY"],
	[0x88, "RPCAP_MSG_AUTH_REPLY"],
	[0x89, "RPCAP_MSG_STATS_REPLY"],
	[0x8a, "RPCAP_MSG_ENDCAP_REPLY"],
	[0x8b, "RPCAP_MSG_SETSAMPLING_REPLY"],
];

describe("A4 unknown types, A5 server-to-client types: ERROR 16, payload consumed, continue", () => {
	const cases = [
		...UNKNOWN_TYPES.map((type) => ({ type, text: `Unknown message type ${type}` })),
		...SERVER_TO_CLIENT_TYPES.map(([type, name]) => ({
			type,
			text: `Server-to-client message ${name} received from client`,
		})),
	].flatMap((c) => [0, 100].map((size) => ({ ...c, size })));

	test.each(cases)("pre-auth type $type with $size payload bytes", async ({ type, text, size }) => {
		const h = preAuthHarness();
		await h.send(request.raw(type, request.junk(size)), request.nullAuth());
		expectReplies(h, [`ERROR 16 ${text}`, "AUTH_REPLY"]);
		expect(h.channel.closed).toBe(false);
	});

	test.each(cases)("post-auth type $type with $size payload bytes", async ({ type, text, size }) => {
		const h = await SessionHarness.authenticated();
		await h.send(request.raw(type, request.junk(size)), request.stats());
		expectReplies(h, [`ERROR 16 ${text}`, "STATS_REPLY"]);
		expect(h.channel.closed).toBe(false);
	});
});

describe("A6 plen 0 for every request type", () => {
	test("AUTH: ERROR 3 too short, stays in the auth phase", async () => {
		const h = preAuthHarness();
		await h.send(request.raw(MessageType.AUTH_REQ), request.nullAuth());
		expectReplies(h, [`ERROR 3 ${TOO_SHORT}`, "AUTH_REPLY"]);
	});

	test.each([
		[MessageType.OPEN_REQ, "ERROR 6 The source string must not be empty."],
		[MessageType.STARTCAP_REQ, `ERROR 12 ${TOO_SHORT}`],
		[MessageType.UPDATEFILTER_REQ, "ERROR 7 Device not opened. Cannot update filter"],
		[MessageType.SETSAMPLING_REQ, `ERROR 15 ${TOO_SHORT}`],
		[MessageType.FINDALLIF_REQ, "FINDALLIF_REPLY"],
		[MessageType.STATS_REQ, "STATS_REPLY"],
		[MessageType.ENDCAP_REQ, "ERROR 13 Device not opened. Cannot close the capture"],
	])("type %i: %s, then the canary", async (type, expected) => {
		const h = await SessionHarness.authenticated();
		await h.send(request.raw(type), request.stats());
		expectReplies(h, [expected, "STATS_REPLY"]);
		expect(h.channel.closed).toBe(false);
	});

	test("UPDATEFILTER during a capture: ERROR 7 too short", async () => {
		const h = await SessionHarness.authenticated();
		await h.selectDevice();
		await h.send(request.startcap());
		expectReplies(h, ["STARTCAP_REPLY"]);
		await h.send(request.raw(MessageType.UPDATEFILTER_REQ), request.stats());
		expectReplies(h, [`ERROR 7 ${TOO_SHORT}`, "STATS_REPLY"]);
	});

	test("CLOSE: no reply, connection closed", async () => {
		const h = await SessionHarness.authenticated();
		await h.send(request.raw(MessageType.CLOSE), request.stats());
		expectReplies(h, []);
		expect(h.channel.closed).toBe(true);
		expect(h.ends).toEqual([{ reason: "close-received" }]);
	});
});

describe("A7 plen above the hard cap: ERROR with the type's code, nothing read, close", () => {
	const types: [number, number][] = [
		[MessageType.AUTH_REQ, ErrorCode.AUTH],
		[MessageType.FINDALLIF_REQ, ErrorCode.FINDALLIF],
		[MessageType.OPEN_REQ, ErrorCode.OPEN],
		[MessageType.STARTCAP_REQ, ErrorCode.STARTCAPTURE],
		[MessageType.UPDATEFILTER_REQ, ErrorCode.UPDATEFILTER],
		[MessageType.STATS_REQ, ErrorCode.GETSTATS],
		[MessageType.ENDCAP_REQ, ErrorCode.ENDCAPTURE],
		[MessageType.SETSAMPLING_REQ, ErrorCode.SETSAMPLING],
		[MessageType.CLOSE, ErrorCode.WRONGMSG],
		[0x42, ErrorCode.WRONGMSG],
	];
	const cases = types.flatMap(([type, code]) =>
		[262145, 2 ** 31, 2 ** 32 - 1].flatMap((plen) =>
			(["pre-auth", "post-auth"] as const).map((phase) => ({ type, code, plen, phase })),
		),
	);

	test.each(cases)("type $type plen $plen $phase", async ({ type, code, plen, phase }) => {
		const h = phase === "pre-auth" ? preAuthHarness() : await SessionHarness.authenticated();
		await h.send(request.header(type, plen), phase === "pre-auth" ? request.nullAuth() : request.stats());
		expectReplies(h, [`ERROR ${code} ${TOO_LARGE}`]);
		expect(h.channel.closed).toBe(true);
		expect(h.framer.bufferedByteCount).toBe(0);
		expect(h.ends).toEqual([{ reason: "error", text: TOO_LARGE }]);
	});

	test.each(["pre-auth", "post-auth"] as const)(
		"oversized with a bad ver (%s): the version error wins",
		async (phase) => {
			const h = phase === "pre-auth" ? preAuthHarness() : await SessionHarness.authenticated();
			await h.send(request.header(MessageType.STATS_REQ, 2 ** 31, 3));
			const replies = h.take();
			expect(replies).toHaveLength(1);
			expect(errorOf(replies[0])).toEqual({
				code: ErrorCode.WRONGVER,
				text: phase === "pre-auth" ? PRE_AUTH_VERSION_TEXT : POST_AUTH_VERSION_TEXT,
				version: 3,
			});
			expect(h.channel.closed).toBe(true);
		},
	);
});

describe("A8/A9 segmentation", () => {
	test("A8 AUTH in 1-byte segments 100 ms apart: answered once complete", async () => {
		const h = preAuthHarness();
		const bytes = request.nullAuth();
		for (const [i, byte] of bytes.entries()) {
			await h.sendSegments([new Uint8Array([byte])]);
			if (i < bytes.length - 1) expectReplies(h, []);
			await h.clock.advance(100);
		}
		expectReplies(h, ["AUTH_REPLY"]);
	});

	test("A8 OPEN in 1-byte segments 100 ms apart, post-auth", async () => {
		const h = await SessionHarness.authenticated();
		const bytes = request.open("eth0");
		for (const byte of bytes) {
			await h.sendSegments([new Uint8Array([byte])]);
			await h.clock.advance(100);
		}
		expectReplies(h, ["OPEN_REPLY"]);
	});

	test("A9 ten requests in one segment: ten replies, in order", async () => {
		const h = await SessionHarness.authenticated();
		await h.send(
			request.findAllIf(),
			request.open("eth0"),
			request.stats(),
			request.setSampling(0, 0),
			request.startcap(),
			request.updateFilter([{ code: 0x06, jt: 0, jf: 0, k: 96 }]),
			request.stats(),
			request.endcap(),
			request.open("lo"),
			request.findAllIf(),
		);
		expectReplies(h, [
			"FINDALLIF_REPLY",
			"OPEN_REPLY",
			"STATS_REPLY",
			"SETSAMPLING_REPLY",
			"STARTCAP_REPLY",
			"UPDATEFILTER_REPLY",
			"STATS_REPLY",
			"ENDCAP_REPLY",
			"OPEN_REPLY",
			"FINDALLIF_REPLY",
		]);
	});
});

describe("A10 EOF in the middle of a message", () => {
	test.each([
		["header", request.stats().subarray(0, 5)],
		["payload", request.open("eth0").subarray(0, 10)],
	])("mid-%s before auth: no reply, session ended", async (_, partial) => {
		const h = preAuthHarness();
		await h.sendSegments([partial]);
		await h.peerClosed();
		expectReplies(h, []);
		expect(h.ends).toEqual([{ reason: "eof" }]);
		expect(h.clock.pendingTimerCount).toBe(0);
	});

	test.each([
		["header", request.stats().subarray(0, 3)],
		["payload", request.updateFilter([{ code: 6, jt: 0, jf: 0, k: 1 }]).subarray(0, 12)],
	])("mid-%s during a capture: no reply, capture and data channel torn down", async (_, partial) => {
		const h = await SessionHarness.authenticated();
		await h.selectDevice();
		await h.send(request.startcapTo(StartcapFlag.SERVEROPEN, 40001));
		expectReplies(h, ["STARTCAP_REPLY"]);
		await h.sendSegments([partial]);
		await h.peerClosed();
		await h.clock.advance(5000);
		expectReplies(h, []);
		expect(h.ends).toEqual([{ reason: "eof" }]);
		expect(h.backend.openSources.length).toBe(0);
		expect(h.dataChannels.lastSender?.closed).toBe(true);
		expect(h.clock.pendingTimerCount).toBe(0);
	});
});

describe("A11 trailing junk on requests without payload", () => {
	test("STATS with 100 junk bytes: consumed, normal reply", async () => {
		const h = await SessionHarness.authenticated();
		await h.send(request.raw(MessageType.STATS_REQ, request.junk(100)), request.findAllIf());
		expectReplies(h, ["STATS_REPLY", "FINDALLIF_REPLY"]);
	});

	test("ENDCAP with 100 junk bytes during a capture: consumed, ENDCAP_REPLY", async () => {
		const h = await SessionHarness.authenticated();
		await h.selectDevice();
		await h.send(request.startcap());
		expectReplies(h, ["STARTCAP_REPLY"]);
		await h.send(request.raw(MessageType.ENDCAP_REQ, request.junk(100)), request.stats());
		expectReplies(h, ["ENDCAP_REPLY", "STATS_REPLY"]);
	});
});
