import { afterAll, describe, expect, test } from "bun:test";
import {
	dltToLinktype,
	encodePcapFileHeader,
	encodePcapRecord,
	LINKTYPE_ETHERNET,
	PcapWriter,
	writePcapRecord,
} from "../../../src/formats/index.ts";
import { concatBytes } from "../../support/bytes.ts";
import {
	capinfosPacketCount,
	epochText,
	removeTempCaptures,
	tsharkFields,
	writeTempCapture,
} from "./capture-tools.ts";
import { samplePackets } from "./sample-packets.ts";

afterAll(removeTempCaptures);

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("pcap encoders", () => {
	test("file header is microsecond magic, version 2.4, zone 0, sigfigs 0, little-endian by default", () => {
		expect(hex(encodePcapFileHeader({ linktype: 1, snaplen: 65535 }))).toBe(
			"d4c3b2a1" + "0200" + "0400" + "00000000" + "00000000" + "ffff0000" + "01000000",
		);
	});

	test("file header in big-endian with the default snaplen", () => {
		expect(hex(encodePcapFileHeader({ linktype: 101, byteOrder: "big" }))).toBe(
			"a1b2c3d4" + "0002" + "0004" + "00000000" + "00000000" + "00040000" + "00000065",
		);
	});

	test("record is ts_sec, ts_usec, caplen = data length, len, data", () => {
		const record = encodePcapRecord(0x01020304, 999_999, 1514, Uint8Array.of(0xaa, 0xbb, 0xcc));
		expect(hex(record)).toBe("04030201" + "3f420f00" + "03000000" + "ea050000" + "aabbcc");
		const big = encodePcapRecord(1, 2, 3, Uint8Array.of(9), "big");
		expect(hex(big)).toBe("00000001" + "00000002" + "00000001" + "00000003" + "09");
	});

	test("writePcapRecord appends into a caller's buffer and returns the next offset", () => {
		const target = new Uint8Array(64).fill(0xee);
		let at = writePcapRecord(target, 0, 1, 2, 5, Uint8Array.of(1, 2, 3), true);
		expect(at).toBe(19);
		at = writePcapRecord(target, at, 3, 4, 1, Uint8Array.of(7), true);
		expect(at).toBe(36);
		expect(hex(target.subarray(19, 36))).toBe("03000000" + "04000000" + "01000000" + "01000000" + "07");
		expect(target[36]).toBe(0xee);
	});
});

describe("PcapWriter", () => {
	test("produces the header then every record, split into bounded chunks", () => {
		const packets = samplePackets(300);
		const writer = new PcapWriter({ linktype: LINKTYPE_ETHERNET, chunkSize: 4096 });
		const expected = [encodePcapFileHeader({ linktype: LINKTYPE_ETHERNET })];
		for (const p of packets) {
			writer.writePacket(p.tsSec, p.tsUsec, p.len, p.data);
			expected.push(encodePcapRecord(p.tsSec, p.tsUsec, p.len, p.data));
		}
		const chunks = writer.takeChunks();
		for (const chunk of chunks) expect(chunk.length <= 4096 || chunk.length === 16 + 9000).toBe(true);
		expect(chunks.length).toBeGreaterThan(10);
		expect(hex(concatBytes(...chunks))).toBe(hex(concatBytes(...expected)));
		expect(writer.packetCount).toBe(300);
		expect(writer.bytesWritten).toBe(concatBytes(...expected).length);
		expect(writer.pendingBytes).toBe(0);
		expect(writer.takeChunks()).toEqual([]);
	});

	test("takeChunks hands over only new bytes and never rewrites what it handed out", () => {
		const writer = new PcapWriter({ linktype: 1 });
		expect(writer.pendingBytes).toBe(24);
		const first = writer.takeChunks();
		const firstCopy = hex(concatBytes(...first));
		const data = Uint8Array.of(1, 2, 3, 4);
		writer.writePacket(10, 20, 4, data);
		data.fill(0); // the writer copied the bytes
		expect(writer.pendingBytes).toBe(20);
		const second = writer.takeChunks();
		writer.writePacket(11, 21, 1, Uint8Array.of(5));
		writer.takeChunks();
		expect(hex(concatBytes(...first))).toBe(firstCopy);
		expect(hex(concatBytes(...second))).toBe(hex(encodePcapRecord(10, 20, 4, Uint8Array.of(1, 2, 3, 4))));
		expect(writer.bytesWritten).toBe(24 + 20 + 17);
	});

	for (const byteOrder of ["little", "big"] as const) {
		test(`tshark and capinfos read every frame of a ${byteOrder}-endian file`, () => {
			const packets = samplePackets(200);
			const writer = new PcapWriter({ linktype: LINKTYPE_ETHERNET, byteOrder, chunkSize: 1000 });
			for (const p of packets) writer.writePacket(p.tsSec, p.tsUsec, p.len, p.data);
			const path = writeTempCapture(writer.takeChunks(), "pcap");
			expect(capinfosPacketCount(path)).toBe(200);
			const rows = tsharkFields(path, ["frame.len", "frame.cap_len", "frame.time_epoch", "frame.encap_type"]);
			expect(rows).toEqual(
				packets.map((p) => [String(p.len), String(p.data.length), epochText(p.tsSec, p.tsUsec * 1000), "1"]),
			);
		});
	}

	test("a raw-IP device (DLT_RAW 12) is written as LINKTYPE_RAW and decoded by tshark as IPv4", () => {
		const ipv4 = Uint8Array.from(
			Buffer.from("4500001c000100004011f97d0a0000010a000002003500350008d7e2", "hex"),
		);
		const writer = new PcapWriter({ linktype: dltToLinktype(12), snaplen: 65535 });
		writer.writePacket(0xffffffff, 999_999, ipv4.length, ipv4);
		const path = writeTempCapture(writer.takeChunks(), "pcap");
		const rows = tsharkFields(path, ["frame.encap_type", "ip.src", "udp.dstport", "frame.time_epoch"]);
		expect(rows).toEqual([["7", "10.0.0.1", "53", "4294967295.999999000"]]);
	});
});
