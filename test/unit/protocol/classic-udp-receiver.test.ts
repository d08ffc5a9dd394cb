// Tests for the classic UDP receiver: one PACKET per datagram, npkt gaps, reordering, malformed datagrams

import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ClassicUdpReceiver } from "../../../src/protocol/classic-udp-receiver.ts";
import { SnaplenError } from "../../../src/protocol/pkthdr.ts";

/** A classic PACKET datagram: rpcap_header (ver 0, type 7, value 0, plen) + rpcap_pkthdr + data. */
function packet(npkt: number, caplen: number): Uint8Array {
	const d = new Uint8Array(28 + caplen);
	const view = new DataView(d.buffer);
	d[1] = 7;
	view.setUint32(4, 20 + caplen);
	view.setUint32(8, 1_700_000_000 + npkt);
	view.setUint32(12, npkt % 1_000_000);
	view.setUint32(16, caplen);
	view.setUint32(20, caplen + 4);
	view.setUint32(24, npkt);
	for (let i = 0; i < caplen; i++) d[28 + i] = (npkt + i) & 0xff;
	return d;
}

interface Received {
	tsSec: number;
	tsUsec: number;
	len: number;
	npkt: number;
	data: Uint8Array;
}

function collecting(snaplen = 65535) {
	const received: Received[] = [];
	const receiver = new ClassicUdpReceiver({
		snaplen,
		onRecord: (tsSec, tsUsec, caplen, len, npkt, data) => {
			expect(data.length).toBe(caplen);
			received.push({ tsSec, tsUsec, len, npkt, data: data.slice() });
		},
	});
	return { receiver, received };
}

describe("ClassicUdpReceiver", () => {
	test("in-order packets come out field for field, zero-length ones included (K4)", () => {
		const { receiver, received } = collecting();
		for (const [npkt, caplen] of [
			[1, 60],
			[2, 0],
			[3, 1514],
		] as const) {
			expect(receiver.receive(packet(npkt, caplen))).toBe("accepted");
		}
		expect(received.map((r) => [r.npkt, r.data.length, r.len, r.tsSec, r.tsUsec])).toEqual([
			[1, 60, 64, 1_700_000_001, 1],
			[2, 0, 4, 1_700_000_002, 2],
			[3, 1514, 1518, 1_700_000_003, 3],
		]);
		expect(received[2]!.data).toEqual(packet(3, 1514).subarray(28));
		expect(receiver.counters).toEqual({
			datagramsReceived: 3,
			bytesReceived: 88 + 28 + 1542,
			lostRecords: 0,
			lateDatagrams: 0,
			malformedDatagrams: 0,
			recordsEmitted: 3,
			recordBytes: 1574,
		});
	});

	test("npkt gaps count lost packets, including packets missing before the first one received", () => {
		const { receiver, received } = collecting();
		for (const npkt of [3, 4, 7, 8, 20]) receiver.receive(packet(npkt, 10));
		expect(received.map((r) => r.npkt)).toEqual([3, 4, 7, 8, 20]);
		expect(receiver.counters.lostRecords).toBe(2 + 2 + 11);
	});

	test("reordered and duplicated packets are late and dropped; npkt wraps mod 2^32", () => {
		const { receiver, received } = collecting();
		const order = [1, 3, 2, 3, 4, 4, 1];
		expect(order.map((npkt) => receiver.receive(packet(npkt, 1)))).toEqual([
			"accepted",
			"accepted",
			"late",
			"late",
			"accepted",
			"late",
			"late",
		]);
		expect(received.map((r) => r.npkt)).toEqual([1, 3, 4]);
		expect(receiver.counters).toMatchObject({ lostRecords: 1, lateDatagrams: 4 });
		// From npkt 1, 0xfffffffe is behind (distance ≥ 2^31): late. Reach the wrap in steps below 2^31.
		const wrap = collecting();
		expect(wrap.receiver.receive(packet(0xfffffffe, 1))).toBe("late");
		const steps = [0x70000000, 0xe0000000, 0xfffffffe, 0xffffffff, 0, 2];
		for (const npkt of steps) expect(wrap.receiver.receive(packet(npkt, 1))).toBe("accepted");
		expect(wrap.received.map((r) => r.npkt)).toEqual(steps);
		expect(wrap.receiver.counters.lostRecords).toBe(0x6fffffff + 0x6fffffff + 0x1ffffffd + 1);
		expect(wrap.receiver.receive(packet(0xffffffff, 1))).toBe("late");
	});

	test("malformed datagrams are counted and do not disturb the npkt sequence", () => {
		const { receiver, received } = collecting(1000);
		const withByte = (at: number, value: number) => {
			const d = packet(2, 30);
			d[at] = value;
			return d;
		};
		const bad = [
			new Uint8Array(0),
			packet(2, 30).subarray(0, 27),
			withByte(0, 1), // ver
			withByte(1, 110), // type
			withByte(7, 49), // plen one short of the datagram
			withByte(7, 51), // plen one past the datagram
			withByte(19, 31), // caplen ≠ plen − 20
			packet(2, 30).subarray(0, 57), // truncated datagram: plen no longer matches
			packet(2, 1001), // caplen above snaplen
		];
		receiver.receive(packet(1, 5));
		for (const d of bad) expect(receiver.receive(d)).toBe("malformed");
		receiver.receive(packet(2, 1000));
		expect(received.map((r) => r.npkt)).toEqual([1, 2]);
		expect(receiver.counters).toMatchObject({
			malformedDatagrams: bad.length,
			lostRecords: 0,
			recordsEmitted: 2,
		});
	});

	test("arbitrary bytes never throw; every packet handed out has caplen ≤ snaplen", () => {
		const datagram = fc.oneof(
			fc.uint8Array({ maxLength: 120 }),
			fc.tuple(fc.nat(5), fc.integer({ min: 0, max: 90 }), fc.nat(40)).map(([npkt, caplen, flip]) => {
				const d = packet(npkt, caplen);
				d[flip % d.length]! ^= 1 << (npkt % 8);
				return d;
			}),
		);
		fc.assert(
			fc.property(fc.array(datagram, { maxLength: 30 }), (input) => {
				const receiver = new ClassicUdpReceiver({
					snaplen: 64,
					onRecord: (_s, _u, caplen, _l, _n, data) => {
						expect(caplen).toBeLessThanOrEqual(64);
						expect(data.length).toBe(caplen);
					},
				});
				for (const d of input) receiver.receive(d);
				const c = receiver.counters;
				expect(c.recordsEmitted + c.lateDatagrams + c.malformedDatagrams).toBe(input.length);
			}),
			{ numRuns: 300 },
		);
	});

	test("a snaplen that is not an integer is a typed error", () => {
		expect(() => new ClassicUdpReceiver({ snaplen: Number.NaN, onRecord: () => {} })).toThrow(SnaplenError);
	});
});
