// Tests for the udpstr packer: golden vectors, fork wire sequences, and equivalence with a naive §3.2 reference

import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
	PacketBatchError,
	UdpstrPacker,
	type UdpstrPackerOptions,
	UdpstrRecordCapError,
	UdpstrSizeError,
	udpstrFloorWireBytes,
} from "../../../src/protocol/udpstr-packer.ts";
import { concatBytes } from "../../support/bytes.ts";
import { makeRecord, makeRecords } from "./udpstr-records.ts";

const NONE = 0xffff;

/** The capture layer's batch format: each record behind an rpcap_header (ver 0, type 7, value 0, plen). */
function frameBatch(records: readonly Uint8Array[]): Uint8Array {
	const total = records.reduce((sum, r) => sum + 8 + r.length, 0);
	const batch = new Uint8Array(total);
	const view = new DataView(batch.buffer);
	let off = 0;
	for (const record of records) {
		batch[off + 1] = 7;
		view.setUint32(off + 4, record.length);
		batch.set(record, off + 8);
		off += 8 + record.length;
	}
	return batch;
}

function header(firstHeaderIndex: number, seqno: number): number[] {
	return [
		0,
		110,
		firstHeaderIndex >> 8,
		firstHeaderIndex & 0xff,
		...[24, 16, 8, 0].map((s) => (seqno >>> s) & 0xff),
	];
}

interface DatagramSummary {
	length: number;
	firstHeaderIndex: number;
	seqno: number;
}

function summarise(datagrams: readonly Uint8Array[]): DatagramSummary[] {
	return datagrams.map((d) => {
		const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
		return { length: d.length, firstHeaderIndex: view.getUint16(2), seqno: view.getUint32(4) };
	});
}

/** Packs records one by one; `flushAfter` holds record indexes followed by a flush. Copies every datagram. */
function packAll(
	records: readonly Uint8Array[],
	options: UdpstrPackerOptions,
	flushAfter: ReadonlySet<number> = new Set(),
	finalFlush = true,
): Uint8Array[] {
	const packer = new UdpstrPacker(options);
	const out: Uint8Array[] = [];
	records.forEach((record, i) => {
		for (const d of packer.packRecord(record)) out.push(d.slice());
		if (flushAfter.has(i)) for (const d of packer.flush()) out.push(d.slice());
	});
	if (finalFlush) for (const d of packer.flush()) out.push(d.slice());
	return out;
}

/**
 * Deliberately naive transcription of extrahop-udpstr.md §3.2 and §4: the pending datagram is a plain array,
 * the guard is the fork's I/O-vector arithmetic, and the multi-threaded mode flushes after adding when the
 * 32-entry vector is full (the packer instead generalises the single-threaded guard; output must not differ).
 */
function referencePack(
	records: readonly Uint8Array[],
	M: number,
	mode: "single" | "multi",
	flushAfter: ReadonlySet<number>,
): Uint8Array[] {
	const T = M - 28;
	const out: Uint8Array[] = [];
	let pending: number[] = [];
	let idx = NONE;
	let seq = 0;
	let c = 0;
	let r = 0;
	const emit = (payload: number[]) => {
		out.push(Uint8Array.from([...header(idx, seq), ...payload]));
		seq = (seq + 1) % 2 ** 32;
		idx = NONE;
	};
	const flush = () => {
		if (pending.length === 0) return;
		emit(pending);
		pending = [];
		c = 0;
		r = 0;
	};
	records.forEach((record, i) => {
		if (mode === "single" && 1 + c + 2 * r >= 30) flush();
		if (idx === NONE) idx = 8 + pending.length;
		for (const byte of record) pending.push(byte);
		r += 1;
		while (8 + pending.length >= T) {
			if (8 + pending.length > M) {
				emit(pending.slice(0, M - 8));
				pending = pending.slice(M - 8);
				c = 1;
				r = 0;
			} else {
				emit(pending);
				pending = [];
				c = 0;
				r = 0;
				break;
			}
		}
		if (mode === "multi" && 1 + c + r >= 32) flush();
		if (flushAfter.has(i)) flush();
	});
	flush();
	return out;
}

describe("UdpstrPacker golden vectors (extrahop-udpstr.md §3.4, bad-inputs.md K7)", () => {
	test("A: three 1000-byte packets, then a flush", () => {
		const records = makeRecords([1000, 1000, 1000]);
		const out = packAll(records, { datagramSize: 1472 });
		expect(summarise(out)).toEqual([
			{ length: 1472, firstHeaderIndex: 8, seqno: 0 },
			{ length: 1472, firstHeaderIndex: 584, seqno: 1 },
			{ length: 140, firstHeaderIndex: NONE, seqno: 2 },
		]);
		const [r1, r2, r3] = records as [Uint8Array, Uint8Array, Uint8Array];
		expect(out[0]).toEqual(Uint8Array.from([...header(8, 0), ...r1, ...r2.subarray(0, 20 + 424)]));
		expect(out[1]).toEqual(
			Uint8Array.from([...header(584, 1), ...r2.subarray(20 + 424), ...r3.subarray(0, 888)]),
		);
		expect(out[2]).toEqual(Uint8Array.from([...header(NONE, 2), ...r3.subarray(888)]));
		expect(r2.length - (20 + 424)).toBe(576);
		expect(r3.length - 888).toBe(132);
	});

	test("B: sixteen 60-byte packets trip the single-threaded record guard", () => {
		const records = makeRecords(new Array(16).fill(60));
		const packer = new UdpstrPacker();
		const before: Uint8Array[] = [];
		for (const record of records.slice(0, 15)) before.push(...packer.packRecord(record));
		expect(before).toHaveLength(0);
		expect(packer.pendingBytes).toBe(1200);
		const guard = packer.packRecord(records[15]!).map((d) => d.slice());
		expect(summarise(guard)).toEqual([{ length: 1208, firstHeaderIndex: 8, seqno: 0 }]);
		expect(guard[0]).toEqual(Uint8Array.from([...header(8, 0), ...concatBytes(...records.slice(0, 15))]));
		const tail = packer.flush();
		expect(summarise(tail)).toEqual([{ length: 88, firstHeaderIndex: 8, seqno: 1 }]);
		expect(tail[0]).toEqual(Uint8Array.from([...header(8, 1), ...records[15]!]));
	});

	test("C: one 4000-byte packet, then a flush", () => {
		const [record] = makeRecords([4000]) as [Uint8Array];
		const out = packAll([record], { datagramSize: 1472 });
		expect(summarise(out)).toEqual([
			{ length: 1472, firstHeaderIndex: 8, seqno: 0 },
			{ length: 1472, firstHeaderIndex: NONE, seqno: 1 },
			{ length: 1100, firstHeaderIndex: NONE, seqno: 2 },
		]);
		expect(out[0]).toEqual(Uint8Array.from([...header(8, 0), ...record.subarray(0, 20 + 1444)]));
		expect(out[1]).toEqual(Uint8Array.from([...header(NONE, 1), ...record.subarray(1464, 1464 + 1464)]));
		expect(out[2]).toEqual(Uint8Array.from([...header(NONE, 2), ...record.subarray(2928)]));
		expect(out[2]!.length - 8).toBe(1092);
	});

	test("fork wire sequence at M = 1472: 1472/8, 1472/278, 1448/NONE, 1208/8, 1472/8", () => {
		// The capture's packet sizes were not recorded, and several sequences give these datagrams. This one is the
		// simplest consistent reconstruction: datagram 1 is cut 270 bytes into a 1714-byte packet (1734-byte record,
		// 1464 + 270), so the next record starts at 8 + 270 = 278; that 2614-byte packet fills datagram 2 (1194
		// bytes) and leaves exactly 1440 bytes, L = 1448 ≥ T, emitted whole as a pure continuation; sixteen 60-byte
		// packets then trip the guard (example B, 1208 bytes) and a 1500-byte packet is cut at 1472.
		const records = makeRecords([1714, 2614, ...new Array(16).fill(60), 1500]);
		const out = packAll(records, { datagramSize: 1472 }, new Set(), false);
		expect(summarise(out)).toEqual([
			{ length: 1472, firstHeaderIndex: 8, seqno: 0 },
			{ length: 1472, firstHeaderIndex: 278, seqno: 1 },
			{ length: 1448, firstHeaderIndex: NONE, seqno: 2 },
			{ length: 1208, firstHeaderIndex: 8, seqno: 3 },
			{ length: 1472, firstHeaderIndex: 8, seqno: 4 },
		]);
		expect(concatBytes(...out.map((d) => d.subarray(8)))).toEqual(
			concatBytes(...records).subarray(0, 3 * 1464 + 1440 + 1200),
		);
	});

	test("fork wire sequence at M = 500: 500/8, 500/NONE, 500/NONE, 500/66, 500/NONE", () => {
		// Two full 1514-byte Ethernet frames (1534-byte records) give exactly this prefix: the first record fills
		// 492 + 492 + 492 payload bytes and its last 58 bytes put the second record's header at 8 + 58 = 66. The
		// observation lists five datagrams; the capture continues with 500/NONE and a 124-byte tail.
		const records = makeRecords([1514, 1514]);
		const out = packAll(records, { datagramSize: 500 });
		expect(summarise(out)).toEqual([
			{ length: 500, firstHeaderIndex: 8, seqno: 0 },
			{ length: 500, firstHeaderIndex: NONE, seqno: 1 },
			{ length: 500, firstHeaderIndex: NONE, seqno: 2 },
			{ length: 500, firstHeaderIndex: 66, seqno: 3 },
			{ length: 500, firstHeaderIndex: NONE, seqno: 4 },
			{ length: 500, firstHeaderIndex: NONE, seqno: 5 },
			{ length: 124, firstHeaderIndex: NONE, seqno: 6 },
		]);
		expect(concatBytes(...out.map((d) => d.subarray(8)))).toEqual(concatBytes(...records));
	});
});

describe("UdpstrPacker equals the naive §3.2 reference", () => {
	const datagramSize = fc.oneof(
		fc.integer({ min: 64, max: 200 }),
		fc.integer({ min: 64, max: 2000 }),
		fc.constantFrom(1472, 1452, 65000),
		fc.integer({ min: 64, max: 65000 }),
	);
	const caplen = fc.oneof(
		{ weight: 4, arbitrary: fc.integer({ min: 0, max: 100 }) },
		{ weight: 3, arbitrary: fc.integer({ min: 0, max: 1600 }) },
		{ weight: 1, arbitrary: fc.integer({ min: 0, max: 9000 }) },
		{ weight: 1, arbitrary: fc.constantFrom(0, 36, 37, 38, 1444, 1445, 1464, 1465) },
	);
	// Runs of small records reach the record guard, also right after a cut (the 14-record case).
	const smallRun = fc
		.tuple(fc.integer({ min: 10, max: 32 }), fc.integer({ min: 0, max: 80 }))
		.map(([count, size]) => new Array<number>(count).fill(size));
	const caplens = fc
		.array(
			fc.oneof(
				caplen.map((c) => [c]),
				smallRun,
			),
			{ maxLength: 12 },
		)
		.map((parts) => parts.flat().slice(0, 120));
	const scenario = fc.record({
		M: datagramSize,
		caplens,
		flushes: fc.array(fc.nat(120), { maxLength: 10 }),
		batchCuts: fc.array(fc.nat(120), { maxLength: 6 }),
		multi: fc.boolean(),
	});

	test("per-record packing is byte-identical for random sequences, sizes and flush points", () => {
		fc.assert(
			fc.property(scenario, ({ M, caplens, flushes, multi }) => {
				const records = makeRecords(caplens);
				const flushAfter = new Set(flushes);
				const expected = referencePack(records, M, multi ? "multi" : "single", flushAfter);
				const actual = packAll(records, { datagramSize: M, maxRecordStarts: multi ? 31 : 15 }, flushAfter);
				expect(actual).toEqual(expected);
			}),
			{ numRuns: 150 },
		);
	});

	test("batch packing is byte-identical, whatever the batch boundaries", () => {
		fc.assert(
			fc.property(scenario, ({ M, caplens, flushes, batchCuts }) => {
				const records = makeRecords(caplens);
				const flushAfter = new Set(flushes);
				const expected = referencePack(records, M, "single", flushAfter);
				// A small arena forces growth inside one call; earlier views must survive it.
				const packer = new UdpstrPacker({ datagramSize: M, arenaBytes: 1 });
				const cuts = new Set([...batchCuts, ...flushes]);
				const actual: Uint8Array[] = [];
				let first = 0;
				for (let i = 0; i < records.length; i++) {
					if (!cuts.has(i) && i !== records.length - 1) continue;
					const framed = frameBatch(records.slice(first, i + 1));
					// Embed the batch in a larger buffer to exercise begin/end and a non-zero byteOffset.
					const host = new Uint8Array(framed.length + 13);
					host.set(framed, 5);
					const batch = host.subarray(2);
					for (const d of packer.packBatch(batch, 3, 3 + framed.length)) actual.push(d.slice());
					if (flushAfter.has(i)) for (const d of packer.flush()) actual.push(d.slice());
					first = i + 1;
				}
				for (const d of packer.flush()) actual.push(d.slice());
				expect(actual).toEqual(expected);
			}),
			{ numRuns: 100 },
		);
	});
});

describe("UdpstrPacker state and options", () => {
	test("an empty flush emits nothing and consumes no seqno; hasPending and nextSeqno track the pending datagram", () => {
		const packer = new UdpstrPacker();
		expect(packer.flush()).toHaveLength(0);
		expect(packer.hasPending).toBe(false);
		expect(packer.nextSeqno).toBe(0);
		packer.packRecord(makeRecord(1, 0));
		expect(packer.hasPending).toBe(true);
		expect(packer.pendingBytes).toBe(20);
		expect(summarise(packer.flush())).toEqual([{ length: 28, firstHeaderIndex: 8, seqno: 0 }]);
		expect(packer.hasPending).toBe(false);
		expect(packer.nextSeqno).toBe(1);
		expect(packer.flush()).toHaveLength(0);
		expect(packer.nextSeqno).toBe(1);
		expect(packer.datagramsEmitted).toBe(1);
		expect(packer.bytesEmitted).toBe(28);
		expect(packer.recordsPacked).toBe(1);
	});

	test("seqno wraps from 2^32 − 1 to 0", () => {
		const records = makeRecords([3000, 3000]);
		const packer = new UdpstrPacker({ initialSeqno: 2 ** 32 - 2 });
		const out = [...records.flatMap((r) => packer.packRecord(r).map((d) => d.slice())), ...packer.flush()];
		expect(summarise(out).map((d) => d.seqno)).toEqual([4294967294, 4294967295, 0, 1, 2]);
		expect(packer.nextSeqno).toBe(3);
	});

	test("a record ending exactly at M leaves no continuation, so the next datagram takes 15 records", () => {
		const out = packAll(makeRecords([1444, ...new Array(16).fill(60)]), { datagramSize: 1472 });
		expect(summarise(out)).toEqual([
			{ length: 1472, firstHeaderIndex: 8, seqno: 0 },
			{ length: 1208, firstHeaderIndex: 8, seqno: 1 },
			{ length: 88, firstHeaderIndex: 8, seqno: 2 },
		]);
	});

	test("the multi-threaded cap allows 31 record starts, 30 after continuation bytes", () => {
		const out = packAll(makeRecords([1500, ...new Array(40).fill(0)]), {
			datagramSize: 1472,
			maxRecordStarts: 31,
		});
		// Record 1 is cut; the continuation datagram then takes 30 empty records, the next one the remaining 10.
		expect(summarise(out)).toEqual([
			{ length: 1472, firstHeaderIndex: 8, seqno: 0 },
			{ length: 8 + 56 + 30 * 20, firstHeaderIndex: 64, seqno: 1 },
			{ length: 8 + 10 * 20, firstHeaderIndex: 8, seqno: 2 },
		]);
	});

	test("datagram sizes and record caps outside the valid ranges are typed errors", () => {
		for (const size of [20, 63, 65001, -1, 1472.5]) {
			expect(() => new UdpstrPacker({ datagramSize: size })).toThrow(UdpstrSizeError);
		}
		expect(() => new UdpstrPacker({ datagramSize: 63 })).toThrow("udpstr size must be between 64 and 65000");
		expect(new UdpstrPacker({ datagramSize: 64 }).sendThreshold).toBe(36);
		expect(new UdpstrPacker({ datagramSize: 65000 }).datagramSize).toBe(65000);
		for (const cap of [0, 1, 32])
			expect(() => new UdpstrPacker({ maxRecordStarts: cap })).toThrow(UdpstrRecordCapError);
	});

	test("malformed batches and records are rejected with PacketBatchError", () => {
		const packer = new UdpstrPacker();
		const good = frameBatch([makeRecord(1, 10)]);
		expect(() => packer.packBatch(good.subarray(0, good.length - 1))).toThrow(PacketBatchError);
		expect(() => packer.packBatch(good.subarray(0, 20))).toThrow(PacketBatchError);
		const wrongType = good.slice();
		wrongType[1] = 110;
		expect(() => packer.packBatch(wrongType)).toThrow(PacketBatchError);
		const wrongPlen = good.slice();
		wrongPlen[7] = 31;
		expect(() => packer.packBatch(wrongPlen)).toThrow(PacketBatchError);
		expect(() => packer.packRecord(new Uint8Array(19))).toThrow(PacketBatchError);
		expect(() => packer.packRecord(makeRecord(1, 10).subarray(0, 29))).toThrow(PacketBatchError);
		expect(packer.packBatch(new Uint8Array(0))).toHaveLength(0);
	});

	test("floor wire bytes: 20 per record plus data, 36 (IPv4) or 56 (IPv6) per datagram", () => {
		const records = makeRecords([1000, 1000, 1000]);
		const packer = new UdpstrPacker();
		for (const r of records) packer.packRecord(r);
		packer.flush();
		const counts = { records: packer.recordsPacked, dataBytes: 3000, datagrams: packer.datagramsEmitted };
		expect(udpstrFloorWireBytes(counts)).toBe(packer.bytesEmitted + 3 * 28);
		expect(udpstrFloorWireBytes(counts, "ipv6")).toBe(3060 + 3 * 56);
	});
});
