import { afterAll, describe, expect, test } from "bun:test";
import {
	dltToLinktype,
	encodeEnhancedPacketBlock,
	encodeInterfaceDescriptionBlock,
	encodeSectionHeaderBlock,
	LINKTYPE_ETHERNET,
	LINKTYPE_RAW,
	PcapngWriter,
	UnknownInterfaceError,
	writeEnhancedPacketBlock,
} from "../../../src/formats/index.ts";
import { concatBytes } from "../../support/bytes.ts";
import {
	capinfosInterfaceCount,
	capinfosPacketCount,
	epochText,
	removeTempCaptures,
	run,
	tsharkFields,
	writeTempCapture,
} from "./capture-tools.ts";
import { samplePackets } from "./sample-packets.ts";

afterAll(removeTempCaptures);

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const ascii = (text: string) => Buffer.from(text, "latin1").toString("hex");

describe("pcapng block encoders", () => {
	test("SHB: byte-order magic, version 1.0, unknown section length, shb_userappl rpcapd", () => {
		const block = encodeSectionHeaderBlock();
		expect(hex(block)).toBe(
			"0a0d0d0a" +
				"2c000000" +
				"4d3c2b1a" +
				"0100" +
				"0000" +
				"ffffffffffffffff" +
				`04000600${ascii("rpcapd")}0000` +
				"00000000" +
				"2c000000",
		);
		const big = encodeSectionHeaderBlock({ byteOrder: "big", userAppl: "x", os: "Linux", hardware: "hw" });
		expect(hex(big.subarray(0, 12))).toBe(`0a0d0d0a${hex(big.subarray(big.length - 4))}1a2b3c4d`);
		expect(hex(big.subarray(24, 52))).toBe(
			`00020002${ascii("hw")}0000` + `00030005${ascii("Linux")}000000` + `00040001${ascii("x")}000000`,
		);
	});

	test("IDB: linktype, snaplen, if_name, if_description, if_tsresol 6, if_filter, end of options", () => {
		const block = encodeInterfaceDescriptionBlock({
			linktype: LINKTYPE_RAW,
			name: "s1/eth0",
			description: "d",
			filter: "tcp",
			snaplen: 1500,
		});
		expect(hex(block)).toBe(
			"01000000" +
				"3c000000" +
				"6500" +
				"0000" +
				"dc050000" +
				`02000700${ascii("s1/eth0")}00` +
				`03000100${ascii("d")}000000` +
				"0900010006000000" +
				`0b000400${"00"}${ascii("tcp")}` +
				"00000000" +
				"3c000000",
		);
	});

	test("EPB: timestamp in microseconds as two 32-bit halves, data padded with zeros to 32 bits", () => {
		for (let caplen = 0; caplen <= 8; caplen++) {
			const data = new Uint8Array(caplen).fill(0xab);
			const block = encodeEnhancedPacketBlock(3, 0xffffffff, 999_999, 2000, data);
			const total = 32 + Math.ceil(caplen / 4) * 4;
			expect(block.length).toBe(total);
			const view = new DataView(block.buffer);
			expect(view.getUint32(0, true)).toBe(6);
			expect(view.getUint32(4, true)).toBe(total);
			expect(view.getUint32(8, true)).toBe(3);
			const units = BigInt(view.getUint32(12, true)) * 2n ** 32n + BigInt(view.getUint32(16, true));
			expect(units).toBe(0xffffffffn * 1_000_000n + 999_999n);
			expect(view.getUint32(20, true)).toBe(caplen);
			expect(view.getUint32(24, true)).toBe(2000);
			expect([...block.subarray(28 + caplen, total - 4)].every((b) => b === 0)).toBe(true);
			expect(view.getUint32(total - 4, true)).toBe(total);
		}
	});

	test("writeEnhancedPacketBlock zeroes the padding of a reused buffer", () => {
		const target = new Uint8Array(40).fill(0xff);
		const end = writeEnhancedPacketBlock(target, 4, 0, 1, 2, 1, Uint8Array.of(7), false);
		expect(end).toBe(40);
		expect(hex(target.subarray(4, 40))).toBe(
			"00000006" +
				"00000024" +
				"00000000" +
				"00000000" +
				"000f4242" +
				"00000001" +
				"00000001" +
				"07000000" +
				"00000024",
		);
	});
});

describe("PcapngWriter", () => {
	test("emits SHB, then each IDB when it is added, then EPBs, in chunks", () => {
		const writer = new PcapngWriter({ chunkSize: 128 });
		const eth = writer.addInterface({ linktype: 1, name: "a/eth0" });
		writer.writePacket(eth, 5, 6, 3, Uint8Array.of(1, 2, 3));
		const raw = writer.addInterface({ linktype: 101, name: "b/tun0", snaplen: 100 });
		writer.writePacket(raw, 7, 8, 1, Uint8Array.of(4));
		expect([eth, raw]).toEqual([0, 1]);
		expect(writer.interfaces.map((i) => i.name)).toEqual(["a/eth0", "b/tun0"]);
		const expected = concatBytes(
			encodeSectionHeaderBlock(),
			encodeInterfaceDescriptionBlock({ linktype: 1, name: "a/eth0" }),
			encodeEnhancedPacketBlock(0, 5, 6, 3, Uint8Array.of(1, 2, 3)),
			encodeInterfaceDescriptionBlock({ linktype: 101, name: "b/tun0", snaplen: 100 }),
			encodeEnhancedPacketBlock(1, 7, 8, 1, Uint8Array.of(4)),
		);
		expect(writer.bytesWritten).toBe(expected.length);
		const chunks = writer.takeChunks();
		expect(chunks.length).toBeGreaterThan(1);
		expect(hex(concatBytes(...chunks))).toBe(hex(expected));
		expect(writer.packetCount).toBe(2);
	});

	test("refuses a packet for an interface that was never added", () => {
		const writer = new PcapngWriter();
		expect(() => writer.writePacket(0, 1, 2, 3, new Uint8Array(3))).toThrow(UnknownInterfaceError);
		writer.addInterface({ linktype: 1, name: "x" });
		expect(() => writer.writePacket(1, 1, 2, 3, new Uint8Array(3))).toThrow(UnknownInterfaceError);
		expect(() => writer.writePacket(-1, 1, 2, 3, new Uint8Array(3))).toThrow(UnknownInterfaceError);
		expect(writer.packetCount).toBe(0);
	});

	for (const byteOrder of ["little", "big"] as const) {
		test(`tshark attributes each frame to the right one of two interfaces (EN10MB, RAW), ${byteOrder}-endian`, () => {
			const writer = new PcapngWriter({ byteOrder, chunkSize: 2048 });
			const names = ["sensor-a.example/eth0", "sensor-b.example/tun0"];
			const packets = samplePackets(150, 2);
			const ids: number[] = [];
			ids.push(
				writer.addInterface({ linktype: LINKTYPE_ETHERNET, name: names[0]!, description: "first sensor" }),
			);
			packets.forEach((p, index) => {
				// The second interface appears only after packets of the first were written.
				if (index === 10) ids.push(writer.addInterface({ linktype: dltToLinktype(12), name: names[1]! }));
				const interfaceIndex = index < 10 ? 0 : p.interfaceIndex;
				writer.writePacket(ids[interfaceIndex]!, p.tsSec, p.tsUsec, p.len, p.data);
			});
			const path = writeTempCapture(writer.takeChunks(), "pcapng");
			expect(capinfosPacketCount(path)).toBe(150);
			expect(capinfosInterfaceCount(path)).toBe(2);
			expect(run(["capinfos", "-k", path])).toContain("rpcapd");
			const rows = tsharkFields(path, [
				"frame.interface_id",
				"frame.interface_name",
				"frame.encap_type",
				"frame.len",
				"frame.cap_len",
				"frame.time_epoch",
			]);
			expect(rows).toEqual(
				packets.map((p, index) => {
					const interfaceIndex = index < 10 ? 0 : p.interfaceIndex;
					return [
						String(interfaceIndex),
						names[interfaceIndex]!,
						interfaceIndex === 0 ? "1" : "7",
						String(p.len),
						String(p.data.length),
						epochText(p.tsSec, p.tsUsec * 1000),
					];
				}),
			);
			const description = tsharkFields(path, ["frame.interface_description"])[0];
			expect(description).toEqual(["first sensor"]);
		});
	}

	test("the largest 32-bit timestamp survives the 64-bit microsecond encoding", () => {
		const writer = new PcapngWriter();
		const id = writer.addInterface({ linktype: 1, name: "eth0" });
		writer.writePacket(id, 0xffffffff, 999_999, 60, new Uint8Array(60));
		writer.writePacket(id, 0, 0, 60, new Uint8Array(60));
		const path = writeTempCapture(writer.takeChunks(), "pcapng");
		expect(tsharkFields(path, ["frame.time_epoch"])).toEqual([["4294967295.999999000"], ["0.000000000"]]);
	});
});
