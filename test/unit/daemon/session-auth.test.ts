// Session: pre-authentication and AUTH rows of bad-inputs.md group B, plus the §14.2 pre-auth and idle deadlines.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsersFileAuthenticator } from "../../../src/daemon/auth/users-file-authenticator.ts";
import { createLogger, memorySink } from "../../../src/observe/logger.ts";
import { ErrorCode, MessageType } from "../../../src/protocol/index.ts";
import { FakeAuthenticator } from "../../support/fake-authenticator.ts";
import { ManualClock } from "../../support/manual-clock.ts";
import { describeMessage } from "../../support/memory-control-channel.ts";
import { request } from "../../support/rpcap-requests.ts";
import { expectReplies, SessionHarness } from "../../support/session-harness.ts";

const TOO_SHORT = "Message payload is too short";
const AUTH_FAILED = "Authentication failed";
const INITIAL_TIMEOUT = "The RPCAP initial timeout has expired";
const GOOD_PASSWORD = (): Uint8Array => request.password("alice", "secret");
const WRONG_PASSWORD = (): Uint8Array => request.password("alice", "wrong");

/** An AUTH_REQ with arbitrary rpcap_auth fields and trailing bytes. */
function authRequest(type: number, slen1: number, slen2: number, trailing: Uint8Array): Uint8Array {
	const payload = new Uint8Array(8 + trailing.length);
	const view = new DataView(payload.buffer);
	view.setUint16(0, type);
	view.setUint16(4, slen1);
	view.setUint16(6, slen2);
	payload.set(trailing, 8);
	return request.raw(MessageType.AUTH_REQ, payload);
}

describe("B1–B4 malformed or refused AUTH: answered, stay in the auth phase", () => {
	test.each([0, 4, 7])(
		"B1 AUTH with plen %i: ERROR 3 too short, then the canary authenticates",
		async (plen) => {
			const h = new SessionHarness();
			await h.send(request.raw(MessageType.AUTH_REQ, new Uint8Array(plen)), GOOD_PASSWORD());
			expectReplies(h, [`ERROR 3 ${TOO_SHORT}`, "AUTH_REPLY"]);
			expect(h.authenticatedCalls).toBe(1);
		},
	);

	test.each([2, 0xffff])("B2 AUTH type %i: ERROR 20", async (type) => {
		const h = new SessionHarness();
		await h.send(authRequest(type, 0, 0, new Uint8Array(0)), GOOD_PASSWORD());
		expectReplies(h, ["ERROR 20 Authentication type not recognized.", "AUTH_REPLY"]);
	});

	test("B3 NULL auth while disabled: ERROR 18, no delay, counted", async () => {
		const h = new SessionHarness();
		await h.send(request.nullAuth(), GOOD_PASSWORD());
		const replies = expectReplies(h, [
			"ERROR 18 Authentication failed; NULL authentication not permitted.",
			"AUTH_REPLY",
		]);
		expect(replies.map((r) => r.atMs)).toEqual([0, 0]);
	});

	test.each([
		["slen1 beyond the payload", authRequest(1, 10, 0, new Uint8Array(9)), `ERROR 3 ${TOO_SHORT}`],
		["slen2 beyond the payload", authRequest(1, 2, 10, new Uint8Array(11)), `ERROR 3 ${TOO_SHORT}`],
	])("B4 %s: ERROR 3, no delay", async (_, bad, expected) => {
		const h = new SessionHarness();
		await h.send(bad, GOOD_PASSWORD());
		expectReplies(h, [expected, "AUTH_REPLY"]);
	});

	test.each([
		["both lengths 0", authRequest(1, 0, 0, new Uint8Array(0))],
		["both lengths 65535 (plen 131078)", authRequest(1, 65535, 65535, new Uint8Array(131070).fill(0x41))],
	])("B4 %s: ERROR 18 Authentication failed, next reply 1 s later", async (_, bad) => {
		const h = new SessionHarness();
		await h.send(bad, GOOD_PASSWORD());
		expectReplies(h, [`ERROR 18 ${AUTH_FAILED}`]);
		await h.clock.advance(999);
		expectReplies(h, []);
		await h.clock.advance(1);
		const [reply] = expectReplies(h, ["AUTH_REPLY"]);
		expect(reply?.atMs).toBe(1000);
	});
});

describe("B5 unknown user, wrong password, unusable hash (users-file authenticator)", () => {
	const directory = mkdtempSync(join(tmpdir(), "rpcapd-session-auth-"));
	afterAll(() => rmSync(directory, { recursive: true, force: true }));

	test("identical ERROR 18 and identical delay in all three cases", async () => {
		const aliceHash = await Bun.password.hash("secret", {
			algorithm: "argon2id",
			memoryCost: 8,
			timeCost: 1,
		});
		const bobHash = await Bun.password.hash("other", { algorithm: "argon2id", memoryCost: 8, timeCost: 1 });
		const path = join(directory, "users");
		writeFileSync(path, `alice:${aliceHash}\nbob:${bobHash}\n`, { mode: 0o600 });
		const authSink = memorySink();
		const authenticator = await UsersFileAuthenticator.load(path, {
			logger: createLogger({ level: "debug", format: "text", sink: authSink }),
			verify: async (password, hash) => {
				if (hash === bobHash) throw new Error("unusable hash"); // crypt() returning NULL, CVE-2019-15163
				return hash === aliceHash && new TextDecoder().decode(password) === "secret";
			},
		});
		const outcomes: { bytes: string; delayMs: number }[] = [];
		for (const attempt of [
			request.password("mallory", "secret"),
			request.password("alice", "wrong"),
			request.password("bob", "other"),
		]) {
			const h = new SessionHarness({ authenticator });
			await h.send(attempt, GOOD_PASSWORD());
			const [failure] = expectReplies(h, [`ERROR 18 ${AUTH_FAILED}`]);
			await h.clock.advance(5000);
			const [success] = expectReplies(h, ["AUTH_REPLY"]);
			outcomes.push({
				bytes: Buffer.from(failure!.payload).toString("hex") + failure!.header.value,
				delayMs: success!.atMs - failure!.atMs,
			});
		}
		expect(new Set(outcomes.map((o) => JSON.stringify(o))).size).toBe(1);
		expect(outcomes[0]?.delayMs).toBe(1000);
	});
});

describe("B6 repeated password failures", () => {
	test("each failure answered, the next reply 1 s later, close after the 5th; another session is not delayed", async () => {
		const clock = new ManualClock();
		const attacker = new SessionHarness({ clock });
		const other = await SessionHarness.authenticated({ clock });
		await attacker.send(...Array.from({ length: 6 }, WRONG_PASSWORD));
		await clock.advance(500);
		await other.send(request.stats());
		const [otherReply] = expectReplies(other, ["STATS_REPLY"]);
		expect(otherReply?.atMs).toBe(500);
		await clock.advance(10_000);
		const replies = expectReplies(
			attacker,
			Array.from({ length: 5 }, () => `ERROR 18 ${AUTH_FAILED}`),
		);
		expect(replies.map((r) => r.atMs)).toEqual([0, 1000, 2000, 3000, 4000]);
		expect(attacker.channel.closed).toBe(true);
		expect(attacker.ends).toEqual([{ reason: "error", text: AUTH_FAILED }]);
		expect(attacker.channel.sendsAfterClose).toBe(0);
		expect(other.channel.closed).toBe(false);
	});

	test("a good password after a failure is answered no sooner than 1 s later", async () => {
		const h = new SessionHarness();
		await h.send(WRONG_PASSWORD(), GOOD_PASSWORD());
		expectReplies(h, [`ERROR 18 ${AUTH_FAILED}`]);
		await h.clock.advance(1000);
		const [reply] = expectReplies(h, ["AUTH_REPLY"]);
		expect(reply?.atMs).toBe(1000);
	});

	test("NULL-auth refusals count toward the limit of 5", async () => {
		const h = new SessionHarness();
		await h.send(...Array.from({ length: 5 }, request.nullAuth), GOOD_PASSWORD());
		expectReplies(
			h,
			Array.from({ length: 5 }, () => "ERROR 18 Authentication failed; NULL authentication not permitted."),
		);
		expect(h.channel.closed).toBe(true);
	});
});

describe("B7–B9 AUTH after authentication, CLOSE and ERROR before it", () => {
	test("B7 AUTH after success: ERROR 16, continue, identity unchanged", async () => {
		const authenticator = new FakeAuthenticator([{ username: "bob", password: "pw" }]);
		const h = await SessionHarness.authenticated({ authenticator });
		await h.send(request.password("bob", "pw"), request.stats());
		expectReplies(h, [
			"ERROR 16 RPCAP_MSG_AUTH_REQ request sent after authentication was completed",
			"STATS_REPLY",
		]);
		expect(authenticator.requests).toEqual([]);
		expect(h.authenticatedCalls).toBe(1);
		expect(h.channel.closed).toBe(false);
	});

	test("B8 CLOSE with 100 payload bytes before auth: no reply, close", async () => {
		const h = new SessionHarness();
		await h.send(request.raw(MessageType.CLOSE, request.junk(100)), GOOD_PASSWORD());
		expectReplies(h, []);
		expect(h.channel.closed).toBe(true);
		expect(h.ends).toEqual([{ reason: "close-received" }]);
		// Exactly the 100 payload bytes were consumed: the canary is still there, unread.
		expect(h.framer.bufferedByteCount).toBe(GOOD_PASSWORD().length);
	});

	test("B9 ERROR 11 from the client before auth: logged (escaped), close", async () => {
		const h = new SessionHarness();
		const text = new TextEncoder().encode("host not allowed\nfake: line");
		await h.send(request.raw(MessageType.ERROR, text, 0, ErrorCode.REMOTEACCEPT), GOOD_PASSWORD());
		expectReplies(h, []);
		expect(h.channel.closed).toBe(true);
		expect(h.ends).toEqual([{ reason: "rejected-by-peer", text: "host not allowed\\x0afake: line" }]);
		expect(h.logged("warn").some((line) => line.includes("host not allowed\\x0afake: line"))).toBe(true);
	});
});

describe("B10 requests before authentication", () => {
	const requests: [string, Uint8Array][] = [
		["RPCAP_MSG_FINDALLIF_REQ", request.raw(MessageType.FINDALLIF_REQ, request.junk(10))],
		["RPCAP_MSG_OPEN_REQ", request.open("eth0")],
		["RPCAP_MSG_STARTCAP_REQ", request.startcap({ flags: 0x04, portData: 40001 })],
		["RPCAP_MSG_UPDATEFILTER_REQ", request.updateFilter([{ code: 6, jt: 0, jf: 0, k: 1 }])],
		["RPCAP_MSG_STATS_REQ", request.raw(MessageType.STATS_REQ, request.junk(10))],
		["RPCAP_MSG_ENDCAP_REQ", request.raw(MessageType.ENDCAP_REQ, request.junk(10))],
		["RPCAP_MSG_SETSAMPLING_REQ", request.setSampling(1, 10)],
	];

	test.each(requests)("%s: ERROR 16, payload consumed, continue, nothing started", async (name, bytes) => {
		const h = new SessionHarness({ policy: { nullAuth: true } });
		await h.send(bytes, request.nullAuth());
		expectReplies(h, [`ERROR 16 ${name} request sent before authentication was completed`, "AUTH_REPLY"]);
		expect(h.backend.opens).toEqual([]);
		expect(h.backend.probes).toEqual([]);
		expect(h.dataChannels.listens.length + h.dataChannels.outboundCount).toBe(0);
	});

	test("the 17th non-AUTH message gets ERROR 2 and the connection closes", async () => {
		const h = new SessionHarness({ policy: { nullAuth: true } });
		const seventeen = Array.from({ length: 17 }, (_, i) => requests[i % requests.length]![1]);
		await h.send(...seventeen, request.nullAuth());
		const replies = h.take().map(describeMessage);
		expect(replies).toHaveLength(17);
		expect(replies.slice(0, 16).every((r) => r.startsWith("ERROR 16 "))).toBe(true);
		expect(replies[16]).toBe(`ERROR 2 ${INITIAL_TIMEOUT}`);
		expect(h.channel.closed).toBe(true);
	});
});

describe("B12 pre-auth deadline: 90 s in total from accept", () => {
	test("one junk message every 80 s: ERROR 2 at 90 s, close", async () => {
		const h = new SessionHarness();
		await h.send(request.stats());
		await h.clock.advance(80_000);
		await h.send(request.stats());
		await h.clock.advance(9_999);
		expect(h.channel.closed).toBe(false);
		await h.clock.advance(1);
		const replies = expectReplies(h, [
			"ERROR 16 RPCAP_MSG_STATS_REQ request sent before authentication was completed",
			"ERROR 16 RPCAP_MSG_STATS_REQ request sent before authentication was completed",
			`ERROR 2 ${INITIAL_TIMEOUT}`,
		]);
		expect(replies[2]?.atMs).toBe(90_000);
		expect(h.channel.closed).toBe(true);
	});

	test("time spent before the session started (first byte, TLS handshake) counts", async () => {
		const clock = new ManualClock();
		await clock.advance(25_000);
		const h = new SessionHarness({ clock, acceptedAt: 5_000 });
		await h.clock.advance(69_999);
		expect(h.channel.closed).toBe(false);
		await h.clock.advance(1);
		const [reply] = expectReplies(h, [`ERROR 2 ${INITIAL_TIMEOUT}`]);
		expect(reply?.atMs).toBe(95_000);
		expect(h.channel.closed).toBe(true);
	});

	test("one header byte every 5 s: ERROR 2 at 90 s", async () => {
		const h = new SessionHarness();
		const auth = GOOD_PASSWORD();
		for (let i = 0; i < 7; i++) {
			await h.sendSegments([auth.subarray(i, i + 1)]);
			await h.clock.advance(5000);
		}
		await h.clock.advance(55_000);
		const [reply] = expectReplies(h, [`ERROR 2 ${INITIAL_TIMEOUT}`]);
		expect(reply?.atMs).toBe(90_000);
		expect(h.channel.closed).toBe(true);
	});

	test("authentication at 89 s cancels the deadline", async () => {
		const h = new SessionHarness();
		await h.clock.advance(89_000);
		await h.send(GOOD_PASSWORD());
		await h.clock.advance(60_000);
		expectReplies(h, ["AUTH_REPLY"]);
		expect(h.channel.closed).toBe(false);
	});

	test("failed attempts do not extend it", async () => {
		const h = new SessionHarness();
		await h.clock.advance(88_500);
		await h.send(WRONG_PASSWORD(), WRONG_PASSWORD(), WRONG_PASSWORD());
		await h.clock.advance(5000);
		const replies = expectReplies(h, [
			`ERROR 18 ${AUTH_FAILED}`,
			`ERROR 18 ${AUTH_FAILED}`,
			`ERROR 2 ${INITIAL_TIMEOUT}`,
		]);
		expect(replies.map((r) => r.atMs)).toEqual([88_500, 89_500, 90_000]);
		expect(h.channel.closed).toBe(true);
	});

	test("active mode: no pre-auth deadline by default", async () => {
		const h = new SessionHarness({ info: { mode: "active" }, policy: { preAuthTimeoutMs: null } });
		await h.clock.advance(600_000);
		await h.send(GOOD_PASSWORD());
		expectReplies(h, ["AUTH_REPLY"]);
	});
});

describe("B13 credentials with NULs, control characters and invalid UTF-8", () => {
	test("ERROR 18, no crash, no raw control character in any log line", async () => {
		const weird = new Uint8Array([0x61, 0x00, 0x0a, 0x1b, 0x5b, 0x32, 0x4a, 0xff, 0xfe, 0x0d]);
		const h = new SessionHarness();
		await h.send(request.password(weird, weird));
		expectReplies(h, [`ERROR 18 ${AUTH_FAILED}`]);
		const accepted = new FakeAuthenticator([{ username: "ok\nuser\u001b", password: "pw" }]);
		const h2 = new SessionHarness({ authenticator: accepted });
		await h2.send(request.password("ok\nuser\u001b", "pw"));
		expectReplies(h2, ["AUTH_REPLY"]);
		for (const line of [...h.logLines, ...h2.logLines].map((l) => l.line)) {
			expect(line).not.toMatch(/[\u0000-\u001f\u007f]/);
		}
	});
});

describe("§14.2 post-auth idle deadline (passive)", () => {
	const RUNTIME_TIMEOUT = "ERROR 14 The RPCAP runtime timeout has expired";

	test("180 s without a request and without a capture: ERROR 14, close", async () => {
		const h = await SessionHarness.authenticated();
		await h.clock.advance(100_000);
		await h.send(request.stats());
		await h.clock.advance(179_999);
		expectReplies(h, ["STATS_REPLY"]);
		await h.clock.advance(1);
		const [reply] = expectReplies(h, [RUNTIME_TIMEOUT]);
		expect(reply?.atMs).toBe(280_000);
		expect(h.channel.closed).toBe(true);
	});

	test("no idle deadline while a capture runs; it applies again after ENDCAP", async () => {
		const h = await SessionHarness.authenticated();
		await h.selectDevice();
		await h.send(request.startcap());
		expectReplies(h, ["STARTCAP_REPLY"]);
		await h.clock.advance(600_000);
		expect(h.channel.closed).toBe(false);
		await h.send(request.endcap());
		expectReplies(h, ["ENDCAP_REPLY"]);
		await h.clock.advance(180_000);
		expectReplies(h, [RUNTIME_TIMEOUT]);
	});

	test("active mode with no idle limit: stays open", async () => {
		const h = await SessionHarness.authenticated({
			info: { mode: "active" },
			policy: { idleTimeoutMs: null },
		});
		await h.clock.advance(3_600_000);
		expectReplies(h, []);
		expect(h.channel.closed).toBe(false);
	});
});
