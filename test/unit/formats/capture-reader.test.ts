import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
	CaptureFormatError,
	type CaptureFormatErrorCode,
	CaptureReader,
	type CaptureRecord,
	PcapngWriter,
	PcapWriter,
	readCapture,
} from "../../../src/formats/index.ts";
import { concatBytes } from "../../support/bytes.ts";
import {
	block,
	enhancedPacket,
	interfaceDescription,
	obsoletePacket,
	sectionHeader,
	simplePacket,
} from "./pcapng-craft.ts";
import { packetArbitrary, type SamplePacket, samplePackets } from "./sample-packets.ts";

function pcapFile(packets: readonly SamplePacket[], byteOrder: "little" | "big" = "little"): Uint8Array {
	const writer = new PcapWriter({ linktype: 1, byteOrder, snaplen: 65535 });
	for (const p of packets) writer.writePacket(p.tsSec, p.tsUsec, p.len, p.data);
	return concatBytes(...writer.takeChunks());
}

function pcapngFile(
	packets: readonly SamplePacket[],
	linktypes: readonly number[],
	byteOrder: "little" | "big" = "little",
) {
	const writer = new PcapngWriter({ byteOrder });
	for (const [i, linktype] of linktypes.entries())
		writer.addInterface({ linktype, name: `sensor${i}/eth${i}` });
	for (const p of packets) writer.writePacket(p.interfaceIndex, p.tsSec, p.tsUsec, p.len, p.data);
	return concatBytes(...writer.takeChunks());
}

function expected(p: SamplePacket, linktypes: readonly number[] = [1]): CaptureRecord {
	return {
		interfaceId: p.interfaceIndex,
		linktype: linktypes[p.interfaceIndex]!,
		tsSec: p.tsSec,
		tsUsec: p.tsUsec,
		tsNsec: p.tsUsec * 1000,
		caplen: p.data.length,
		len: p.len,
		data: p.data,
	};
}

/** Feeds `bytes` cut at `cuts` and collects every record, calling next() after each chunk. */
function readInChunks(bytes: Uint8Array, cuts: readonly number[]): CaptureRecord[] {
	const reader = new CaptureReader();
	const records: CaptureRecord[] = [];
	let from = 0;
	for (const cut of [...cuts].sort((a, b) => a - b).concat(bytes.length)) {
		reader.push(bytes.slice(from, Math.max(from, cut)));
		from = Math.max(from, cut);
		for (let r = reader.next(); r !== undefined; r = reader.next()) records.push(r);
	}
	reader.end();
	expect(reader.next()).toBeUndefined();
	return records;
}

/** Offsets where a file may end cleanly: after the pcap header and each record, or after each pcapng block. */
function unitBoundaries(bytes: Uint8Array): Set<number> {
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const pcapng = view.getUint32(0) === 0x0a0d0d0a;
	const boundaries = new Set<number>();
	let at = pcapng ? 0 : 24;
	boundaries.add(at === 0 ? -1 : at);
	while (at < bytes.length) {
		at += pcapng ? view.getUint32(at + 4, true) : 16 + view.getUint32(at + 8, true);
		boundaries.add(at);
	}
	return boundaries;
}

function expectError(run: () => unknown, code: CaptureFormatErrorCode, offset: number): CaptureFormatError {
	try {
		run();
	} catch (error) {
		expect(error).toBeInstanceOf(CaptureFormatError);
		const formatError = error as CaptureFormatError;
		expect({ code: formatError.code, offset: formatError.offset }).toEqual({ code, offset });
		return formatError;
	}
	throw new Error(`expected a CaptureFormatError ${code}`);
}

describe("pcap reading", () => {
	for (const byteOrder of ["little", "big"] as const) {
		test(`round trip of a ${byteOrder}-endian file from PcapWriter`, () => {
			const packets = samplePackets(40);
			const file = readCapture(pcapFile(packets, byteOrder));
			expect(file.format).toBe("pcap");
			expect(file.byteOrder).toBe(byteOrder);
			expect(file.interfaces).toEqual([{ id: 0, section: 0, linktype: 1, snaplen: 65535, tsresol: 6 }]);
			expect(file.truncated).toBeUndefined();
			expect(file.records).toEqual(packets.map((p) => expected(p)));
		});
	}

	test("nanosecond magic in both byte orders keeps every nanosecond", () => {
		for (const [magic, byteOrder] of [
			[[0x4d, 0x3c, 0xb2, 0xa1], "little"],
			[[0xa1, 0xb2, 0x3c, 0x4d], "big"],
		] as const) {
			const bytes = pcapFile(
				[{ interfaceIndex: 0, tsSec: 7, tsUsec: 999_999_999, len: 1, data: Uint8Array.of(1) }],
				byteOrder,
			);
			bytes.set(magic, 0);
			const file = readCapture(bytes);
			expect(file.interfaces[0]?.tsresol).toBe(9);
			expect(file.records[0]).toMatchObject({ tsSec: 7, tsNsec: 999_999_999, tsUsec: 999_999 });
		}
	});

	test("the record data is a view into the input, not a copy", () => {
		const bytes = pcapFile(samplePackets(3));
		const record = readCapture(bytes).records[2]!;
		expect(record.data.buffer).toBe(bytes.buffer);
	});

	test("version 2.2 files store len before caplen (libpcap sf-pcap.c)", () => {
		const bytes = pcapFile([
			{ interfaceIndex: 0, tsSec: 1, tsUsec: 2, len: 3, data: Uint8Array.of(9, 9, 9) },
		]);
		const view = new DataView(bytes.buffer);
		view.setUint16(6, 2, true);
		view.setUint32(24 + 8, 100, true); // stored "caplen" slot holds len
		view.setUint32(24 + 12, 3, true);
		expect(readCapture(bytes).records[0]).toMatchObject({ caplen: 3, len: 100 });
	});

	test("the linktype field's FCS bits are masked off", () => {
		const bytes = pcapFile(samplePackets(1));
		new DataView(bytes.buffer).setUint32(20, 0x14000001, true);
		expect(readCapture(bytes).interfaces[0]?.linktype).toBe(1);
	});
});

describe("pcapng reading", () => {
	for (const byteOrder of ["little", "big"] as const) {
		test(`round trip of a ${byteOrder}-endian file from PcapngWriter with two interfaces`, () => {
			const packets = samplePackets(40, 2);
			const file = readCapture(pcapngFile(packets, [1, 101], byteOrder));
			expect(file.format).toBe("pcapng");
			expect(file.byteOrder).toBe(byteOrder);
			expect(file.interfaces.map((i) => [i.id, i.section, i.linktype, i.name, i.tsresol, i.snaplen])).toEqual(
				[
					[0, 0, 1, "sensor0/eth0", 6, 262144],
					[1, 0, 101, "sensor1/eth1", 6, 262144],
				],
			);
			expect(file.records).toEqual(packets.map((p) => expected(p, [1, 101])));
		});
	}

	test("sections in different byte orders: interface ids count across sections, linktypes follow them", () => {
		const first = pcapngFile(samplePackets(4, 2), [1, 101], "little");
		const second = concatBytes(
			sectionHeader(false),
			interfaceDescription({ linktype: 113, name: "cooked" }, false),
			enhancedPacket(0, 5_000_001n, 10, Uint8Array.of(1, 2), false),
		);
		const file = readCapture(concatBytes(first, second));
		expect(file.interfaces.map((i) => [i.id, i.section, i.linktype])).toEqual([
			[0, 0, 1],
			[1, 0, 101],
			[2, 1, 113],
		]);
		expect(file.byteOrder).toBe("big");
		expect(file.records.map((r) => r.interfaceId)).toEqual([0, 1, 0, 1, 2]);
		expect(file.records[4]).toMatchObject({ linktype: 113, tsSec: 5, tsUsec: 1, caplen: 2, len: 10 });
	});

	test("if_tsresol powers of ten and of two, and if_tsoffset", () => {
		const cases: { tsresol?: number; tsoffset?: bigint; timestamp: bigint; sec: number; nsec: number }[] = [
			{ timestamp: 1_700_000_000_123_456n, sec: 1_700_000_000, nsec: 123_456_000 },
			{ tsresol: 9, timestamp: 1_700_000_000_123_456_789n, sec: 1_700_000_000, nsec: 123_456_789 },
			{ tsresol: 3, timestamp: 1_700_000_000_123n, sec: 1_700_000_000, nsec: 123_000_000 },
			{ tsresol: 0, timestamp: 42n, sec: 42, nsec: 0 },
			{ tsresol: 12, timestamp: 1_700_000_000_123_456_789_012n % 2n ** 64n, sec: 0, nsec: 0 },
			{ tsresol: 0x80 | 20, timestamp: (100n << 20n) | 1n, sec: 100, nsec: 953 },
			{
				tsresol: 0x80 | 30,
				timestamp: (1_700_000_000n << 30n) | (1n << 29n),
				sec: 1_700_000_000,
				nsec: 500_000_000,
			},
			{ tsresol: 0x80 | 32, timestamp: 0xffffffff_ffffffffn, sec: 0xffffffff, nsec: 999_999_999 },
			{ tsresol: 6, tsoffset: 3600n, timestamp: 1_000_001n, sec: 3601, nsec: 1000 },
			{ tsresol: 6, tsoffset: -1n, timestamp: 5_000_000n, sec: 4, nsec: 0 },
		];
		// 10^-12 wraps in 64 bits: compute the expectation with BigInt.
		const pico = cases[4]!;
		pico.sec = Number(pico.timestamp / 10n ** 12n);
		pico.nsec = Number((pico.timestamp % 10n ** 12n) / 1000n);
		for (const little of [true, false]) {
			for (const c of cases) {
				const bytes = concatBytes(
					sectionHeader(little),
					interfaceDescription({ linktype: 1, tsresol: c.tsresol, tsoffset: c.tsoffset }, little),
					enhancedPacket(0, c.timestamp, 1, Uint8Array.of(0), little),
				);
				const record = readCapture(bytes).records[0];
				expect({ sec: record?.tsSec, nsec: record?.tsNsec, usec: record?.tsUsec }).toEqual({
					sec: c.sec,
					nsec: c.nsec,
					usec: Math.floor(c.nsec / 1000),
				});
			}
		}
	});

	test("Simple Packet Blocks use interface 0 and its snaplen; obsolete Packet Blocks are read", () => {
		const bytes = concatBytes(
			sectionHeader(true),
			interfaceDescription({ linktype: 1, snaplen: 4 }, true),
			interfaceDescription({ linktype: 101, snaplen: 0 }, true),
			simplePacket(60, Uint8Array.of(1, 2, 3, 4), true),
			simplePacket(3, Uint8Array.of(5, 6, 7, 0), true),
			obsoletePacket(1, 2_000_003n, 1500, Uint8Array.of(8, 9), true),
		);
		const records = readCapture(bytes).records;
		expect(records.map((r) => [r.interfaceId, r.linktype, r.caplen, r.len, [...r.data], r.tsSec])).toEqual([
			[0, 1, 4, 60, [1, 2, 3, 4], 0],
			[0, 1, 3, 3, [5, 6, 7], 0],
			[1, 101, 2, 1500, [8, 9], 2],
		]);
		expect(records[2]?.tsUsec).toBe(3);
	});

	test("unknown, statistics, name-resolution and custom blocks are skipped; EPB options are ignored", () => {
		const bytes = concatBytes(
			sectionHeader(true),
			block(4, new Uint8Array(8), true),
			interfaceDescription({ linktype: 1 }, true),
			block(5, new Uint8Array(20), true),
			block(0x40000bad, Uint8Array.of(1, 2, 3, 4, 5), true),
			enhancedPacket(0, 1_000_000n, 3, Uint8Array.of(1, 2, 3), true, [{ code: 1, value: Uint8Array.of(65) }]),
			block(0x12345678, new Uint8Array(0), true),
		);
		const file = readCapture(bytes);
		expect(file.records.map((r) => [...r.data])).toEqual([[1, 2, 3]]);
		expect(file.truncated).toBeUndefined();
	});
});

describe("streaming", () => {
	test("one byte at a time yields the same records as the whole file", () => {
		for (const bytes of [pcapFile(samplePackets(14)), pcapngFile(samplePackets(14, 2), [1, 101])]) {
			const cuts = Array.from({ length: bytes.length }, (_, i) => i);
			expect(readInChunks(bytes, cuts)).toEqual(readCapture(bytes).records);
		}
	});

	test("property: any packets, any chunking, either format and byte order round-trip", () => {
		fc.assert(
			fc.property(
				fc.array(packetArbitrary(3), { maxLength: 25 }),
				fc.array(fc.nat(), { maxLength: 12 }),
				fc.constantFrom("pcap", "pcapng"),
				fc.constantFrom("little", "big") as fc.Arbitrary<"little" | "big">,
				(packets, cutSeeds, format, byteOrder) => {
					const pcap = format === "pcap";
					const adjusted = pcap ? packets.map((p) => ({ ...p, interfaceIndex: 0 })) : packets;
					const linktypes = [1, 101, 113];
					const bytes = pcap ? pcapFile(adjusted, byteOrder) : pcapngFile(adjusted, linktypes, byteOrder);
					const cuts = cutSeeds.map((seed) => seed % (bytes.length + 1));
					const want = adjusted.map((p) => ({
						...expected(p, pcap ? [1] : linktypes),
					}));
					expect(readInChunks(bytes, cuts)).toEqual(want);
				},
			),
			{ numRuns: 150 },
		);
	});

	test("next() returns undefined until a record is complete; offset counts consumed bytes", () => {
		const bytes = pcapFile(samplePackets(2));
		const reader = new CaptureReader();
		reader.push(bytes.subarray(0, 30));
		expect(reader.next()).toBeUndefined();
		expect(reader.format).toBe("pcap");
		expect(reader.offset).toBe(24);
		reader.push(bytes.subarray(30, 40));
		expect(reader.next()?.caplen).toBe(0);
		expect(reader.offset).toBe(40);
		reader.push(bytes.subarray(40));
		expect(reader.next()?.caplen).toBe(1);
		expect(reader.next()).toBeUndefined();
		reader.end();
		expect(reader.next()).toBeUndefined();
	});
});

describe("truncation and malformed input", () => {
	test("a truncated final record is reported, with the records before it", () => {
		const bytes = pcapFile(samplePackets(5));
		const file = readCapture(bytes.subarray(0, bytes.length - 1));
		expect(file.records.length).toBe(4);
		expect(file.truncated?.code).toBe("truncated");
		expect(file.truncated?.offset).toBe(bytes.length - 16 - 4); // the last record holds 4 bytes
		const reader = new CaptureReader();
		reader.push(bytes.subarray(0, bytes.length - 1));
		reader.end();
		for (let i = 0; i < 4; i++) expect(reader.next()).toBeDefined();
		const error = expectError(() => reader.next(), "truncated", file.truncated!.offset);
		expect(() => reader.next()).toThrow(error); // sticky
	});

	test("every prefix of a file gives a prefix of its records, flagged unless cut between records", () => {
		for (const bytes of [pcapFile(samplePackets(6)), pcapngFile(samplePackets(6, 2), [1, 101])]) {
			const all = readCapture(bytes).records;
			const boundaries = unitBoundaries(bytes);
			expect(boundaries.has(bytes.length)).toBe(true);
			for (let cut = 0; cut <= bytes.length; cut++) {
				const file = readCapture(bytes.subarray(0, cut));
				expect(all.slice(0, file.records.length)).toEqual(file.records);
				expect(file.truncated === undefined).toBe(boundaries.has(cut));
			}
		}
	});

	test("empty input and a partial file header are truncated at offset 0", () => {
		expect(readCapture(new Uint8Array(0)).truncated?.offset).toBe(0);
		const partial = readCapture(pcapFile([]).subarray(0, 10));
		expect(partial.format).toBe("pcap");
		expect(partial.truncated?.code).toBe("truncated");
	});

	test("typed errors with the offset of the failing header or block", () => {
		expectError(() => readCapture(Uint8Array.of(1, 2, 3, 4, 5)), "unknown-format", 0);
		const badVersion = pcapFile([]);
		badVersion[4] = 3;
		expectError(() => readCapture(badVersion), "unsupported-version", 0);

		const shb = sectionHeader(true);
		const idb = interfaceDescription({ linktype: 1 }, true);
		const epb = enhancedPacket(0, 0n, 4, Uint8Array.of(1, 2, 3, 4), true);
		const at = shb.length + idb.length;

		const badMagic = concatBytes(shb);
		badMagic[8] = 0;
		expectError(() => readCapture(badMagic), "malformed-block", 0);
		expectError(() => readCapture(concatBytes(sectionHeader(false, 2))), "unsupported-version", 0);

		const oddLength = concatBytes(shb, idb, epb);
		new DataView(oddLength.buffer).setUint32(at + 4, 33, true);
		expectError(() => readCapture(oddLength), "malformed-block", at);

		const badTrailer = concatBytes(shb, idb, epb);
		new DataView(badTrailer.buffer).setUint32(badTrailer.length - 4, 8, true);
		expectError(() => readCapture(badTrailer), "malformed-block", at);

		expectError(() => readCapture(concatBytes(shb, epb)), "unknown-interface", shb.length);
		expectError(
			() => readCapture(concatBytes(shb, simplePacket(1, Uint8Array.of(1), true))),
			"unknown-interface",
			shb.length,
		);

		const bigCaplen = concatBytes(shb, idb, epb);
		new DataView(bigCaplen.buffer).setUint32(at + 20, 5, true);
		expectError(() => readCapture(bigCaplen), "malformed-record", at);

		const shortIdb = concatBytes(shb, block(1, Uint8Array.of(1, 0, 0, 0), true));
		expectError(() => readCapture(shortIdb), "malformed-block", shb.length);

		const optionOverrun = concatBytes(
			shb,
			block(1, Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 200, 0), true),
		);
		expectError(() => readCapture(optionOverrun), "malformed-block", shb.length);

		expectError(() => readCapture(concatBytes(shb, idb, epb), { maxRecordBytes: 32 }), "too-large", at);
		const pcap = pcapFile(samplePackets(3));
		expectError(() => readCapture(pcap, { maxRecordBytes: 1 }), "too-large", 24 + 16 + 17);
	});

	test("error messages say what failed, with the value and the offset", () => {
		const error = expectError(() => readCapture(Uint8Array.of(0xde, 0xad, 0xbe, 0xef)), "unknown-format", 0);
		expect(error.message).toBe("Input is neither pcap nor pcapng: magic 0xdeadbeef (at byte offset 0)");
		expect(error.name).toBe("CaptureFormatError");
	});
});
