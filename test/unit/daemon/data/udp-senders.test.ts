import { describe, expect, test } from "bun:test";
import { setReceiveBufferSize } from "../../../../ffi/socket-options.ts";
import { DatagramSendQueue } from "../../../../src/daemon/data/datagram-send-queue.ts";
import { ClassicUdpSender, maxClassicCaplen } from "../../../../src/daemon/data/udp-classic-sender.ts";
import { openUdpTransport } from "../../../../src/daemon/data/udp-transport.ts";
import { UdpstrFlushIntervalError, UdpstrSender } from "../../../../src/daemon/data/udpstr-sender.ts";
import { ClassicUdpReceiver } from "../../../../src/protocol/classic-udp-receiver.ts";
import { UdpstrSizeError } from "../../../../src/protocol/udpstr-packer.ts";
import { UdpstrReceiver } from "../../../../src/protocol/udpstr-receiver.ts";
import { buildBatch, payloadFor, waitUntil } from "../../../conformance/support/packet-batches.ts";
import { FakeDatagramTransport } from "./fake-datagram-transport.ts";

function seqnoOf(datagram: Uint8Array): number {
	return new DataView(datagram.buffer, datagram.byteOffset).getUint32(4);
}

describe("classic UDP sender", () => {
	test("one PACKET message per datagram, all of a batch in one sendMany", () => {
		const transport = new FakeDatagramTransport();
		const sender = new ClassicUdpSender(transport);
		const batch = buildBatch(1, [0, 60, 1514, 9000]);
		sender.sendBatch(batch.bytes, batch.packets);
		expect(transport.sendCalls).toBe(1);
		expect(transport.sent.map((datagram) => datagram.length)).toEqual([28, 88, 1542, 9028]);
		expect(sender.counters()).toMatchObject({
			packetsSent: 4,
			datagramsSent: 4,
			bytesSent: batch.bytes.length,
		});
	});

	for (const family of [4, 6] as const) {
		test(`K6: a 65535-byte frame over IPv${family} is cut to one datagram, len kept, counted`, () => {
			const transport = new FakeDatagramTransport(family);
			const sender = new ClassicUdpSender(transport);
			const batch = buildBatch(1, [100, 65535, 100]);
			sender.sendBatch(batch.bytes, batch.packets);
			const limit = family === 4 ? 65479 : 65499;
			expect(maxClassicCaplen(family)).toBe(limit);
			expect(transport.sent).toHaveLength(3);
			const cut = transport.sent[1] as Uint8Array;
			expect(cut.length).toBe(28 + limit);
			const records: { caplen: number; len: number; data: Uint8Array }[] = [];
			const receiver = new ClassicUdpReceiver({
				snaplen: 65535,
				onRecord: (_s, _u, caplen, len, _n, data) => records.push({ caplen, len, data: data.slice() }),
			});
			for (const datagram of transport.sent) expect(receiver.receive(datagram)).toBe("accepted");
			expect(records[1]?.caplen).toBe(limit);
			expect(records[1]?.len).toBe(batch.records[1]?.len as number);
			expect(Buffer.compare(records[1]?.data as Uint8Array, payloadFor(2, 65535).subarray(0, limit))).toBe(0);
			expect(sender.counters()).toMatchObject({ packetsTruncated: 1, packetsSent: 3 });
			// The batch itself is left untouched.
			expect(new DataView(batch.bytes.buffer).getUint32(128 + 4)).toBe(20 + 65535);
		});
	}

	test("K6 over a real IPv4 socket: the cut datagram is accepted by the kernel and arrives", async () => {
		const records: number[] = [];
		const receiver = new ClassicUdpReceiver({
			snaplen: 65535,
			onRecord: (_s, _u, caplen) => records.push(caplen),
		});
		const socket = await Bun.udpSocket({
			hostname: "127.0.0.1",
			socket: { data: (_socket, data) => void receiver.receive(data) },
		});
		setReceiveBufferSize((socket as unknown as { fd: number }).fd, 1 << 20);
		const sender = new ClassicUdpSender(await openUdpTransport("127.0.0.1", socket.port));
		const batch = buildBatch(1, [65535, 10]);
		sender.sendBatch(batch.bytes, batch.packets);
		await waitUntil(() => records.length === 2, 1000);
		expect(records).toEqual([65479, 10]);
		await sender.close(100);
		socket.close();
	});

	test("a fatal asynchronous error fails once with the OS reason and drops what is queued", async () => {
		const transport = new FakeDatagramTransport();
		const sender = new ClassicUdpSender(transport);
		const failures: unknown[] = [];
		sender.onFailure((failure) => failures.push(failure));
		transport.capacity = 1;
		const batch = buildBatch(1, [10, 10, 10]);
		sender.sendBatch(batch.bytes, batch.packets);
		expect(sender.counters().queuedBytes).toBe(2 * 38);
		transport.raise("ECONNREFUSED", "ECONNREFUSED: connection refused, recv");
		transport.raise("ECONNREFUSED");
		await Bun.sleep(1);
		expect(failures).toEqual([{ kind: "error", message: "send(udp) failed: Connection refused" }]);
		expect(transport.closed).toBe(true);
		expect(sender.counters()).toMatchObject({ packetsSent: 1, packetsDropped: 2, queuedBytes: 0 });
	});

	test("transient errors (ENOBUFS, EAGAIN) do not end the channel", async () => {
		const transport = new FakeDatagramTransport();
		const sender = new ClassicUdpSender(transport);
		const failures: unknown[] = [];
		sender.onFailure((failure) => failures.push(failure));
		transport.raise("ENOBUFS");
		transport.raise("EAGAIN");
		await Bun.sleep(1);
		expect(failures).toEqual([]);
		const batch = buildBatch(1, [10]);
		sender.sendBatch(batch.bytes, batch.packets);
		expect(sender.counters().packetsSent).toBe(1);
	});
});

describe("datagram send queue", () => {
	test("keeps what the socket refuses, sends it on drain, in order", async () => {
		const transport = new FakeDatagramTransport();
		const outcomes: string[] = [];
		const queue = new DatagramSendQueue(
			transport,
			1000,
			{
				sent: (datagram) => outcomes.push(`sent ${datagram[0]}`),
				dropped: (datagram) => outcomes.push(`dropped ${datagram[0]}`),
			},
			() => outcomes.push("fatal"),
		);
		transport.capacity = 1;
		const reused = [new Uint8Array(100).fill(1), new Uint8Array(100).fill(2), new Uint8Array(100).fill(3)];
		queue.send(reused);
		// The caller reuses its buffers right away: the queue must have copied them.
		for (const datagram of reused) datagram.fill(9);
		expect(queue.queuedBytes).toBe(200);
		transport.open();
		expect(queue.queuedBytes).toBe(0);
		expect(outcomes).toEqual(["sent 1", "sent 2", "sent 3"]);
		expect(transport.sent.map((datagram) => datagram[0])).toEqual([1, 2, 3]);
		expect(await queue.waitEmpty(10)).toBe(true);
	});

	test("drops datagrams beyond the limit and counts them; memory stays bounded", () => {
		const transport = new FakeDatagramTransport();
		let dropped = 0;
		const queue = new DatagramSendQueue(transport, 1000, { sent() {}, dropped: () => dropped++ }, () => {});
		transport.capacity = 0;
		for (let i = 0; i < 100; i++) queue.send([new Uint8Array(300)]);
		expect(queue.queuedBytes).toBe(900);
		expect(dropped).toBe(97);
		queue.stop();
		expect(dropped).toBe(100);
		queue.send([new Uint8Array(10)]);
		expect(dropped).toBe(101);
	});

	test("a datagram the socket never takes is dropped after 100 attempts, the rest go on", async () => {
		const transport = new FakeDatagramTransport();
		const outcomes: string[] = [];
		const queue = new DatagramSendQueue(
			transport,
			1 << 20,
			{ sent: (d) => outcomes.push(`sent ${d[0]}`), dropped: (d) => outcomes.push(`dropped ${d[0]}`) },
			() => {},
		);
		transport.capacity = 0;
		queue.send([new Uint8Array(10).fill(1), new Uint8Array(10).fill(2)]);
		// Refuse only the head: after enough retries it is dropped, then everything flows.
		const realSend = transport.sendMany.bind(transport);
		let refusals = 0;
		transport.sendMany = (datagrams) => {
			if (datagrams[0]?.[0] === 1) {
				refusals++;
				return 0;
			}
			transport.capacity = Number.POSITIVE_INFINITY;
			return realSend(datagrams);
		};
		expect(await queue.waitEmpty(2000)).toBe(true);
		expect(refusals).toBeGreaterThanOrEqual(99);
		expect(outcomes).toEqual(["dropped 1", "sent 2"]);
	});

	test("a throwing sendMany is fatal", () => {
		const transport = new FakeDatagramTransport();
		const fatal: unknown[] = [];
		let dropped = 0;
		const queue = new DatagramSendQueue(transport, 1000, { sent() {}, dropped: () => dropped++ }, (error) =>
			fatal.push(error),
		);
		transport.closed = true;
		queue.send([new Uint8Array(10), new Uint8Array(10)]);
		expect(fatal).toHaveLength(1);
		expect(dropped).toBe(2);
	});
});

describe("udpstr sender", () => {
	test("rejects flush intervals outside 1..1000 ms and datagram sizes outside 64..65000", () => {
		for (const flushMs of [0, 1001, 2.5]) {
			expect(() => new UdpstrSender(new FakeDatagramTransport(), { flushMs })).toThrow(
				UdpstrFlushIntervalError,
			);
		}
		for (const datagramSize of [20, 63, 65001, -1]) {
			expect(() => new UdpstrSender(new FakeDatagramTransport(), { datagramSize })).toThrow(UdpstrSizeError);
		}
	});

	test("datagram size defaults to 1472 on IPv4 and 1452 on IPv6", () => {
		expect(new UdpstrSender(new FakeDatagramTransport(4)).datagramSize).toBe(1472);
		expect(new UdpstrSender(new FakeDatagramTransport(6)).datagramSize).toBe(1452);
		expect(new UdpstrSender(new FakeDatagramTransport(6), { datagramSize: 9000 }).datagramSize).toBe(9000);
	});

	test("K8: five packets then silence all leave within the flush interval", async () => {
		const transport = new FakeDatagramTransport();
		const sender = new UdpstrSender(transport, { flushMs: 20 });
		const batch = buildBatch(1, [60, 60, 60, 60, 60]);
		const started = performance.now();
		sender.sendBatch(batch.bytes, batch.packets);
		expect(transport.sent).toHaveLength(0);
		await waitUntil(() => transport.sent.length > 0, 200);
		const elapsed = performance.now() - started;
		expect(elapsed).toBeLessThan(20 + 15);
		expect(elapsed).toBeGreaterThanOrEqual(15);
		expect(transport.sent).toHaveLength(1);
		expect(sender.counters()).toMatchObject({ packetsSent: 5, datagramsSent: 1 });
		await sender.close(100);
	});

	test("K8 over a real socket: the tail reaches the receiver within 20 ms (+ tolerance)", async () => {
		const records: number[] = [];
		let arrivedAt = 0;
		const receiver = new UdpstrReceiver({
			snaplen: 65535,
			onRecord: (_s, _u, _c, _l, npkt) => records.push(npkt),
		});
		const socket = await Bun.udpSocket({
			hostname: "127.0.0.1",
			socket: {
				data: (_socket, data) => {
					receiver.receive(data);
					arrivedAt = performance.now();
				},
			},
		});
		const sender = new UdpstrSender(await openUdpTransport("127.0.0.1", socket.port));
		const batch = buildBatch(1, [60, 70, 80, 90, 100]);
		const sentAt = performance.now();
		sender.sendBatch(batch.bytes, batch.packets);
		await waitUntil(() => records.length === 5, 500);
		expect(records).toEqual([1, 2, 3, 4, 5]);
		expect(arrivedAt - sentAt).toBeLessThan(20 + 15);
		await sender.close(100);
		socket.close();
	});

	test("age counts from a datagram's first byte: a trickle cannot postpone the flush", async () => {
		const transport = new FakeDatagramTransport();
		const sender = new UdpstrSender(transport, { flushMs: 30 });
		const started = performance.now();
		let npkt = 1;
		// One small packet every 5 ms never fills a datagram (15 record starts) before 30 ms have passed.
		while (transport.sent.length === 0 && performance.now() - started < 200) {
			const batch = buildBatch(npkt++, [10]);
			sender.sendBatch(batch.bytes, batch.packets);
			await Bun.sleep(5);
		}
		expect(transport.sent.length).toBeGreaterThan(0);
		expect(performance.now() - started).toBeLessThan(30 + 20);
		await sender.close(100);
	});

	test("K13: datagrams dropped under backpressure still consume their seqno; the receiver sees the gap", async () => {
		const transport = new FakeDatagramTransport();
		const sender = new UdpstrSender(transport, { queueLimitBytes: 3 * 1472 });
		transport.capacity = 2;
		// 50 records of 1000 bytes: 35+ full datagrams; 2 accepted, 3 queued, the rest dropped.
		const batch = buildBatch(
			1,
			Array.from({ length: 50 }, () => 1000),
		);
		sender.sendBatch(batch.bytes, batch.packets);
		const during = sender.counters();
		expect(during.datagramsSent).toBe(2);
		expect(during.datagramsDropped).toBeGreaterThan(20);
		transport.open();
		await sender.close(100);
		const counters = sender.counters();
		expect(counters.packetsSent + counters.packetsDropped).toBe(50);
		const seqnos = transport.sent.map(seqnoOf);
		expect(seqnos.slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
		expect(seqnos[5]).toBe(seqnos.length - 1 + counters.datagramsDropped);
		const receiver = new UdpstrReceiver({ snaplen: 65535, onRecord() {} });
		for (const datagram of transport.sent) receiver.receive(datagram);
		expect(receiver.counters.lostDatagrams).toBe(counters.datagramsDropped);
	});

	test("100 kpps-scale batches reach a loopback receiver without loss (udpstr and classic)", async () => {
		for (const framing of ["udpstr", "classic"] as const) {
			let records = 0;
			const onRecord = () => {
				records++;
			};
			const receiver =
				framing === "udpstr"
					? new UdpstrReceiver({ snaplen: 65535, onRecord })
					: new ClassicUdpReceiver({ snaplen: 65535, onRecord });
			const socket = await Bun.udpSocket({
				hostname: "127.0.0.1",
				socket: { data: (_socket, data) => void receiver.receive(data) },
			});
			setReceiveBufferSize((socket as unknown as { fd: number }).fd, 64 << 20);
			const transport = await openUdpTransport("127.0.0.1", socket.port);
			const sender = framing === "udpstr" ? new UdpstrSender(transport) : new ClassicUdpSender(transport);
			const batches = 50;
			const perBatch = 1000;
			const started = performance.now();
			for (let b = 0; b < batches; b++) {
				const batch = buildBatch(
					1 + b * perBatch,
					Array.from({ length: perBatch }, () => 64),
				);
				sender.sendBatch(batch.bytes, batch.packets);
				// ~10 ms per 1000 packets: 100 kpps.
				await Bun.sleep(b % 2 === 0 ? 10 : 9);
			}
			await sender.close(1000);
			await waitUntil(() => records === batches * perBatch, 2000);
			const seconds = (performance.now() - started) / 1000;
			expect(records).toBe(batches * perBatch);
			expect(receiver.counters.lostRecords).toBe(0);
			expect(sender.counters().packetsDropped).toBe(0);
			expect((batches * perBatch) / seconds).toBeGreaterThan(50_000);
			socket.close();
		}
	});
});
