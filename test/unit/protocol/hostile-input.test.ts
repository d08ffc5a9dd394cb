// Hostile input: arbitrary and mutated bytes only ever give typed errors; the framer never throws or loops.

import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
	decodeAuthReply,
	decodeAuthRequest,
	decodeErrorMessage,
	decodeFilter,
	decodeFindAllIfReply,
	decodeOpenReply,
	decodeOpenRequest,
	decodePacket,
	decodeSetSamplingRequest,
	decodeStartcapReply,
	decodeStartcapRequest,
	decodeStatsReply,
	decodeUpdateFilterRequest,
	encodeAuthRequest,
	encodeFindAllIfReply,
	encodePacket,
	encodeStartcapRequest,
	encodeUpdateFilterRequest,
	MalformedMessageError,
	MessageFramer,
	tryDecodeFilter,
} from "../../../src/protocol/index.ts";
import { packetArbitrary } from "./bpf-programs.ts";

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });

/** Runs `decode`; anything thrown must be a MalformedMessageError with a non-empty text of at most 255 bytes. */
function onlyTypedErrors(decode: () => unknown): void {
	try {
		decode();
	} catch (error) {
		if (!(error instanceof MalformedMessageError)) throw error;
		expect(error.message.length).toBeGreaterThan(0);
		expect(new TextEncoder().encode(error.message).length).toBeLessThanOrEqual(255);
	}
}

const DECODERS: [string, (payload: Uint8Array, value: number) => unknown][] = [
	["ERROR", (p) => decodeErrorMessage(p)],
	["AUTH_REQ", (p) => decodeAuthRequest(p)],
	["AUTH_REPLY", (p) => decodeAuthReply(p)],
	["FINDALLIF_REPLY", (p, value) => decodeFindAllIfReply(p, value)],
	["OPEN_REQ", (p) => decodeOpenRequest(p)],
	["OPEN_REPLY", (p) => decodeOpenReply(p)],
	["STARTCAP_REQ", (p) => decodeStartcapRequest(p)],
	["STARTCAP_REPLY", (p) => decodeStartcapReply(p)],
	["UPDATEFILTER_REQ", (p) => decodeUpdateFilterRequest(p)],
	["filter", (p) => decodeFilter(p, 12)],
	["filter (result form)", (p) => tryDecodeFilter(p, 7)],
	["STATS_REPLY", (p) => decodeStatsReply(p)],
	["SETSAMPLING_REQ", (p) => decodeSetSamplingRequest(p)],
	["PACKET", (p) => decodePacket(p)],
];

// Valid encodings to mutate: hostile input that is almost right reaches deeper than random bytes.
const SEEDS: Uint8Array[] = [
	encodeAuthRequest({ type: "password", username: "admin", password: "secret" }),
	encodeFindAllIfReply([
		{
			name: "eth0",
			description: "x",
			flags: 6,
			addresses: [
				{
					addr: { family: "ipv6", address: "fe80::1", scopeId: 2 },
					netmask: null,
					broadaddr: null,
					dstaddr: null,
				},
			],
		},
	]).message,
	encodeStartcapRequest({
		snaplen: 1500,
		readTimeout: 500,
		flags: 0,
		portData: 0,
		program: [{ code: 0x06, jt: 0, jf: 0, k: 1 }],
	}),
	encodeUpdateFilterRequest([
		{ code: 0x28, jt: 0, jf: 0, k: 12 },
		{ code: 0x15, jt: 0, jf: 1, k: 0x800 },
		{ code: 0x06, jt: 0, jf: 0, k: 1 },
		{ code: 0x06, jt: 0, jf: 0, k: 0 },
	]),
	encodePacket({ timestampSec: 1, timestampUsec: 2, length: 3, npkt: 4, data: new Uint8Array(8) }),
].map((m) => m.subarray(8));

const mutated = fc
	.tuple(fc.constantFrom(...SEEDS), fc.array(fc.tuple(fc.nat(), u8), { maxLength: 6 }), fc.nat())
	.map(([seed, flips, cut]) => {
		const bytes = seed.slice();
		for (const [at, value] of flips) bytes[at % bytes.length] = value;
		return bytes.subarray(0, cut % (bytes.length + 1));
	});

describe("hostile input", () => {
	test("arbitrary and mutated bytes: every decoder returns or throws MalformedMessageError", () => {
		const payload = fc.oneof(fc.uint8Array({ maxLength: 600 }), mutated);
		fc.assert(
			fc.property(payload, u16, (bytes, value) => {
				for (const [, decode] of DECODERS) onlyTypedErrors(() => decode(bytes, value));
			}),
			{ numRuns: 1500 },
		);
	});

	test("arbitrary byte streams: the framer never throws, never loops, memory stays bounded", () => {
		const chunks = fc.array(fc.oneof(fc.uint8Array({ maxLength: 64 }), packetArbitrary), { maxLength: 30 });
		fc.assert(
			fc.property(chunks, fc.boolean(), fc.integer({ min: 0, max: 300 }), (segments, tolerate, cap) => {
				const framer = new MessageFramer({ maxPayloadLength: cap, tolerateNoFilterStartcap: tolerate });
				let pushed = 0;
				for (const segment of segments) {
					framer.push(segment);
					pushed += segment.length;
					// Each message consumes at least its 8 header bytes, so this bound catches any loop.
					for (let guard = 0; ; guard++) {
						expect(guard).toBeLessThanOrEqual(pushed / 8 + 1);
						const event = framer.next();
						if (event.kind === "message") continue;
						if (event.kind === "held" && guard % 2 === 0) {
							framer.releaseHeldMessage();
							continue;
						}
						break;
					}
					// Never more than one message plus a header and the 8 stray §7.7 bytes is kept.
					expect(framer.bufferedByteCount).toBeLessThanOrEqual(Math.max(pushed, 0));
					expect(framer.bufferedByteCount).toBeLessThanOrEqual(cap + 8 + 8 + segment.length);
				}
			}),
			{ numRuns: 1000 },
		);
	});
});
