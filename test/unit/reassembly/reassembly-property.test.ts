import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { TcpReassembler } from "../../../src/reassembly/index.ts";
import { frame, LINK_ETHERNET } from "./packet-builder.ts";
import { type RecordedFlow, RecordingListener } from "./recording-listener.ts";

const ISN = 0xfffff000; // the stream crosses 2^32 after 4 KiB
const CLIENT = { src: "10.0.0.1", dst: "10.0.0.2", sport: 40000, dport: 80 };

interface Piece {
	offset: number;
	length: number;
}

/** Pieces covering [0, size) in random lengths, plus random retransmissions of arbitrary ranges. */
const scenario = fc
	.record({
		size: fc.integer({ min: 1, max: 6000 }),
		cuts: fc.array(fc.integer({ min: 1, max: 1500 }), { minLength: 1, maxLength: 40 }),
		extra: fc.array(fc.record({ offset: fc.nat(), length: fc.integer({ min: 1, max: 800 }) }), {
			maxLength: 10,
		}),
		order: fc.array(fc.nat(), { maxLength: 60 }),
		dropMask: fc.array(fc.boolean(), { maxLength: 60 }),
	})
	.map(({ size, cuts, extra, order, dropMask }) => {
		const pieces: Piece[] = [];
		for (let at = 0, i = 0; at < size; i++) {
			const length = Math.min(cuts[i % cuts.length]!, size - at);
			pieces.push({ offset: at, length });
			at += length;
		}
		const retransmissions = extra.map((e) => {
			const offset = e.offset % size;
			return { offset, length: Math.min(e.length, size - offset) };
		});
		return { size, pieces, retransmissions, order, dropMask };
	});

function payloadOf(size: number): Uint8Array {
	const bytes = new Uint8Array(size);
	for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 8)) & 0xff;
	return bytes;
}

function shuffle<T>(items: T[], order: number[]): T[] {
	const out = [...items];
	for (let i = out.length - 1; i > 0; i--) {
		const j = (order[i % Math.max(1, order.length)] ?? 0) % (i + 1);
		[out[i], out[j]] = [out[j]!, out[i]!];
	}
	return out;
}

function reassemble(payload: Uint8Array, pieces: Piece[]): RecordedFlow {
	const listener = new RecordingListener();
	const reassembler = new TcpReassembler(listener);
	reassembler.push(LINK_ETHERNET, 1, 0, frame({ ...CLIENT, seq: ISN, flags: "S" }));
	pieces.forEach((p, i) => {
		const data = frame({
			...CLIENT,
			seq: (ISN + 1 + p.offset) >>> 0,
			flags: "A",
			payload: payload.subarray(p.offset, p.offset + p.length),
		});
		reassembler.push(LINK_ETHERNET, 1, i + 1, data);
	});
	reassembler.push(
		LINK_ETHERNET,
		2,
		0,
		frame({ ...CLIENT, seq: (ISN + 1 + payload.length) >>> 0, flags: "FA" }),
	);
	reassembler.close();
	return listener.flows[0]!;
}

describe("reassembly properties", () => {
	test("any segmentation, order and retransmission gives back the exact stream", () => {
		fc.assert(
			fc.property(scenario, ({ size, pieces, retransmissions, order }) => {
				const payload = payloadOf(size);
				const flow = reassemble(payload, shuffle([...pieces, ...retransmissions], order));
				const delivered = flow.pieces[0];
				expect(delivered.every((p) => "bytes" in p)).toBe(true);
				const joined = Buffer.concat(delivered.map((p) => ("bytes" in p ? p.bytes : new Uint8Array(0))));
				expect(joined.equals(payload)).toBe(true);
				expect(flow.ends[0]).toBe("fin");
			}),
			{ numRuns: 150 },
		);
	});

	test("lost segments become gaps of exactly the bytes no copy carried, in place", () => {
		fc.assert(
			fc.property(scenario, ({ size, pieces, retransmissions, order, dropMask }) => {
				const payload = payloadOf(size);
				const sent = [...pieces, ...retransmissions].filter((_, i) => !dropMask[i]);
				const covered = new Uint8Array(size);
				for (const p of sent) covered.fill(1, p.offset, p.offset + p.length);
				const flow = reassemble(payload, shuffle(sent, order));
				let at = 0;
				for (const piece of flow.pieces[0]) {
					if ("gap" in piece) {
						expect(piece.gap).toBeGreaterThan(0);
						expect(covered.subarray(at, at + piece.gap).every((c) => c === 0)).toBe(true);
						at += piece.gap;
					} else {
						expect(covered.subarray(at, at + piece.bytes.length).every((c) => c === 1)).toBe(true);
						expect(Buffer.from(piece.bytes).equals(payload.subarray(at, at + piece.bytes.length))).toBe(true);
						at += piece.bytes.length;
					}
				}
				expect(at).toBe(size);
			}),
			{ numRuns: 150 },
		);
	});
});
