// Session: bad-inputs.md P1 (and G3, scaled down) — bad rows repeated on one connection leave the session's state flat.

import { describe, expect, test } from "bun:test";
import { MessageType, StartcapFlag } from "../../../src/protocol/index.ts";
import { concatBytes } from "../../support/bytes.ts";
import { request } from "../../support/rpcap-requests.ts";
import { SessionHarness } from "../../support/session-harness.ts";
import { longValidProgram } from "../protocol/bpf-programs.ts";

const REPEATS = 10_000;

/** Heap in use after a full collection. */
function heapBytes(): number {
	Bun.gc(true);
	return process.memoryUsage().heapUsed;
}

/** Internal framer state that would reveal retained input. */
function framerState(h: SessionHarness): { buffered: number; partial: boolean; chunks: number } {
	const framer = h.framer;
	const chunks = (framer as unknown as { chunks: unknown[] }).chunks.length;
	return { buffered: framer.bufferedByteCount, partial: framer.hasPartialMessage, chunks };
}

/** Feeds `chunk` `times` times (a fresh copy each time, as sockets deliver fresh buffers). */
async function repeat(h: SessionHarness, chunk: Uint8Array, times: number): Promise<void> {
	for (let i = 0; i < times; i++) {
		h.session.receive(chunk.slice());
		if (i % 500 === 499) await h.send();
	}
	await h.send();
}

describe("P1 no growth on one connection", () => {
	test("pre-auth: malformed and unknown-type AUTH requests, 10^4 times, then a valid AUTH", async () => {
		const h = new SessionHarness({ keepMessages: false, logLevel: "error" });
		const chunk = concatBytes(
			request.raw(MessageType.AUTH_REQ, new Uint8Array(4)), // B1
			request.raw(MessageType.AUTH_REQ, new Uint8Array([0, 2, 0, 0, 0, 0, 0, 0])), // B2
		);
		await repeat(h, chunk, 1000);
		const warm = heapBytes();
		await repeat(h, chunk, REPEATS - 1000);
		const growth = heapBytes() - warm;
		expect(h.channel.messageCount).toBe(2 * REPEATS);
		expect(framerState(h)).toEqual({ buffered: 0, partial: false, chunks: 0 });
		expect(h.clock.pendingDelays()).toEqual([90_000]);
		expect(growth).toBeLessThan(1024 * 1024);
		await h.send(request.password("alice", "secret"));
		expect(h.authenticatedCalls).toBe(1);
		expect(h.channel.malformedSends).toEqual([]);
	});

	test("post-auth, capture running: rows of groups A–J, 10^4 times each", async () => {
		const h = await SessionHarness.authenticated({ logLevel: "error" });
		await h.selectDevice();
		await h.send(request.startcapTo(StartcapFlag.SERVEROPEN, 40001));
		h.channel.keepMessages = false;
		const rows = [
			request.raw(0x00, request.junk(100)), // A4
			request.raw(0x82, request.junk(10)), // A5
			request.raw(MessageType.OPEN_REQ), // A6 / D1
			request.open("rpcap://127.0.0.1:2002/eth0"), // D4
			request.open("q".repeat(1025)), // D2
			request.startcapTo(StartcapFlag.SERVEROPEN, 40002), // E17
			request.raw(MessageType.STARTCAP_REQ, new Uint8Array(11)), // E1
			request.updateFilter([
				{ code: 0x05, jt: 0, jf: 0, k: 0xffffffff },
				{ code: 6, jt: 0, jf: 0, k: 0 },
			]), // G2 / F1
			request.raw(MessageType.UPDATEFILTER_REQ, new Uint8Array(4)), // G5
			request.setSampling(3, 1), // H2
			request.raw(MessageType.SETSAMPLING_REQ, new Uint8Array(4)), // H1
			request.raw(MessageType.FINDALLIF_REQ, request.junk(37)), // C1
			request.raw(MessageType.STATS_REQ, request.junk(100)), // I4
			request.nullAuth(), // B7
			request.raw(MessageType.ERROR, request.junk(300), 0, 11), // client ERROR post-auth: logged, continue
		];
		const chunk = concatBytes(...rows);
		const started = performance.now();
		await repeat(h, chunk, 1000);
		const warm = heapBytes();
		const before = h.channel.messageCount;
		await repeat(h, chunk, REPEATS - 1000);
		const growth = heapBytes() - warm;
		expect(h.channel.messageCount - before).toBe((rows.length - 1) * (REPEATS - 1000));
		expect(performance.now() - started).toBeLessThan(5000);
		expect(framerState(h)).toEqual({ buffered: 0, partial: false, chunks: 0 });
		expect(h.clock.pendingDelays()).toEqual([180_000]);
		expect(h.backend.opens).toHaveLength(1);
		expect(h.backend.lastSource?.stopped).toBe(false);
		expect(h.dataChannels.connects).toHaveLength(1);
		expect(h.channel.closed).toBe(false);
		expect(h.channel.malformedSends).toEqual([]);
		expect(growth).toBeLessThan(1024 * 1024);
	});

	test("G3 (scaled down): 200 UPDATEFILTERs of 8192 instructions keep the heap flat", async () => {
		const h = await SessionHarness.authenticated({ logLevel: "error" });
		await h.selectDevice();
		await h.send(request.startcapTo(StartcapFlag.SERVEROPEN, 40001));
		h.channel.keepMessages = false;
		h.backend.lastSource!.keepFilterHistory = false;
		const update = request.updateFilter(longValidProgram(8192));
		await repeat(h, update, 20);
		const warm = heapBytes();
		await repeat(h, update, 180);
		const growth = heapBytes() - warm;
		expect(h.channel.messageCount).toBe(3 + 200);
		expect(growth).toBeLessThan(2 * 1024 * 1024);
	});

	test("STARTCAP/ENDCAP cycles (P2, scaled down): no capture, data channel or timer left behind", async () => {
		const h = await SessionHarness.authenticated({ logLevel: "error" });
		await h.selectDevice();
		h.channel.keepMessages = false;
		const cycle = concatBytes(request.startcapTo(StartcapFlag.SERVEROPEN, 40001), request.endcap());
		await repeat(h, cycle, 500);
		expect(h.backend.openSources.length).toBe(0);
		expect(h.dataChannels.senders.every((s) => s.closed)).toBe(true);
		expect(h.clock.pendingDelays()).toEqual([180_000]);
	});
});
