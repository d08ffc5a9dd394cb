// Property tests: decode(encode(x)) == x for every message type, through the framer.

import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
	type AuthRequest,
	decodeAuthReply,
	decodeAuthRequest,
	decodeErrorMessage,
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
	MessageFramer,
	type RemoteInterface,
	type RpcapHeader,
	type RpcapSockaddr,
	readHeader,
} from "../../../src/protocol/index.ts";
import { validProgramArbitrary } from "./bpf-programs.ts";

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
