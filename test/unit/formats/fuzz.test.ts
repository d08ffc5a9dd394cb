import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
	CaptureFormatError,
	CaptureReader,
	PcapngWriter,
	PcapWriter,
	readCapture,
} from "../../../src/formats/index.ts";
import { concatBytes } from "../../support/bytes.ts";
import { interfaceDescription, obsoletePacket, sectionHeader, simplePacket } from "./pcapng-craft.ts";
import { samplePackets } from "./sample-packets.ts";

type Outcome = { records: number; error: string | undefined };

/** Reads everything it can; any exception other than CaptureFormatError fails the property. */
function outcomeOf(chunks: readonly Uint8Array[]): Outcome {
	const reader = new CaptureReader({ maxRecordBytes: 1 << 20 });
	let records = 0;
	try {
		for (const chunk of chunks) {
			reader.push(chunk);
			while (reader.next() !== undefined) records++;
		}
		reader.end();
		while (reader.next() !== undefined) records++;
		return { records, error: undefined };
	} catch (error) {
		if (!(error instanceof CaptureFormatError)) throw error;
		expect(Number.isInteger(error.offset) && error.offset >= 0).toBe(true);
		return { records, error: `${error.code}@${error.offset}` };
	}
}

function split(bytes: Uint8Array, seeds: readonly number[]): Uint8Array[] {
	const cuts = [...new Set(seeds.map((s) => s % (bytes.length + 1)))].sort((a, b) => a - b);
	const chunks: Uint8Array[] = [];
	let from = 0;
	for (const cut of [...cuts, bytes.length]) {
		chunks.push(bytes.slice(from, cut));
		from = cut;
	}
	return chunks;
}

const seeds = fc.array(fc.nat(), { maxLength: 8 });

function validFiles(): Uint8Array[] {
	const pcap = new PcapWriter({ linktype: 1 });
	const pcapBig = new PcapWriter({ linktype: 101, byteOrder: "big" });
	const pcapng = new PcapngWriter();
	pcapng.addInterface({ linktype: 1, name: "a/eth0" });
	pcapng.addInterface({ linktype: 101, name: "b/tun0" });
	for (const p of samplePackets(8, 2)) {
		pcap.writePacket(p.tsSec, p.tsUsec, p.len, p.data);
		pcapBig.writePacket(p.tsSec, p.tsUsec, p.len, p.data);
		pcapng.writePacket(p.interfaceIndex, p.tsSec, p.tsUsec, p.len, p.data);
	}
	const crafted = concatBytes(
		sectionHeader(false),
		interfaceDescription({ linktype: 1, snaplen: 8, tsresol: 0x80 | 40, tsoffset: 5n, name: "x" }, false),
		simplePacket(20, new Uint8Array(8), false),
		obsoletePacket(0, 0xffffffffffffn, 3, Uint8Array.of(1, 2, 3), false),
	);
	return [pcap, pcapBig, pcapng].map((w) => concatBytes(...w.takeChunks())).concat(crafted);
}

const prefixes = [
	Uint8Array.of(0xd4, 0xc3, 0xb2, 0xa1),
	Uint8Array.of(0xa1, 0xb2, 0x3c, 0x4d),
	sectionHeader(true),
	concatBytes(sectionHeader(false), interfaceDescription({ linktype: 1 }, false)),
];

describe("hostile input only ever produces CaptureFormatError", () => {
	test("arbitrary bytes, in arbitrary chunks", () => {
		fc.assert(
			fc.property(fc.uint8Array({ maxLength: 400 }), seeds, (bytes, cutSeeds) => {
				outcomeOf(split(bytes, cutSeeds));
			}),
			{ numRuns: 500 },
		);
	});

	test("arbitrary bytes after a valid magic or section header", () => {
		fc.assert(
			fc.property(
				fc.constantFrom(...prefixes),
				fc.uint8Array({ maxLength: 400 }),
				seeds,
				(prefix, tail, cutSeeds) => {
					outcomeOf(split(concatBytes(prefix, tail), cutSeeds));
				},
			),
			{ numRuns: 500 },
		);
	});

	test("mutated valid files give the same outcome whole and in chunks", () => {
		const files = validFiles();
		fc.assert(
			fc.property(
				fc.nat({ max: files.length - 1 }),
				fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
				seeds,
				(index, mutations, cutSeeds) => {
					const bytes = files[index]!.slice();
					for (const [position, value] of mutations) bytes[position % bytes.length] = value;
					const whole = outcomeOf([bytes]);
					expect(outcomeOf(split(bytes, cutSeeds))).toEqual(whole);
				},
			),
			{ numRuns: 600 },
		);
	});

	test("huge declared lengths are refused without waiting for or buffering the bytes", () => {
		const hugeBlock = concatBytes(sectionHeader(true), Uint8Array.of(6, 0, 0, 0, 0xfc, 0xff, 0xff, 0xff));
		expect(() => readCapture(hugeBlock)).toThrow(CaptureFormatError);
		const hugeRecord = concatBytes(
			concatBytes(...new PcapWriter({ linktype: 1 }).takeChunks()),
			new Uint8Array(8),
			Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0),
		);
		const error = (() => {
			try {
				readCapture(hugeRecord);
			} catch (e) {
				return e as CaptureFormatError;
			}
		})();
		expect(error?.code).toBe("too-large");
	});
});
