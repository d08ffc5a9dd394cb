// Property tests: decode(encode(x)) == x for every message, and arbitrary bytes only ever give typed errors.

import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
	type AuthRequest,
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
	encodeAuthReply,
	encodeAuthRequest,
	encodeErrorMessage,
	encodeFindAllIfReply,
	encodeHeader,
	encodeOpenReply,
	encodeOpenRequest,
	encodePacket,
	encodeSetSamplingRequest,
	encodeStartcapReply,
	encodeStartcapRequest,
	encodeStatsReply,
	encodeUpdateFilterRequest,
	formatIpv4,
	formatIpv6,
	type InterfaceAddress,
	MalformedMessageError,
	MessageFramer,
	type RemoteInterface,
	type RpcapHeader,
	type RpcapSockaddr,
	readHeader,
	tryDecodeFilter,
} from "../../../src/protocol/index.ts";
import { packetArbitrary, validProgramArbitrary } from "./bpf-programs.ts";

const RUNS = { numRuns: 150 };
const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const i32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });

/** Frames one encoded message like a receiver would and returns header and payload. */
function receive(message: Uint8Array): { header: RpcapHeader; payload: Uint8Array } {
	const framer = new MessageFramer({ maxPayloadLength: 1 << 24, tolerateNoFilterStartcap: true });
	framer.push(message);
	const event = framer.next();
	if (event.kind !== "message") throw new Error(`framer returned ${event.kind}`);
	expect(framer.bufferedByteCount).toBe(0);
	return { header: event.header, payload: event.payload };
}

const sockaddr: fc.Arbitrary<RpcapSockaddr> = fc.oneof(
	fc
		.uint8Array({ minLength: 4, maxLength: 4 })
		.map((b) => ({ family: "ipv4" as const, address: formatIpv4(b) })),
	fc
		.tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), u32)
		.map(([b, scopeId]) => ({ family: "ipv6" as const, address: formatIpv6(b), scopeId })),
	fc.constantFrom<RpcapSockaddr>(
		{ family: "ipv6", address: "fe80::1", scopeId: 4 },
		{ family: "ipv6", address: "::ffff:10.0.0.1", scopeId: 0 },
	),
);
const interfaceAddress: fc.Arbitrary<InterfaceAddress> = fc.record({
	addr: sockaddr,
	netmask: fc.option(sockaddr, { nil: null }),
	broadaddr: fc.option(sockaddr, { nil: null }),
	dstaddr: fc.option(sockaddr, { nil: null }),
});
const remoteInterface: fc.Arbitrary<RemoteInterface> = fc.record({
	name: fc.string({ unit: "binary", maxLength: 30 }),
	description: fc.string({ unit: "binary", maxLength: 60 }),
	flags: u32,
	addresses: fc.array(interfaceAddress, { maxLength: 4 }),
});

describe("decode(encode(x)) == x", () => {
	test("header", () => {
		fc.assert(
			fc.property(fc.record({ version: u8, type: u8, value: u16, payloadLength: u32 }), (header) => {
				expect(readHeader(encodeHeader(header))).toEqual(header);
			}),
			RUNS,
		);
	});

	test("ERROR", () => {
		const text = fc
			.string({ unit: "binary", minLength: 1, maxLength: 80 })
			.filter((t) => !t.includes("\0") && new TextEncoder().encode(t).length <= 255);
		fc.assert(
			fc.property(u16, text, u8, (code, message, version) => {
				const { header, payload } = receive(encodeErrorMessage(code, message, version));
				expect([header.type, header.value, header.version, decodeErrorMessage(payload)]).toEqual([
					1,
					code,
					version,
					message,
				]);
			}),
			RUNS,
		);
	});

	test("AUTH_REQ (null and password) and AUTH_REPLY", () => {
		const request: fc.Arbitrary<AuthRequest> = fc.oneof(
			fc.constant({ type: "null" as const }),
			fc.record({
				type: fc.constant("password" as const),
				username: fc.uint8Array({ maxLength: 300 }),
				password: fc.uint8Array({ maxLength: 300 }),
			}),
		);
		fc.assert(
			fc.property(request, (value) => {
				expect(decodeAuthRequest(receive(encodeAuthRequest(value)).payload)).toEqual(value);
			}),
			RUNS,
		);
		const reply = fc.record({
			minVersion: u8,
			maxVersion: u8,
			byteOrder: fc.constantFrom("little" as const, "big" as const),
		});
		fc.assert(
			fc.property(reply, (value) => {
				expect(decodeAuthReply(receive(encodeAuthReply(value)).payload)).toEqual(value);
			}),
			RUNS,
		);
	});

	test("FINDALLIF_REPLY", () => {
		fc.assert(
			fc.property(fc.array(remoteInterface, { maxLength: 5 }), (interfaces) => {
				const { header, payload } = receive(encodeFindAllIfReply(interfaces).message);
				expect(decodeFindAllIfReply(payload, header.value)).toEqual(interfaces);
			}),
			{ numRuns: 100 },
		);
	});

	test("OPEN_REQ and OPEN_REPLY", () => {
		const name = fc
			.string({ unit: "binary", minLength: 1, maxLength: 100 })
			.filter((n) => !n.includes("\0") && !n.includes("://"));
		fc.assert(
			fc.property(name, (value) => {
				expect(decodeOpenRequest(receive(encodeOpenRequest(value)).payload)).toBe(value);
			}),
			RUNS,
		);
		fc.assert(
			fc.property(fc.record({ linktype: i32, tzoff: i32 }), (value) => {
				expect(decodeOpenReply(receive(encodeOpenReply(value)).payload)).toEqual(value);
			}),
			RUNS,
		);
	});

	test("STARTCAP_REQ, STARTCAP_REPLY and UPDATEFILTER_REQ", () => {
		const request = fc.record({
			snaplen: u32,
			readTimeout: u32,
			flags: u16,
			portData: u16,
			program: validProgramArbitrary(),
		});
		fc.assert(
			fc.property(request, ({ program, ...parameters }) => {
				const decoded = decodeStartcapRequest(
					receive(encodeStartcapRequest({ ...parameters, program })).payload,
				);
				expect(decoded).toEqual({ ...parameters, filter: { ok: true, program } });
				expect(decodeUpdateFilterRequest(receive(encodeUpdateFilterRequest(program)).payload)).toEqual(
					program,
				);
			}),
			RUNS,
		);
		fc.assert(
			fc.property(fc.record({ bufferSize: i32, portData: u16 }), (value) => {
				expect(decodeStartcapReply(receive(encodeStartcapReply(value)).payload)).toEqual(value);
			}),
			RUNS,
		);
	});

	test("STATS_REPLY, SETSAMPLING_REQ and PACKET", () => {
		fc.assert(
			fc.property(fc.record({ ifRecv: u32, ifDrop: u32, krnlDrop: u32, svrCapt: u32 }), (value) => {
				expect(decodeStatsReply(receive(encodeStatsReply(value)).payload)).toEqual(value);
			}),
			RUNS,
		);
		fc.assert(
			fc.property(fc.record({ method: fc.integer({ min: 0, max: 2 }), value: u32 }), (value) => {
				expect(decodeSetSamplingRequest(receive(encodeSetSamplingRequest(value)).payload)).toEqual(value);
			}),
			RUNS,
		);
		const packet = fc.record({
			timestampSec: u32,
			timestampUsec: u32,
			length: u32,
			npkt: u32,
			data: fc.uint8Array({ maxLength: 300 }),
		});
		fc.assert(
			fc.property(packet, (value) => {
				expect(decodePacket(receive(encodePacket(value)).payload)).toEqual(value);
			}),
			RUNS,
		);
	});
});

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
