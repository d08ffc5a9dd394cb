// Tests for the udpstr receiver: round trip with the packer, loss accounting, hostile datagrams (bad-inputs.md K14)

import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { SnaplenError } from "../../../src/protocol/pkthdr.ts";
import { UdpstrPacker } from "../../../src/protocol/udpstr-packer.ts";
import { UdpstrReceiver, type UdpstrReceiverOptions } from "../../../src/protocol/udpstr-receiver.ts";
import { makeRecord, makeRecords } from "./udpstr-records.ts";

const NONE = 0xffff;

/** Packs every record, flushing after the indexes in `flushAfter` and at the end; copies each datagram. */
function pack(
	records: readonly Uint8Array[],
	datagramSize = 1472,
	flushAfter: ReadonlySet<number> = new Set(),
) {
	const packer = new UdpstrPacker({ datagramSize });
	const out: Uint8Array[] = [];
	records.forEach((record, i) => {
		for (const d of packer.packRecord(record)) out.push(d.slice());
		if (flushAfter.has(i)) for (const d of packer.flush()) out.push(d.slice());
	});
	for (const d of packer.flush()) out.push(d.slice());
	return out;
}

/** A receiver that rebuilds every emitted record (pkthdr + data) so it can be compared with the sent one. */
function collectingReceiver(options: Partial<UdpstrReceiverOptions> = {}) {
	const received: Uint8Array[] = [];
	const receiver = new UdpstrReceiver({
		snaplen: 262144,
		onRecord: (tsSec, tsUsec, caplen, len, npkt, data) => {
			expect(data.length).toBe(caplen);
			const record = new Uint8Array(20 + caplen);
			const view = new DataView(record.buffer);
			view.setUint32(0, tsSec);
			view.setUint32(4, tsUsec);
			view.setUint32(8, caplen);
			view.setUint32(12, len);
			view.setUint32(16, npkt);
			record.set(data, 20);
			received.push(record);
		},
		...options,
	});
	return { receiver, received };
}

function npktOf(record: Uint8Array): number {
	return new DataView(record.buffer, record.byteOffset).getUint32(16);
}

/** Indexes of the records that share at least one stream byte with a datagram in `dropped`. */
function recordsOverlapping(
	records: readonly Uint8Array[],
	datagrams: readonly Uint8Array[],
	dropped: Set<number>,
) {
	const lost = new Set<number>();
	const ranges: [number, number][] = [];
	let pos = 0;
	for (const d of datagrams) {
		ranges.push([pos, pos + d.length - 8]);
		pos += d.length - 8;
	}
	let start = 0;
	records.forEach((record, i) => {
		const end = start + record.length;
		ranges.forEach(([from, to], j) => {
			if (dropped.has(j) && from < end && start < to) lost.add(i);
		});
		start = end;
	});
	return lost;
}

/** A deterministic generator for large fixed captures. */
function lcg(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
		return state / 2 ** 32;
	};
}

function mixedCaplens(count: number, seed: number): number[] {
	const next = lcg(seed);
	return Array.from({ length: count }, () => {
		const roll = next();
		if (roll < 0.1) return 0;
		if (roll < 0.5) return Math.floor(next() * 120);
		if (roll < 0.85) return Math.floor(next() * 1600);
		return Math.floor(next() * 9001);
	});
}

function withHeader(datagram: Uint8Array, firstHeaderIndex: number, seqno?: number): Uint8Array {
	const copy = datagram.slice();
	const view = new DataView(copy.buffer);
	view.setUint16(2, firstHeaderIndex);
	if (seqno !== undefined) view.setUint32(4, seqno);
	return copy;
}

describe("UdpstrReceiver round trip", () => {
	for (const M of [64, 500, 1452, 1472, 9000, 65000]) {
		test(`mixed capture, caplen 0…9000 (K4 included), M = ${M}: byte-identical, no loss`, () => {
			const records = makeRecords(mixedCaplens(1500, M));
			const datagrams = pack(records, M, new Set([7, 100, 101, 102, 777, 1200]));
			const { receiver, received } = collectingReceiver();
			for (const d of datagrams) expect(receiver.receive(d)).toBe("accepted");
			receiver.end();
			expect(received).toEqual(records);
			expect(receiver.counters).toEqual({
				datagramsReceived: datagrams.length,
				bytesReceived: datagrams.reduce((sum, d) => sum + d.length, 0),
				classicDatagrams: 0,
				lostDatagrams: 0,
				lateDatagrams: 0,
				malformedDatagrams: 0,
				lostRecords: 0,
				discardedContinuationBytes: 0,
				recordsEmitted: records.length,
				recordBytes: records.reduce((sum, r) => sum + r.length - 20, 0),
				npktRegressions: 0,
			});
		});
	}

	test("zero-length records (K4) are 20-byte records and come back with empty data", () => {
		const records = makeRecords([0, 0, 0, 0, 0]);
		const datagrams = pack(records);
		expect(datagrams.map((d) => d.length)).toEqual([8 + 5 * 20]);
		const { receiver, received } = collectingReceiver();
		receiver.receive(datagrams[0]!);
		expect(received).toEqual(records);
	});

	test("seqno wrap-around at 2^32 is in order", () => {
		const records = makeRecords(mixedCaplens(200, 9));
		const packer = new UdpstrPacker({ initialSeqno: 2 ** 32 - 5 });
		const datagrams = [
			...records.flatMap((r) => packer.packRecord(r).map((d) => d.slice())),
			...packer.flush(),
		];
		expect(datagrams.length).toBeGreaterThan(10);
		const { receiver, received } = collectingReceiver();
		for (const d of datagrams) receiver.receive(d);
		expect(received).toEqual(records);
		expect(receiver.counters.lostDatagrams).toBe(0);
		expect(receiver.counters.lateDatagrams).toBe(0);
	});

	test("seqno distance is computed mod 2^32: a gap across the wrap is loss, a step back is late", () => {
		const [record] = makeRecords([10]) as [Uint8Array];
		const [datagram] = pack([record]) as [Uint8Array];
		const { receiver } = collectingReceiver();
		expect(receiver.receive(withHeader(datagram, 8, 0xfffffffe))).toBe("accepted");
		expect(receiver.receive(withHeader(datagram, 8, 1))).toBe("accepted");
		expect(receiver.counters.lostDatagrams).toBe(2);
		expect(receiver.receive(withHeader(datagram, 8, 0xffffffff))).toBe("late");
		expect(receiver.receive(withHeader(datagram, 8, 1))).toBe("late");
		expect(receiver.counters.lateDatagrams).toBe(2);
	});
});

describe("UdpstrReceiver loss accounting", () => {
	test("dropping every 50th datagram loses exactly the records that overlap a dropped datagram", () => {
		const sent = makeRecords(mixedCaplens(4000, 50));
		// A sentinel record in a datagram of its own, always delivered, makes every earlier loss visible by npkt.
		const sentinel = makeRecord(sent.length + 1, 5);
		const datagrams = pack([...sent, sentinel], 1472, new Set([sent.length - 1]));
		const dropped = new Set<number>();
		for (let j = 49; j < datagrams.length - 1; j += 50) dropped.add(j);
		expect(dropped.size).toBeGreaterThan(20);
		const lost = recordsOverlapping(sent, datagrams, dropped);

		const { receiver, received } = collectingReceiver();
		datagrams.forEach((d, j) => {
			if (!dropped.has(j)) receiver.receive(d);
		});
		receiver.end();
		const expected = [...sent.filter((_, i) => !lost.has(i)), sentinel];
		expect(received).toEqual(expected);
		expect(receiver.counters.lostRecords).toBe(lost.size);
		expect(receiver.counters.lostDatagrams).toBe(dropped.size);
		expect(receiver.counters.recordsEmitted).toBe(sent.length + 1 - lost.size);
		expect(receiver.counters.malformedDatagrams).toBe(0);
		expect(receiver.counters.lateDatagrams).toBe(0);
		expect(receiver.counters.discardedContinuationBytes).toBeGreaterThan(0);
	});

	const capture = fc.record({
		M: fc.oneof(fc.integer({ min: 64, max: 300 }), fc.integer({ min: 64, max: 3000 })),
		caplens: fc.array(fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 3000 })), {
			minLength: 1,
			maxLength: 150,
		}),
		flushes: fc.array(fc.nat(150), { maxLength: 8 }),
		drops: fc.array(fc.nat(2000), { maxLength: 40 }),
	});

	test("random drops: emitted + lost = sent, emitted records are byte-identical and exactly the untouched ones", () => {
		fc.assert(
			fc.property(capture, ({ M, caplens, flushes, drops }) => {
				const sent = makeRecords(caplens);
				const sentinel = makeRecord(sent.length + 1, 3);
				const datagrams = pack([...sent, sentinel], M, new Set([...flushes, sent.length - 1]));
				const last = datagrams.length - 1;
				const dropped = new Set(drops.map((k) => k % datagrams.length).filter((j) => j !== last));
				const lost = recordsOverlapping(sent, datagrams, dropped);
				const { receiver, received } = collectingReceiver();
				datagrams.forEach((d, j) => {
					if (!dropped.has(j)) receiver.receive(d);
				});
				receiver.end();
				const { recordsEmitted, lostRecords, lostDatagrams } = receiver.counters;
				expect(recordsEmitted + lostRecords).toBe(sent.length + 1);
				// §7: `expected` is unset until the first datagram arrives, so a dropped prefix is not a seqno gap.
				let prefix = 0;
				while (dropped.has(prefix)) prefix++;
				expect(lostDatagrams).toBe(dropped.size - prefix);
				expect(received).toEqual([...sent.filter((_, i) => !lost.has(i)), sentinel]);
			}),
			{ numRuns: 150 },
		);
	});

	test("random duplicates and swaps: late datagrams are dropped, records stay identical and accounted", () => {
		fc.assert(
			fc.property(
				capture,
				fc.array(fc.tuple(fc.nat(2000), fc.boolean()), { maxLength: 20 }),
				({ M, caplens }, edits) => {
					const sent = makeRecords(caplens);
					const sentinel = makeRecord(sent.length + 1, 3);
					const datagrams = pack([...sent, sentinel], M, new Set([sent.length - 1]));
					const delivered = datagrams.slice(0, -1);
					for (const [at, duplicate] of edits) {
						if (delivered.length < 2) break;
						const k = at % (delivered.length - 1);
						if (duplicate) delivered.splice(k + 1, 0, delivered[k]!);
						else [delivered[k], delivered[k + 1]] = [delivered[k + 1]!, delivered[k]!];
					}
					delivered.push(datagrams[datagrams.length - 1]!);
					const { receiver, received } = collectingReceiver();
					for (const d of delivered) receiver.receive(d);
					receiver.end();
					const sentByNpkt = new Map([...sent, sentinel].map((r) => [npktOf(r), r]));
					const npkts = received.map(npktOf);
					for (const record of received) expect(record).toEqual(sentByNpkt.get(npktOf(record))!);
					expect(npkts).toEqual([...npkts].sort((a, b) => a - b));
					expect(new Set(npkts).size).toBe(npkts.length);
					expect(receiver.counters.recordsEmitted + receiver.counters.lostRecords).toBe(sent.length + 1);
					expect(receiver.counters.malformedDatagrams).toBe(0);
				},
			),
			{ numRuns: 150 },
		);
	});

	test("end of capture with an incomplete record counts it as one lost record", () => {
		const datagrams = pack(makeRecords([3000]));
		const { receiver, received } = collectingReceiver();
		receiver.receive(datagrams[0]!);
		expect(receiver.hasPartial).toBe(true);
		receiver.end();
		receiver.end();
		expect(receiver.hasPartial).toBe(false);
		expect(received).toHaveLength(0);
		expect(receiver.counters.lostRecords).toBe(1);
	});
});

describe("UdpstrReceiver hostile datagrams (bad-inputs.md K14)", () => {
	// Record 1 (3000 bytes) spans datagrams 0, 1 and 92 bytes of 2; records 2 and 3 start at 100 in datagram 2.
	const records = makeRecords([3000, 50, 50]);
	const datagrams = pack(records);

	test("the fixture is what the comment says", () => {
		expect(datagrams.map((d) => [d.length, new DataView(d.buffer).getUint16(2)])).toEqual([
			[1472, 8],
			[1472, NONE],
			[240, 100],
		]);
	});

	for (const badIndex of [0, 7, 1472 - 19]) {
		test(`firsthdridx ${badIndex}: malformed, partial dropped, resync at the next record start`, () => {
			const { receiver, received } = collectingReceiver();
			receiver.receive(datagrams[0]!);
			expect(receiver.receive(withHeader(datagrams[1]!, badIndex))).toBe("malformed");
			expect(receiver.receive(datagrams[2]!)).toBe("accepted");
			expect(received).toEqual(records.slice(1));
			expect(receiver.counters).toMatchObject({
				malformedDatagrams: 1,
				lostRecords: 1,
				lostDatagrams: 1,
				discardedContinuationBytes: 92,
				recordsEmitted: 2,
			});
		});
	}

	test("firsthdridx n − 20 is valid (a zero-length record at the very end)", () => {
		const { receiver, received } = collectingReceiver();
		const [datagram] = pack(makeRecords([0]));
		expect(datagram!.length - 20).toBe(8);
		expect(receiver.receive(datagram!)).toBe("accepted");
		expect(received).toHaveLength(1);
	});

	test("caplen 0xFFFFFFFF: malformed, the rest of the datagram dropped, npkt gap counted after resync", () => {
		const sent = makeRecords(new Array(20).fill(100));
		const stream = pack(sent, 1472, new Set([11]));
		expect(stream.map((d) => d.length)).toEqual([8 + 12 * 120, 8 + 8 * 120]);
		const corrupt = stream[0]!.slice();
		new DataView(corrupt.buffer).setUint32(8 + 120 + 8, 0xffffffff);
		const { receiver, received } = collectingReceiver();
		expect(receiver.receive(corrupt)).toBe("malformed");
		expect(receiver.receive(stream[1]!)).toBe("accepted");
		expect(received).toEqual([sent[0]!, ...sent.slice(12)]);
		expect(receiver.counters).toMatchObject({ malformedDatagrams: 1, lostRecords: 11, recordsEmitted: 9 });
	});

	test("caplen above the requested snaplen is malformed, also for a record cut at the datagram end", () => {
		const { receiver, received } = collectingReceiver({ snaplen: 2999 });
		expect(receiver.receive(datagrams[0]!)).toBe("malformed");
		expect(receiver.hasPartial).toBe(false);
		expect(receiver.receive(datagrams[1]!)).toBe("accepted");
		expect(receiver.receive(datagrams[2]!)).toBe("accepted");
		expect(received).toEqual(records.slice(1));
		expect(receiver.counters).toMatchObject({ malformedDatagrams: 1, lostRecords: 1 });
		expect(receiver.counters.discardedContinuationBytes).toBe(1464 + 92);
	});

	test("a duplicated datagram is late and changes nothing", () => {
		const { receiver, received } = collectingReceiver();
		receiver.receive(datagrams[0]!);
		expect(receiver.receive(datagrams[0]!)).toBe("late");
		receiver.receive(datagrams[1]!);
		expect(receiver.receive(datagrams[1]!)).toBe("late");
		receiver.receive(datagrams[2]!);
		expect(received).toEqual(records);
		expect(receiver.counters).toMatchObject({ lateDatagrams: 2, lostDatagrams: 0, lostRecords: 0 });
	});

	test("reordered datagrams count as a gap, then as late", () => {
		const { receiver, received } = collectingReceiver();
		receiver.receive(datagrams[0]!);
		expect(receiver.receive(datagrams[2]!)).toBe("accepted");
		expect(receiver.receive(datagrams[1]!)).toBe("late");
		expect(received).toEqual(records.slice(1));
		expect(receiver.counters).toMatchObject({ lostDatagrams: 1, lateDatagrams: 1, lostRecords: 1 });
	});

	test("truncated datagrams, wrong version and unknown types are malformed and leave the stream alone", () => {
		const { receiver, received } = collectingReceiver();
		receiver.receive(datagrams[0]!);
		for (const bad of [
			[],
			[0],
			[0, 110, 0, 8, 0, 0, 0],
			[1, 110, 0, 8, 0, 0, 0, 1],
			[0, 99, 0, 8, 0, 0, 0, 1],
		]) {
			expect(receiver.receive(Uint8Array.from(bad))).toBe("malformed");
		}
		receiver.receive(datagrams[1]!);
		receiver.receive(datagrams[2]!);
		expect(received).toEqual(records);
		expect(receiver.counters.malformedDatagrams).toBe(5);
		expect(receiver.counters.lostRecords).toBe(0);
	});

	test("continuation longer than the partial needs is malformed", () => {
		const { receiver } = collectingReceiver();
		receiver.receive(datagrams[0]!);
		receiver.receive(datagrams[1]!);
		const tooLong = new Uint8Array(8 + 93);
		tooLong.set(withHeader(datagrams[2]!, NONE).subarray(0, 8));
		expect(receiver.receive(tooLong)).toBe("malformed");
		expect(receiver.counters).toMatchObject({ malformedDatagrams: 1, lostRecords: 1 });
	});

	test("continuation that does not end exactly at firsthdridx loses the record but parses what follows", () => {
		const { receiver, received } = collectingReceiver();
		receiver.receive(datagrams[0]!);
		receiver.receive(datagrams[1]!);
		const shifted = new Uint8Array(datagrams[2]!.length + 1);
		shifted.set(withHeader(datagrams[2]!, 101).subarray(0, 8));
		shifted.set(datagrams[2]!.subarray(8), 9);
		expect(receiver.receive(shifted)).toBe("malformed");
		expect(received).toEqual(records.slice(1));
		expect(receiver.counters).toMatchObject({
			malformedDatagrams: 1,
			lostRecords: 1,
			discardedContinuationBytes: 93,
		});
	});

	test("a record header cut at the datagram end is malformed", () => {
		const [datagram] = pack(makeRecords([0, 0]));
		const { receiver, received } = collectingReceiver();
		expect(receiver.receive(datagram!.subarray(0, datagram!.length - 1))).toBe("malformed");
		expect(received).toHaveLength(1);
	});

	test("type-7 datagrams go to the classic path and leave the udpstr stream alone", () => {
		const classic: Uint8Array[] = [];
		const { receiver, received } = collectingReceiver({ onClassicPacket: (d) => classic.push(d) });
		receiver.receive(datagrams[0]!);
		const packet = Uint8Array.from([0, 7, 0, 0, 0, 0, 0, 20, ...makeRecord(1, 0)]);
		expect(receiver.receive(packet)).toBe("classic");
		receiver.receive(datagrams[1]!);
		receiver.receive(datagrams[2]!);
		expect(classic).toEqual([packet]);
		expect(received).toEqual(records);
		expect(receiver.counters.classicDatagrams).toBe(1);
		const { receiver: noHandler } = collectingReceiver();
		expect(noHandler.receive(packet)).toBe("classic");
		expect(noHandler.counters.classicDatagrams).toBe(1);
	});

	test("arbitrary bytes never throw; every record handed out respects the snaplen", () => {
		const header = fc.tuple(
			fc.constantFrom(0, 1),
			fc.constantFrom(110, 7, 0),
			fc.oneof(fc.constant(NONE), fc.integer({ min: 0, max: 300 })),
			fc.integer({ min: 0, max: 12 }),
		);
		const datagram = fc.oneof(
			fc.uint8Array({ maxLength: 300 }),
			fc.tuple(header, fc.uint8Array({ maxLength: 300 })).map(([[ver, type, idx, seq], body]) => {
				const d = new Uint8Array(8 + body.length);
				d.set([ver, type, idx >> 8, idx & 0xff, 0, 0, 0, seq]);
				d.set(body, 8);
				return d;
			}),
		);
		fc.assert(
			fc.property(
				fc.array(datagram, { maxLength: 30 }),
				fc.integer({ min: -1, max: 400 }),
				(input, snaplen) => {
					const limit = snaplen <= 0 ? 262144 : snaplen;
					const receiver = new UdpstrReceiver({
						snaplen,
						onRecord: (_s, _u, caplen, _l, _n, data) => {
							expect(caplen).toBeLessThanOrEqual(limit);
							expect(data.length).toBe(caplen);
						},
					});
					for (const d of input) receiver.receive(d);
					receiver.end();
					const c = receiver.counters;
					expect(c.datagramsReceived).toBe(input.length);
					expect(c.lateDatagrams + c.classicDatagrams).toBeLessThanOrEqual(input.length);
				},
			),
			{ numRuns: 300 },
		);
	});

	test("bit-flipped real streams never throw and never emit a record that was not sent", () => {
		fc.assert(
			fc.property(
				fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 1, maxLength: 40 }),
				fc.array(fc.tuple(fc.nat(100), fc.nat(3000), fc.integer({ min: 1, max: 255 })), { maxLength: 8 }),
				(caplens, flips) => {
					const sent = makeRecords(caplens);
					const stream = pack(sent, 600);
					for (const [which, at, mask] of flips) {
						const d = stream[which % stream.length]!;
						d[at % Math.min(d.length, 40)]! ^= mask;
					}
					const { receiver, received } = collectingReceiver({ snaplen: 2000 });
					for (const d of stream) receiver.receive(d);
					receiver.end();
					expect(received.length).toBeLessThanOrEqual(receiver.counters.recordsEmitted);
					for (const record of received) expect(record.length).toBeLessThanOrEqual(2020);
				},
			),
			{ numRuns: 200 },
		);
	});

	test("a snaplen that is not an integer is a typed error; out-of-range snaplens mean 262144", () => {
		expect(() => new UdpstrReceiver({ snaplen: 1.5, onRecord: () => {} })).toThrow(SnaplenError);
		const big = makeRecords([262144]);
		for (const snaplen of [0, -1, 262145, 10 ** 9]) {
			const { receiver, received } = collectingReceiver({ snaplen });
			for (const d of pack(big, 65000)) receiver.receive(d);
			expect(received).toEqual(big);
		}
	});
});
