// Header codec, message-type and error-code tables, error texts and IP address text conversion.

import { describe, expect, test } from "bun:test";
import {
	decodeErrorMessage,
	ErrorCode,
	encodeErrorMessage,
	encodeHeader,
	errorCodeName,
	formatIpv6,
	isClientRequestType,
	isKnownMessageType,
	isServerToClientType,
	MessageType,
	messageTypeName,
	parseIpv4,
	parseIpv6,
	readHeader,
	requestErrorCode,
	truncateErrorText,
	truncateUtf8,
} from "../../../src/protocol/index.ts";
import { concatBytes } from "../../support/bytes.ts";
import { hex, toHex } from "./hex.ts";

describe("message types", () => {
	test("names match rpcap_msg_type_string() and are used in the §15 texts", () => {
		expect(
			`${messageTypeName(MessageType.FINDALLIF_REQ)} request sent before authentication was completed`,
		).toBe("RPCAP_MSG_FINDALLIF_REQ request sent before authentication was completed");
		expect(messageTypeName(0x8b)).toBe("RPCAP_MSG_SETSAMPLING_REPLY");
		expect(messageTypeName(0x07)).toBe("RPCAP_MSG_PACKET");
		for (const unknown of [0x00, 0x0c, 0x6e, 0x81, 0x86, 0x87, 0xff]) {
			expect(messageTypeName(unknown)).toBeUndefined();
			expect(isKnownMessageType(unknown)).toBe(false);
		}
		expect(MessageType.UDPSTR_PACKET).toBe(110);
	});

	test("client request and server-to-client classification (§15)", () => {
		const all = Array.from({ length: 256 }, (_, t) => t);
		expect(all.filter(isClientRequestType)).toEqual([0x02, 0x03, 0x04, 0x05, 0x09, 0x0a, 0x0b]);
		expect(all.filter(isServerToClientType)).toEqual([0x07, 0x82, 0x83, 0x84, 0x85, 0x88, 0x89, 0x8a, 0x8b]);
		expect(all.filter(isKnownMessageType)).toHaveLength(19);
	});

	test("per-request error code for 'Message payload is too large' (§16)", () => {
		const codes = [0x08, 0x02, 0x03, 0x05, 0x09, 0x04, 0x0a, 0x0b, 0x06, 0x01, 0x6e, 0x00].map(
			requestErrorCode,
		);
		expect(codes).toEqual([3, 4, 6, 7, 8, 12, 13, 15, 16, 16, 16, 16]);
	});

	test("error-code names", () => {
		expect(errorCodeName(ErrorCode.NETW)).toBe("PCAP_ERR_NETW");
		expect(errorCodeName(ErrorCode.AUTH_TYPE_NOTSUP)).toBe("PCAP_ERR_AUTH_TYPE_NOTSUP");
		expect(errorCodeName(20)).toBe("PCAP_ERR_AUTH_TYPE_NOTSUP");
		expect(Object.values(ErrorCode) as number[]).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
		expect(errorCodeName(0)).toBeUndefined();
		expect(errorCodeName(21)).toBeUndefined();
	});
});

describe("header", () => {
	test("encode/read round trip with big-endian value and plen", () => {
		const header = { version: 0, type: 0x82, value: 0xabcd, payloadLength: 0xfedcba98 };
		const bytes = encodeHeader(header);
		expect(toHex(bytes)).toBe("0082abcdfedcba98");
		expect(readHeader(bytes)).toEqual(header);
		expect(readHeader(concatBytes(hex("ffff"), bytes), 2)).toEqual(header);
	});
});

describe("ERROR messages (§3)", () => {
	test("texts longer than 255 bytes are cut on a character boundary", () => {
		const text = `${"a".repeat(254)}€tail`;
		const message = encodeErrorMessage(ErrorCode.OPEN, text);
		expect(readHeader(message)).toEqual({ version: 0, type: 1, value: 6, payloadLength: 254 });
		expect(decodeErrorMessage(message.subarray(8))).toBe("a".repeat(254));
		expect(truncateErrorText(text)).toBe("a".repeat(254));
		expect(new TextEncoder().encode(truncateErrorText("€".repeat(100))).length).toBe(255);
		expect(truncateUtf8("😀😀", 7)).toEqual(new TextEncoder().encode("😀"));
	});

	test("an empty text is replaced, a version is echoed, received texts stop at NUL and 255 bytes", () => {
		const empty = encodeErrorMessage(ErrorCode.WRONGMSG, "");
		expect(decodeErrorMessage(empty.subarray(8))).toBe("Error 16 (PCAP_ERR_WRONGMSG)");
		const wrongVersion = encodeErrorMessage(
			ErrorCode.WRONGVER,
			"RPCAP version in requests in the authentication phase must be 0",
			255,
		);
		expect(readHeader(wrongVersion).version).toBe(255);
		expect(decodeErrorMessage(hex("41420043"))).toBe("AB");
		expect(decodeErrorMessage(new Uint8Array(300).fill(0x41))).toBe("A".repeat(255));
		expect(decodeErrorMessage(new Uint8Array(0))).toBe("");
		expect(decodeErrorMessage(hex("ff41"))).toBe("\ufffdA");
	});
});

describe("IP address text", () => {
	test("IPv4 parse and reject", () => {
		expect(parseIpv4("10.0.0.1")).toEqual(hex("0a000001"));
		for (const bad of ["10.0.0", "10.0.0.256", "1.2.3.4.5", "01.2.3.4", "a.b.c.d", "", "1..2.3"]) {
			expect(parseIpv4(bad)).toBeNull();
		}
	});

	test("IPv6 parse of every textual form, RFC 5952 output", () => {
		const cases: [string, string][] = [
			["::", "::"],
			["::1", "::1"],
			["fe80::1", "fe80::1"],
			["FE80:0:0:0:0:0:0:1", "fe80::1"],
			["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
			["2001:0db8:0000:0001:0001:0001:0001:0001", "2001:db8:0:1:1:1:1:1"],
			["::ffff:10.0.0.1", "::ffff:10.0.0.1"],
			["::ffff:a00:1", "::ffff:10.0.0.1"],
			["64:ff9b::192.0.2.33", "64:ff9b::c000:221"],
			["1:2:3:4:5:6:7.8.9.10", "1:2:3:4:5:6:708:90a"],
			["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
			["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"],
		];
		for (const [input, output] of cases) {
			const bytes = parseIpv6(input);
			expect([input, bytes === null ? null : formatIpv6(bytes)]).toEqual([input, output]);
		}
		for (const bad of [
			"",
			":",
			":::",
			"1::2::3",
			"12345::",
			"1:2:3:4:5:6:7:8:9",
			"1:2:3:4:5:6:7",
			"fe80::1%eth0",
			"::1.2.3",
			"g::",
		]) {
			expect([bad, parseIpv6(bad)]).toEqual([bad, null]);
		}
	});
});
