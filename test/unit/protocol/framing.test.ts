// MessageFramer: any segmentation, coalescing, the hard plen cap and every §7.7 no-filter STARTCAP case.

import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
	encodeAuthRequest,
	encodeEmptyMessage,
	encodeMessage,
	encodeOpenRequest,
	type FramerEvent,
	MessageFramer,
	MessageType,
} from "../../../src/protocol/index.ts";
import { concatBytes } from "../../support/bytes.ts";
import { hex, toHex } from "./hex.ts";

interface Framed {
	type: number;
	value: number;
	payload: string;
	tolerated: boolean;
}

/** Pushes `segments` one by one, draining after each; returns the messages and the last non-message event. */
function run(
	framer: MessageFramer,
	segments: Uint8Array[],
): { messages: Framed[]; last: FramerEvent["kind"] } {
	const messages: Framed[] = [];
	let last: FramerEvent["kind"] = "incomplete";
	for (const segment of segments) {
		framer.push(segment);
		for (;;) {
			const event = framer.next();
			if (event.kind !== "message") {
				last = event.kind;
				break;
			}
			messages.push({
				type: event.header.type,
				value: event.header.value,
				payload: toHex(event.payload),
				tolerated: event.toleratedNoFilterStartcap,
			});
		}
	}
	return { messages, last };
}

const bytewise = (bytes: Uint8Array) => Array.from(bytes, (b) => new Uint8Array([b]));
const daemonFramer = () => new MessageFramer({ tolerateNoFilterStartcap: true });

const STATS = encodeEmptyMessage(MessageType.STATS_REQ);
const NO_FILTER_STARTCAP = hex("00 04 0000 00000014 | 000005dc 000001f4 0000 0000 | 0001 0000 00000001");
const RET_1500 = hex("0006 00 00 000005dc");

describe("segmentation", () => {
	const stream = concatBytes(
		encodeAuthRequest({ type: "password", username: "user", password: "secret" }),
		encodeOpenRequest("eth0"),
		STATS,
		encodeMessage(MessageType.ERROR, 12, new TextEncoder().encode("x".repeat(3000))),
		encodeEmptyMessage(MessageType.CLOSE),
	);
	const whole = run(daemonFramer(), [stream]).messages;

	test("A8: a stream in 1-byte segments gives the same messages as in one write", () => {
		expect(whole.map((m) => m.type)).toEqual([0x08, 0x03, 0x09, 0x01, 0x06]);
		expect(run(daemonFramer(), bytewise(stream)).messages).toEqual(whole);
	});

	test("A9: ten requests coalesced in one segment come out in order", () => {
		const ten = concatBytes(...Array.from({ length: 10 }, (_, i) => encodeOpenRequest(`eth${i}`)));
		const { messages, last } = run(daemonFramer(), [ten]);
		expect(messages.map((m) => new TextDecoder().decode(hex(m.payload)))).toEqual(
			Array.from({ length: 10 }, (_, i) => `eth${i}`),
		);
		expect(last).toBe("incomplete");
	});

	test("property: any split of any message sequence yields the same messages", () => {
		const message = fc
			.tuple(
				fc.integer({ min: 0, max: 255 }),
				fc.integer({ min: 0, max: 0xffff }),
				fc.uint8Array({ maxLength: 2500 }),
			)
			.map(([type, value, payload]) => encodeMessage(type === 4 ? 5 : type, value, payload));
		fc.assert(
			fc.property(
				fc.array(message, { maxLength: 8 }),
				fc.array(fc.nat(), { maxLength: 20 }),
				(messages, cuts) => {
					const stream = concatBytes(...messages);
					const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
					const segments = [0, ...points].map((p, i, all) => stream.subarray(p, all[i + 1] ?? stream.length));
					const framer = daemonFramer();
					const result = run(framer, segments);
					expect(result.messages).toEqual(run(daemonFramer(), [stream]).messages);
					expect(result.messages).toHaveLength(messages.length);
					expect(framer.bufferedByteCount).toBe(0);
					expect(framer.hasPartialMessage).toBe(false);
				},
			),
			{ numRuns: 200 },
		);
	});

	test("a message that arrives in one chunk is returned as a view, without copying", () => {
		const chunk = concatBytes(encodeOpenRequest("x".repeat(2000)), STATS);
		const framer = daemonFramer();
		framer.push(chunk);
		const event = framer.next();
		if (event.kind !== "message") throw new Error(event.kind);
		expect(event.payload.buffer).toBe(chunk.buffer);
		expect(event.payload.byteOffset).toBe(8);
	});

	test("payload views stay valid while more small segments arrive", () => {
		const framer = daemonFramer();
		framer.push(encodeOpenRequest("lo"));
		const first = framer.next();
		if (first.kind !== "message") throw new Error(first.kind);
		for (const segment of bytewise(concatBytes(encodeOpenRequest("eth0"), encodeOpenRequest("eth1"))))
			framer.push(segment);
		expect(toHex(first.payload)).toBe("6c6f");
		expect(run(framer, []).messages).toHaveLength(0);
		const rest = [framer.next(), framer.next()].map((e) =>
			e.kind === "message" ? toHex(e.payload) : e.kind,
		);
		expect(rest).toEqual(["65746830", "65746831"]);
		expect(toHex(first.payload)).toBe("6c6f");
	});

	test("A10: EOF state is visible mid-header and mid-payload", () => {
		const framer = daemonFramer();
		expect(framer.hasPartialMessage).toBe(false);
		framer.push(hex("00 03 00"));
		expect(framer.next().kind).toBe("incomplete");
		expect(framer.hasPartialMessage).toBe(true);
		framer.push(hex("00 00000004 6c"));
		expect(framer.next().kind).toBe("incomplete");
		expect(framer.hasPartialMessage).toBe(true);
		expect(framer.bufferedByteCount).toBe(1);
	});
});

describe("hard cap on plen (A7)", () => {
	for (const plen of [262145, 2 ** 31, 2 ** 32 - 1]) {
		test(`plen ${plen}: reported from the header alone, nothing buffered, sticky`, () => {
			const framer = daemonFramer();
			const header = hex(`00 08 0000 ${plen.toString(16).padStart(8, "0")}`);
			framer.push(header);
			const event = framer.next();
			expect(event).toEqual({
				kind: "oversized",
				header: { version: 0, type: MessageType.AUTH_REQ, value: 0, payloadLength: plen },
			});
			framer.push(new Uint8Array(100000));
			expect(framer.bufferedByteCount).toBe(0);
			expect(framer.next().kind).toBe("oversized");
		});
	}

	test("plen exactly 262144 is accepted; a custom cap applies", () => {
		const big = encodeMessage(MessageType.AUTH_REQ, 0, new Uint8Array(262144));
		expect(run(daemonFramer(), [big]).messages).toHaveLength(1);
		const small = new MessageFramer({ maxPayloadLength: 100 });
		small.push(encodeOpenRequest("x".repeat(101)));
		expect(small.next().kind).toBe("oversized");
	});
});

describe("libpcap no-filter STARTCAP tolerance (§7.7)", () => {
	test("E6: all 28 bytes in one write → one message, payload 28 bytes, flagged", () => {
		const { messages, last } = run(daemonFramer(), [concatBytes(NO_FILTER_STARTCAP, RET_1500, STATS)]);
		expect(messages).toEqual([
			{
				type: 4,
				value: 0,
				payload: toHex(concatBytes(NO_FILTER_STARTCAP.subarray(8), RET_1500)),
				tolerated: true,
			},
			{ type: 9, value: 0, payload: "", tolerated: false },
		]);
		expect(last).toBe("incomplete");
	});

	test("E6 in 1-byte segments: held while the stray bytes arrive, then tolerated", () => {
		const framer = daemonFramer();
		const events: string[] = [];
		for (const segment of bytewise(concatBytes(NO_FILTER_STARTCAP, RET_1500))) {
			framer.push(segment);
			const event = framer.next();
			events.push(event.kind === "message" ? `message:${event.toleratedNoFilterStartcap}` : event.kind);
		}
		expect(events).toEqual([...Array(27).fill("incomplete"), ...Array(8).fill("held"), "message:true"]);
		expect(framer.isHolding).toBe(false);
	});

	test("E7a: plen 20, nitems 1, followed by a STATS header → delivered as is, STATS next", () => {
		const { messages } = run(daemonFramer(), [concatBytes(NO_FILTER_STARTCAP, STATS)]);
		expect(messages.map((m) => [m.type, m.payload.length / 2, m.tolerated])).toEqual([
			[4, 20, false],
			[9, 0, false],
		]);
	});

	test("E7a with a mismatch in the first stray byte already present decides without waiting", () => {
		const framer = daemonFramer();
		const { messages, last } = run(framer, [concatBytes(NO_FILTER_STARTCAP, hex("00 09"))]);
		expect(messages.map((m) => [m.type, m.tolerated])).toEqual([[4, false]]);
		expect(last).toBe("incomplete");
		expect(framer.isHolding).toBe(false);
	});

	test("E7b: nitems 2 and E7c: plen 24 are never held", () => {
		const nitems2 = hex("00 04 0000 00000014 | 000005dc 000001f4 0000 0000 | 0001 0000 00000002");
		const plen24 = hex("00 04 0000 00000018 | 000005dc 000001f4 0000 0000 | 0001 0000 00000001 | 0006 0000");
		for (const shape of [nitems2, plen24]) {
			const { messages, last } = run(daemonFramer(), [shape]);
			expect(messages.map((m) => [m.type, m.payload, m.tolerated])).toEqual([
				[4, toHex(shape.subarray(8)), false],
			]);
			expect(last).toBe("incomplete");
		}
	});

	test("held, then released by the session's 1 s timer: plen 20 as is, stray bytes parsed as the next header", () => {
		const framer = daemonFramer();
		framer.push(concatBytes(NO_FILTER_STARTCAP, hex("0006")));
		expect(framer.next()).toEqual({
			kind: "held",
			header: { version: 0, type: MessageType.STARTCAP_REQ, value: 0, payloadLength: 20 },
		});
		expect(framer.isHolding).toBe(true);
		expect(framer.next().kind).toBe("held");
		framer.releaseHeldMessage();
		const released = framer.next();
		if (released.kind !== "message") throw new Error(released.kind);
		expect(released.payload).toEqual(NO_FILTER_STARTCAP.subarray(8));
		expect(released.toleratedNoFilterStartcap).toBe(false);
		expect(framer.isHolding).toBe(false);
		// The late bytes complete "00 06 0000 000005dc": a CLOSE header announcing 1500 payload bytes.
		framer.push(hex("0000 000005dc"));
		expect(framer.next().kind).toBe("incomplete");
		framer.push(new Uint8Array(1500));
		const next = framer.next();
		expect(next.kind === "message" && [next.header.type, next.payload.length]).toEqual([
			MessageType.CLOSE,
			1500,
		]);
	});

	test("releaseHeldMessage does nothing when not holding", () => {
		const framer = daemonFramer();
		framer.releaseHeldMessage();
		framer.push(NO_FILTER_STARTCAP);
		expect(framer.next().kind).toBe("held");
		framer.push(RET_1500);
		const event = framer.next();
		expect(event.kind === "message" && event.toleratedNoFilterStartcap).toBe(true);
	});

	test("tolerance off (collector side): plen 20 is delivered as is at once", () => {
		const { messages } = run(new MessageFramer(), [NO_FILTER_STARTCAP]);
		expect(messages.map((m) => [m.type, m.payload.length / 2, m.tolerated])).toEqual([[4, 20, false]]);
	});
});
