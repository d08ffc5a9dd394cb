// FINDALLIF_REPLY encoding rules of §5.4 (bad-inputs C2, C3, C7) and rpcap_sockaddr families (§5.2).

import { describe, expect, test } from "bun:test";
import {
	decodeFindAllIfReply,
	ErrorCode,
	encodeFindAllIfReply,
	encodeSockaddr,
	type InterfaceAddress,
	LEGACY_REPLY_LIMIT,
	MalformedMessageError,
	type RemoteInterface,
	RpcapError,
	readHeader,
	readSockaddr,
} from "../../../src/protocol/index.ts";
import { concatBytes } from "../../support/bytes.ts";
import { hex, toHex } from "./hex.ts";

const ipv4Entry = (i: number): InterfaceAddress => ({
	addr: { family: "ipv4", address: `10.0.${i >> 8}.${i & 0xff}` },
	netmask: { family: "ipv4", address: "255.255.0.0" },
	broadaddr: { family: "ipv4", address: "10.0.255.255" },
	dstaddr: null,
});

function roundTrip(interfaces: RemoteInterface[]): {
	decoded: RemoteInterface[];
	plen: number;
	count: number;
} {
	const { message } = encodeFindAllIfReply(interfaces);
	const header = readHeader(message);
	expect(header.payloadLength).toBe(message.length - 8);
	return {
		decoded: decodeFindAllIfReply(message.subarray(8), header.value),
		plen: header.payloadLength,
		count: header.value,
	};
}

describe("FINDALLIF_REPLY encoding", () => {
	test("C2: 200 addresses in total (> 64000 bytes) are all sent", () => {
		const interfaces: RemoteInterface[] = Array.from({ length: 4 }, (_, n) => ({
			name: `eth${n}`,
			description: `Adapter ${n}`,
			flags: 0x16,
			addresses: Array.from({ length: 50 }, (_, i) => ipv4Entry(n * 50 + i)),
		}));
		const { decoded, plen, count } = roundTrip(interfaces);
		expect(plen).toBeGreaterThan(LEGACY_REPLY_LIMIT);
		expect(plen).toBe(4 * (12 + 4 + 9) + 200 * 512);
		expect(count).toBe(4);
		expect(decoded).toEqual(interfaces);
	});

	test("C3: a 2000-byte name is skipped and reported; a 2000-byte description is cut to 1024 bytes", () => {
		const longName = "n".repeat(2000);
		const result = encodeFindAllIfReply([
			{ name: longName, description: "", flags: 0, addresses: [] },
			{ name: "eth0", description: "d".repeat(2000), flags: 0x6, addresses: [] },
			{ name: "n".repeat(1024), description: "", flags: 0, addresses: [] },
		]);
		expect(result.skippedNames).toEqual([longName]);
		expect(result.truncatedDescriptions).toEqual(["eth0"]);
		expect(result.interfaceCount).toBe(2);
		const decoded = decodeFindAllIfReply(result.message.subarray(8), readHeader(result.message).value);
		expect(decoded.map((i) => [i.name.length, i.description.length])).toEqual([
			[4, 1024],
			[1024, 0],
		]);
	});

	test("descriptions are cut on a UTF-8 character boundary", () => {
		const result = encodeFindAllIfReply([
			{ name: "eth0", description: `${"d".repeat(1023)}é`, flags: 0, addresses: [] },
		]);
		const [decoded] = decodeFindAllIfReply(result.message.subarray(8), 1);
		expect(decoded!.description).toBe("d".repeat(1023));
		expect(result.truncatedDescriptions).toEqual(["eth0"]);
	});

	test("C7: IPv6 link-local with scope id: family 23, port and flowinfo 0, scope id BE; non-IP entries skipped", () => {
		const { message } = encodeFindAllIfReply([
			{
				name: "lo",
				description: "",
				flags: 0x37,
				addresses: [
					{ addr: null, netmask: null, broadaddr: null, dstaddr: null },
					{
						addr: { family: "ipv6", address: "fe80::1", scopeId: 4 },
						netmask: { family: "ipv6", address: "ffff:ffff:ffff:ffff::", scopeId: 0 },
						broadaddr: null,
						dstaddr: null,
					},
				],
			},
		]);
		const payload = message.subarray(8);
		expect(toHex(payload.subarray(0, 14))).toBe("0002000000000037000100006c6f");
		const addr = payload.subarray(14, 14 + 128);
		expect(toHex(addr.subarray(0, 28))).toBe(
			`0017 0000 00000000 fe800000000000000000000000000001 00000004`.replace(/ /g, ""),
		);
		expect(addr.subarray(28).every((b) => b === 0)).toBe(true);
		const netmask = payload.subarray(142, 142 + 128);
		expect(toHex(netmask.subarray(0, 28))).toBe("0017000000000000ffffffffffffffff000000000000000000000000");
		expect(payload.subarray(270).every((b) => b === 0)).toBe(true);
		expect(payload.length).toBe(14 + 512);
	});

	test("IPv4 record layout: family 2, port 0, address at offset 4, rest zero", () => {
		const bytes = encodeSockaddr({ family: "ipv4", address: "198.51.100.20" });
		expect(toHex(bytes.subarray(0, 16))).toBe("00020000c633641400000000" + "00000000");
		expect(bytes.subarray(8).every((b) => b === 0)).toBe(true);
		expect(encodeSockaddr(null).every((b) => b === 0)).toBe(true);
	});

	test("more than 65535 interfaces or addresses, and invalid address texts, are RpcapError code 4", () => {
		const many = Array.from({ length: 65536 }, (_, i) => ({
			name: `i${i}`,
			description: "",
			flags: 0,
			addresses: [],
		}));
		expect(() => encodeFindAllIfReply(many)).toThrow(
			new RpcapError(ErrorCode.FINDALLIF, "Number of interfaces exceeds 65535: 65536"),
		);
		expect(encodeFindAllIfReply(many.slice(1)).interfaceCount).toBe(65535);
		const addresses = Array.from({ length: 65536 }, () => ipv4Entry(1));
		expect(() => encodeFindAllIfReply([{ name: "eth0", description: "", flags: 0, addresses }])).toThrow(
			"has more than 65535 addresses",
		);
		const bad = {
			name: "eth0",
			description: "",
			flags: 0,
			addresses: [{ ...ipv4Entry(1), netmask: { family: "ipv4" as const, address: "1.2.3" } }],
		};
		expect(() => encodeFindAllIfReply([bad])).toThrow(RpcapError);
	});

	test("no interfaces: count 0, empty payload", () => {
		expect(toHex(encodeFindAllIfReply([]).message)).toBe("0082000000000000");
	});
});

describe("FINDALLIF_REPLY decoding (collector side)", () => {
	const record = (family: string, body: string) => {
		const bytes = new Uint8Array(128);
		bytes.set(hex(family + body));
		return bytes;
	};

	test("every family libpcap's client accepts decodes; others (AF_PACKET 0x11, 0) become null", () => {
		const view = (bytes: Uint8Array) => new DataView(bytes.buffer);
		for (const family of ["0002", "1002", "1000"]) {
			expect(readSockaddr(view(record(family, "0000 0a000001")), 0)).toEqual({
				family: "ipv4",
				address: "10.0.0.1",
			});
		}
		for (const family of ["0017", "1c18", "1c1c", "1c1e", "1c00", "000a", "0016", "0018", "001a"]) {
			const bytes = record(family, "0000 00000000 fe800000000000000000000000000002 00000003");
			expect(readSockaddr(view(bytes), 0)).toEqual({ family: "ipv6", address: "fe80::2", scopeId: 3 });
		}
		for (const family of ["0000", "0011", "0003", "ffff"])
			expect(readSockaddr(view(record(family, "")), 0)).toBeNull();
	});

	test("entries whose four addresses are all unusable are dropped (fork AF_PACKET entries)", () => {
		const afPacket = record("0011", "0000 04000000 0100 00 06 02fc00000001");
		const payload = concatBytes(
			hex("0004 0000 00000012 0002 0000 65746830"),
			afPacket,
			new Uint8Array(384),
			record("000a", "0000 00000000 fe800000000000000000000000000009 00000002"),
			new Uint8Array(384),
		);
		expect(decodeFindAllIfReply(payload, 1)).toEqual([
			{
				name: "eth0",
				description: "",
				flags: 0x12,
				addresses: [
					{
						addr: { family: "ipv6", address: "fe80::9", scopeId: 2 },
						netmask: null,
						broadaddr: null,
						dstaddr: null,
					},
				],
			},
		]);
	});

	test("truncated records throw MalformedMessageError 'Message payload is too short'; trailing bytes are ignored", () => {
		const { message } = encodeFindAllIfReply([
			{ name: "eth0", description: "x", flags: 1, addresses: [ipv4Entry(3)] },
		]);
		const payload = message.subarray(8);
		for (const cut of [0, 5, 12, 16, 17, 100, payload.length - 1]) {
			expect(() => decodeFindAllIfReply(payload.subarray(0, cut), 1)).toThrow(
				new MalformedMessageError(ErrorCode.FINDALLIF, "Message payload is too short"),
			);
		}
		expect(decodeFindAllIfReply(concatBytes(payload, hex("ffff")), 1)).toHaveLength(1);
		expect(decodeFindAllIfReply(payload, 0)).toEqual([]);
	});
});
