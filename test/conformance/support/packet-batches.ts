// Builds batches of framed PACKET records with checkable contents, and compares what a receiver decoded.

import { expect } from "bun:test";

export interface PacketRecord {
	tsSec: number;
	tsUsec: number;
	caplen: number;
	len: number;
	npkt: number;
	data: Uint8Array;
}

export interface PacketBatch {
	bytes: Uint8Array;
	packets: number;
	records: PacketRecord[];
}

/** Deterministic payload: every byte depends on npkt and position, so swaps and shifts are visible. */
export function payloadFor(npkt: number, caplen: number): Uint8Array {
	const data = new Uint8Array(caplen);
	let x = (npkt * 2654435761) >>> 0;
	for (let i = 0; i < caplen; i++) {
		x = (x * 1103515245 + 12345) >>> 0;
		data[i] = x >>> 24;
	}
	return data;
}

/** Back-to-back PACKET messages (8-byte header 00 07 0000 plen, 20-byte pkthdr, data), npkt from `firstNpkt`. */
export function buildBatch(firstNpkt: number, caplens: readonly number[]): PacketBatch {
	const total = caplens.reduce((sum, caplen) => sum + 28 + caplen, 0);
	const bytes = new Uint8Array(total);
	const view = new DataView(bytes.buffer);
	const records: PacketRecord[] = [];
	let offset = 0;
	caplens.forEach((caplen, index) => {
		const npkt = firstNpkt + index;
		const record: PacketRecord = {
			tsSec: 1_700_000_000 + npkt,
			tsUsec: (npkt * 7919) % 1_000_000,
			caplen,
			len: caplen + (npkt % 3),
			npkt,
			data: payloadFor(npkt, caplen),
		};
		view.setUint8(offset, 0);
		view.setUint8(offset + 1, 7);
		view.setUint16(offset + 2, 0);
		view.setUint32(offset + 4, 20 + caplen);
		view.setUint32(offset + 8, record.tsSec);
		view.setUint32(offset + 12, record.tsUsec);
		view.setUint32(offset + 16, caplen);
		view.setUint32(offset + 20, record.len);
		view.setUint32(offset + 24, npkt);
		bytes.set(record.data, offset + 28);
		offset += 28 + caplen;
		records.push(record);
	});
	return { bytes, packets: caplens.length, records };
}

/** A seeded generator of batches with 1..maxPackets records of 0..maxCaplen bytes. */
export function batchSeries(count: number, maxPackets: number, maxCaplen: number, seed = 1): PacketBatch[] {
	let x = seed >>> 0 || 1;
	const next = (bound: number) => {
		x ^= x << 13;
		x >>>= 0;
		x ^= x >>> 17;
		x ^= x << 5;
		x >>>= 0;
		return x % bound;
	};
	const batches: PacketBatch[] = [];
	let npkt = 1;
	for (let b = 0; b < count; b++) {
		const packets = 1 + next(maxPackets);
		const caplens: number[] = [];
		for (let i = 0; i < packets; i++) {
			// Mostly small and MTU-sized frames, with jumbo and empty ones mixed in.
			const kind = next(10);
			caplens.push(kind === 0 ? 0 : kind < 3 ? next(maxCaplen + 1) : kind < 6 ? 60 + next(100) : 1514);
		}
		const batch = buildBatch(npkt, caplens);
		npkt += packets;
		batches.push(batch);
	}
	return batches;
}

/** Checks `received` equals `expected` record for record (byte-identical data, same header fields, same order). */
export function expectSameRecords(
	received: readonly PacketRecord[],
	expected: readonly PacketRecord[],
): void {
	expect(received.length).toBe(expected.length);
	for (let i = 0; i < expected.length; i++) {
		const got = received[i] as PacketRecord;
		const want = expected[i] as PacketRecord;
		if (
			got.npkt !== want.npkt ||
			got.caplen !== want.caplen ||
			got.len !== want.len ||
			got.tsSec !== want.tsSec ||
			got.tsUsec !== want.tsUsec ||
			Buffer.compare(got.data, want.data) !== 0
		) {
			expect({ index: i, npkt: got.npkt, caplen: got.caplen }).toEqual({
				index: i,
				npkt: want.npkt,
				caplen: want.caplen,
			});
			expect(Buffer.from(got.data).equals(Buffer.from(want.data))).toBe(true);
		}
	}
}

export function totalBytes(batches: readonly PacketBatch[]): number {
	return batches.reduce((sum, batch) => sum + batch.bytes.length, 0);
}

export function totalPackets(batches: readonly PacketBatch[]): number {
	return batches.reduce((sum, batch) => sum + batch.packets, 0);
}

/** Polls `condition` every few ms until it holds or `timeoutMs` passes; returns whether it held. */
export async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
	const deadline = performance.now() + timeoutMs;
	while (!condition()) {
		if (performance.now() > deadline) return false;
		await Bun.sleep(2);
	}
	return true;
}
