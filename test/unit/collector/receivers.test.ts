// Data receivers: the TCP stream parser under any segmentation, and the UDP receiver's dispatch and accounting.

import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { TcpStreamReceiver, UdpDataReceiver } from "../../../src/collector/index.ts";
import { encodeMessage, encodePacket, UdpstrPacker } from "../../../src/protocol/index.ts";

interface Got {
	tsSec: number;
	tsUsec: number;
	len: number;
	npkt: number;
	data: number[];
}

function collector() {
	const got: Got[] = [];
	return {
		got,
		onRecord: (
			tsSec: number,
			tsUsec: number,
			_caplen: number,
			len: number,
			npkt: number,
			data: Uint8Array,
		) => {
			got.push({ tsSec, tsUsec, len, npkt, data: Array.from(data) });
		},
	};
}

function packet(npkt: number, caplen: number): Uint8Array {
	return encodePacket({
		timestampSec: 1000 + npkt,
		timestampUsec: npkt,
		length: caplen + 4,
		npkt,
		data: new Uint8Array(caplen).map((_, i) => (npkt * 31 + i) & 0xff),
	});
}

function expected(npkts: number[], caplens: number[]): Got[] {
	return npkts.map((npkt, i) => ({
		tsSec: 1000 + npkt,
		tsUsec: npkt,
		len: caplens[i]! + 4,
		npkt,
		data: Array.from(new Uint8Array(caplens[i]!).map((_, j) => (npkt * 31 + j) & 0xff)),
	}));
}

describe("TcpStreamReceiver", () => {
	test("any segmentation of the stream yields the same records, in order (property)", () => {
		fc.assert(
			fc.property(
				fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 40 }),
				fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 30 }),
				(caplens, cuts) => {
					const stream = Buffer.concat(caplens.map((caplen, i) => packet(i + 1, caplen)));
					const { got, onRecord } = collector();
					const receiver = new TcpStreamReceiver(300, onRecord);
					let at = 0;
					for (let i = 0; at < stream.length; i++) {
						const size = cuts[i % cuts.length]!;
						expect(receiver.push(stream.subarray(at, at + size))).toBe(true);
						at += size;
					}
					receiver.finish();
					expect(got).toEqual(
						expected(
							caplens.map((_, i) => i + 1),
							caplens,
						),
					);
					expect(receiver.counters()).toMatchObject({
						packets: caplens.length,
						lostRecords: 0,
						malformed: 0,
					});
				},
			),
			{ numRuns: 150 },
		);
	});

	test("npkt gaps count lost packets; non-PACKET or inconsistent messages are skipped and counted", () => {
		const { got, onRecord } = collector();
		const receiver = new TcpStreamReceiver(1500, onRecord);
		const lying = packet(6, 10);
		new DataView(lying.buffer).setUint32(16, 11); // caplen 11 > plen − 20
		receiver.push(
			Buffer.concat([
				packet(1, 10),
				packet(4, 10),
				encodeMessage(0x6e, 0, new Uint8Array(30)),
				lying,
				packet(7, 10),
			]),
		);
		expect(got.map((g) => g.npkt)).toEqual([1, 4, 7]);
		// npkt 2, 3, 5 and the dropped 6: packets + lost = every npkt up to 7.
		expect(receiver.counters()).toMatchObject({ packets: 3, bytes: 30, lostRecords: 4, malformed: 2 });
	});

	test("udpstr framing on TCP (the ExtraHop fork's default) is recognised and refused with a hint", () => {
		const { got, onRecord } = collector();
		const receiver = new TcpStreamReceiver(1500, onRecord);
		const packer = new UdpstrPacker();
		const [datagram] = packer.packRecord(packet(1, 100).subarray(8)).concat(packer.flush());
		expect(receiver.push(datagram!)).toBe(false);
		expect(receiver.failure?.message).toContain("use --transport udpstr");
		expect(got).toEqual([]);
	});

	test("a message larger than 20 + snaplen breaks the stream; a cut message at the end is counted", () => {
		const { onRecord } = collector();
		const receiver = new TcpStreamReceiver(100, onRecord);
		expect(receiver.push(packet(1, 101))).toBe(false);
		expect(receiver.failure?.message).toBe(
			"Sensor sent a data message of 121 bytes, larger than the largest expected packet message (120)",
		);
		const cut = new TcpStreamReceiver(100, onRecord);
		cut.push(packet(1, 50).subarray(0, 40));
		cut.finish();
		expect(cut.counters().malformed).toBe(1);
	});
});

describe("UdpDataReceiver", () => {
	test("udpstr datagrams: records reassembled, seqno and npkt gaps counted, framing reported once", () => {
		const { got, onRecord } = collector();
		const framings: string[] = [];
		const receiver = new UdpDataReceiver({
			snaplen: 2000,
			sensorAddress: "::ffff:10.0.0.5",
			onRecord,
			onFraming: (f) => framings.push(f),
		});
		const packer = new UdpstrPacker({ datagramSize: 600 });
		const caplens = Array.from({ length: 40 }, (_, i) => 100 + ((i * 97) % 900));
		const datagrams: Uint8Array[] = [];
		caplens.forEach((caplen, i) => {
			for (const d of packer.packRecord(packet(i + 1, caplen).subarray(8))) datagrams.push(d.slice());
		});
		for (const d of packer.flush()) datagrams.push(d.slice());
		const dropped = 7;
		datagrams.forEach((d, i) => {
			if (i !== dropped) receiver.receive(d, "10.0.0.5");
		});
		receiver.receive(datagrams[0]!, "10.0.0.6");
		receiver.finish();
		const c = receiver.counters();
		expect(framings).toEqual(["udpstr"]);
		expect(c.lostDatagrams).toBe(1);
		expect(c.foreignDatagrams).toBe(1);
		expect(c.packets + c.lostRecords).toBe(caplens.length);
		expect(c.lostRecords).toBeGreaterThan(0);
		const want = expected(
			caplens.map((_, i) => i + 1),
			caplens,
		);
		expect(got).toEqual(want.filter((w) => got.some((g) => g.npkt === w.npkt)));
	});

	test("classic datagrams go to the classic receiver (npkt gaps); malformed ones are counted", () => {
		const { got, onRecord } = collector();
		const framings: string[] = [];
		const receiver = new UdpDataReceiver({
			snaplen: 1500,
			sensorAddress: "127.0.0.2",
			onRecord,
			onFraming: (f) => framings.push(f),
		});
		receiver.receive(new Uint8Array(5), "127.0.0.2");
		for (const npkt of [1, 2, 5]) receiver.receive(packet(npkt, 20), "127.0.0.2");
		expect(framings).toEqual(["classic"]);
		expect(got.map((g) => g.npkt)).toEqual([1, 2, 5]);
		expect(receiver.counters()).toMatchObject({
			packets: 3,
			bytes: 60,
			lostRecords: 2,
			malformed: 1,
			lostDatagrams: 0,
		});
	});
});
