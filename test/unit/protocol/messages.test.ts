// Per-message decoder rules and exact texts (bad-inputs groups A6, B, D, H, K; rpcap-protocol.md §4, §6, §9, §11).

import { describe, expect, test } from "bun:test";
import {
	decodeAuthReply,
	decodeAuthRequest,
	decodeOpenReply,
	decodeOpenRequest,
	decodePacket,
	decodeSetSamplingRequest,
	decodeStartcapReply,
	decodeStatsReply,
	ErrorCode,
	encodeAuthReply,
	encodeAuthRequest,
	encodePacket,
	encodeSetSamplingRequest,
	encodeStatsReply,
	HOST_BYTE_ORDER,
	MalformedMessageError,
	negotiateVersion,
	PACKET_MESSAGE_OVERHEAD,
	RpcapError,
	readHeader,
	writePacketHeader,
} from "../../../src/protocol/index.ts";
import { concatBytes } from "../../support/bytes.ts";
import { ascii, hex, toHex } from "./hex.ts";

function thrown(run: () => unknown): [number, string] {
	try {
		run();
	} catch (error) {
		expect(error).toBeInstanceOf(MalformedMessageError);
		return [(error as MalformedMessageError).code, (error as Error).message];
	}
	throw new Error("nothing thrown");
}

describe("AUTH_REQ (§4.2)", () => {
	test("B1: plen 0, 4 and 7 → 3 'Message payload is too short'", () => {
		for (const length of [0, 4, 7]) {
			expect(thrown(() => decodeAuthRequest(new Uint8Array(length)))).toEqual([
				3,
				"Message payload is too short",
			]);
		}
	});

	test("B2: types 2 and 0xFFFF → 20 'Authentication type not recognized.'", () => {
		for (const type of ["0002", "ffff"]) {
			expect(thrown(() => decodeAuthRequest(hex(`${type} 0000 0000 0000`)))).toEqual([
				ErrorCode.AUTH_TYPE_NOTSUP,
				"Authentication type not recognized.",
			]);
		}
	});

	test("B4: PWD lengths beyond the payload → 3; both 0; both 65535 (plen 131078)", () => {
		expect(thrown(() => decodeAuthRequest(hex("0001 0000 0005 0000 61626364")))).toEqual([
			3,
			"Message payload is too short",
		]);
		expect(thrown(() => decodeAuthRequest(hex("0001 0000 0002 0003 6162 6364")))).toEqual([
			3,
			"Message payload is too short",
		]);
		expect(decodeAuthRequest(hex("0001 0000 0000 0000"))).toEqual({
			type: "password",
			username: new Uint8Array(0),
			password: new Uint8Array(0),
		});
		const big = encodeAuthRequest({
			type: "password",
			username: new Uint8Array(65535).fill(0x75),
			password: new Uint8Array(65535),
		});
		expect(readHeader(big).payloadLength).toBe(131078);
		const decoded = decodeAuthRequest(big.subarray(8));
		expect(decoded.type === "password" && [decoded.username.length, decoded.password.length]).toEqual([
			65535, 65535,
		]);
	});

	test("NULL auth ignores slen1/slen2 and trailing bytes; B13 credentials keep NUL and non-UTF-8 bytes", () => {
		expect(decodeAuthRequest(hex("0000 0000 ffff ffff deadbeef"))).toEqual({ type: "null" });
		const raw = encodeAuthRequest({ type: "password", username: hex("61 00 ff"), password: "pässwörd" });
		expect(toHex(raw)).toBe(`0008000000000015000100000003000a6100ff${toHex(ascii("pässwörd"))}`);
		const decoded = decodeAuthRequest(raw.subarray(8));
		expect(decoded).toEqual({ type: "password", username: hex("6100ff"), password: ascii("pässwörd") });
	});

	test("credentials longer than 65535 bytes cannot be encoded", () => {
		expect(() => encodeAuthRequest({ type: "password", username: "u".repeat(65536), password: "" })).toThrow(
			RpcapError,
		);
	});
});

describe("AUTH_REPLY (§4.3)", () => {
	test("ours: 8 bytes, magic in this host's byte order, or the one asked for", () => {
		const magic = HOST_BYTE_ORDER === "little" ? "d4c3b2a1" : "a1b2c3d4";
		expect(toHex(encodeAuthReply())).toBe(`0088000000000008 0000 0000 ${magic}`.replace(/ /g, ""));
		expect(toHex(encodeAuthReply({ byteOrder: "big" }))).toBe("00880000000000080000" + "0000a1b2c3d4");
	});

	test("client parsing by plen: 0, 1, 2, 3–7, ≥ 8, bad magic", () => {
		expect(decodeAuthReply(new Uint8Array(0))).toEqual({ minVersion: 0, maxVersion: 0, byteOrder: null });
		expect(thrown(() => decodeAuthReply(hex("00")))).toEqual([
			3,
			"Authentication reply from server is too short",
		]);
		expect(decodeAuthReply(hex("0001"))).toEqual({ minVersion: 0, maxVersion: 1, byteOrder: null });
		for (const length of [3, 7]) {
			expect(thrown(() => decodeAuthReply(new Uint8Array(length)))).toEqual([
				3,
				"Message payload is too short",
			]);
		}
		expect(decodeAuthReply(hex("00 00 0000 a1b2c3d4 ffff"))).toEqual({
			minVersion: 0,
			maxVersion: 0,
			byteOrder: "big",
		});
		expect(thrown(() => decodeAuthReply(hex("00 00 0000 a1b2c3d5")))).toEqual([
			3,
			"The server did not send us a valid byte order value",
		]);
	});

	test("version negotiation (§2 rule 4)", () => {
		expect(negotiateVersion({ minVersion: 0, maxVersion: 3, byteOrder: null })).toBe(0);
		expect(() => negotiateVersion({ minVersion: 2, maxVersion: 1, byteOrder: null })).toThrow(
			"The server's minimum supported protocol version is greater than its maximum supported protocol version",
		);
		expect(() => negotiateVersion({ minVersion: 1, maxVersion: 2, byteOrder: null })).toThrow(
			"The server doesn't support any protocol version that we support",
		);
	});
});

describe("OPEN (§6.4 steps 1–4, bad-inputs D1–D4)", () => {
	test("exact texts, code 6", () => {
		const cases: [Uint8Array, string][] = [
			[new Uint8Array(0), "The source string must not be empty."],
			[new Uint8Array(1025).fill(0x61), "Source string too long"],
			[ascii("lo\0x"), "Source string contains a NUL byte"],
			[ascii("x://y"), "Source string refers to a remote device"],
			[ascii("rpcap://h/d"), "Source string refers to a remote device"],
			[ascii("rpcaps://h:2002/eth0"), "Source string refers to a remote device"],
			[ascii("file://x.pcap"), "Source string refers to a remote device"],
		];
		for (const [payload, text] of cases) expect(thrown(() => decodeOpenRequest(payload))).toEqual([6, text]);
		expect(decodeOpenRequest(new Uint8Array(1024).fill(0x61))).toHaveLength(1024);
		expect(decodeOpenRequest(ascii("eth0:1"))).toBe("eth0:1");
	});

	test("replies shorter than 8 bytes are rejected, longer ones accepted", () => {
		expect(thrown(() => decodeOpenReply(hex("00000001")))).toEqual([6, "Message payload is too short"]);
		expect(decodeOpenReply(hex("ffffffff 00000000 99"))).toEqual({ linktype: -1, tzoff: 0 });
		expect(thrown(() => decodeStartcapReply(hex("00040000")))).toEqual([12, "Message payload is too short"]);
		expect(thrown(() => decodeStatsReply(new Uint8Array(15)))).toEqual([8, "Message payload is too short"]);
	});
});

describe("SETSAMPLING and STATS", () => {
	test("H1: plen < 8 → 15 too short; H2: methods 3 and 255 → 15 'Unknown sampling method N'", () => {
		expect(thrown(() => decodeSetSamplingRequest(new Uint8Array(7)))).toEqual([
			15,
			"Message payload is too short",
		]);
		for (const method of [3, 255]) {
			const payload = encodeSetSamplingRequest({ method, value: 10 }).subarray(8);
			expect(thrown(() => decodeSetSamplingRequest(payload))).toEqual([
				15,
				`Unknown sampling method ${method}`,
			]);
		}
		expect(decodeSetSamplingRequest(hex("01 00 0000 00000000"))).toEqual({ method: 1, value: 0 });
	});

	test("STATS counters wrap modulo 2^32", () => {
		const message = encodeStatsReply({ ifRecv: 2 ** 32 + 5, ifDrop: 1, krnlDrop: 2, svrCapt: 2 ** 32 - 1 });
		expect(decodeStatsReply(message.subarray(8))).toEqual({
			ifRecv: 5,
			ifDrop: 1,
			krnlDrop: 2,
			svrCapt: 2 ** 32 - 1,
		});
	});
});

describe("PACKET (§11.3, bad-inputs K1, K3–K5)", () => {
	test("K1: caplen 65549 gets the true 32-bit plen 65569", () => {
		const message = encodePacket({
			timestampSec: 1,
			timestampUsec: 2,
			length: 65549,
			npkt: 1,
			data: new Uint8Array(65549),
		});
		expect(readHeader(message)).toEqual({ version: 0, type: 7, value: 0, payloadLength: 65569 });
		expect(decodePacket(message.subarray(8)).data).toHaveLength(65549);
	});

	test("K4: caplen 0 gives plen 20; K5: seconds modulo 2^32", () => {
		const message = encodePacket({
			timestampSec: 2 ** 32 + 7,
			timestampUsec: 999999,
			length: 60,
			npkt: 3,
			data: new Uint8Array(0),
		});
		expect(toHex(message)).toBe("0007000000000014" + "00000007000f423f000000000000003c00000003");
	});

	test("writePacketHeader writes the 28 bytes in place", () => {
		const buffer = new Uint8Array(40).fill(0xee);
		writePacketHeader(new DataView(buffer.buffer), 4, 3, 70, 0x6560a3b1, 5, 9);
		expect(toHex(buffer.subarray(4, 4 + PACKET_MESSAGE_OVERHEAD))).toBe(
			"0007000000000017" + "6560a3b1000000050000000300000046" + "00000009",
		);
		expect(buffer[3]).toBe(0xee);
		expect(buffer[32]).toBe(0xee);
	});

	test("K3: caplen above plen − 20 or a payload under 20 bytes is malformed; extra bytes are ignored", () => {
		const header = (caplen: number) =>
			hex(`00000001 00000002 ${caplen.toString(16).padStart(8, "0")} 00000040 00000001`);
		expect(thrown(() => decodePacket(concatBytes(header(5), hex("01020304"))))).toEqual([
			16,
			"Packet caplen 5 exceeds the 4 bytes in the message",
		]);
		expect(thrown(() => decodePacket(new Uint8Array(19)))).toEqual([16, "Message payload is too short"]);
		expect(decodePacket(concatBytes(header(2), hex("0102 0304"))).data).toEqual(hex("0102"));
	});
});
