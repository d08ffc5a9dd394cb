// One DataSender suite, run against every sender: TCP, TCP+TLS, classic UDP and udpstr, over loopback.

import { afterAll, describe, expect, test } from "bun:test";
import type { DataFailure } from "../../src/daemon/data/sender.ts";
import { removeTestTlsMaterial, senderImplementations } from "./support/data-sender-harness.ts";
import {
	batchSeries,
	buildBatch,
	expectSameRecords,
	type PacketBatch,
	totalBytes,
	totalPackets,
	waitUntil,
} from "./support/packet-batches.ts";

afterAll(() => removeTestTlsMaterial());

/** Sends batches with a pause every few, so a UDP receiver keeps up on loopback. */
async function sendPaced(
	send: (batch: PacketBatch) => void,
	batches: readonly PacketBatch[],
	every = 8,
): Promise<void> {
	for (let i = 0; i < batches.length; i++) {
		send(batches[i] as PacketBatch);
		if (i % every === every - 1) await Bun.sleep(1);
	}
}

for (const implementation of senderImplementations) {
	const isTcp = implementation.transport === "tcp";

	describe(`DataSender conformance: ${implementation.name}`, () => {
		test("delivers every record byte-identical and in order, and the counters add up", async () => {
			const run = await implementation.open();
			try {
				const { sender, receiver } = run;
				expect(sender.transport).toBe(implementation.transport);
				const batches = batchSeries(120, 40, 9000, 7);
				await sendPaced((batch) => sender.sendBatch(batch.bytes, batch.packets), batches);
				const expected = batches.flatMap((batch) => batch.records);
				await sender.close(2000);
				await waitUntil(() => receiver.records.length >= expected.length, 3000);
				expectSameRecords(receiver.records, expected);
				const counters = sender.counters();
				expect(counters.packetsSent).toBe(totalPackets(batches));
				expect(counters.packetsDropped).toBe(0);
				expect(counters.datagramsDropped).toBe(0);
				expect(counters.packetsTruncated).toBe(0);
				expect(counters.queuedBytes).toBe(0);
				if (isTcp) {
					expect(counters.bytesSent).toBe(totalBytes(batches));
					expect(counters.datagramsSent).toBe(0);
				} else {
					expect(counters.datagramsSent).toBe(receiver.received());
					if (implementation.transport === "udp") {
						expect(counters.datagramsSent).toBe(totalPackets(batches));
						expect(counters.bytesSent).toBe(totalBytes(batches));
					}
				}
			} finally {
				await run.cleanup();
			}
		});

		test("works over IPv6 loopback (::1) and reports its endpoints", async () => {
			const run = await implementation.open({ family: 6 });
			try {
				const { sender, receiver } = run;
				expect(sender.local.address).toBe("::1");
				expect(sender.remote.address).toBe("::1");
				expect(sender.local.port).toBeGreaterThan(0);
				expect(sender.remote.port).toBeGreaterThan(0);
				const batches = batchSeries(20, 30, 9000, 11);
				await sendPaced((batch) => sender.sendBatch(batch.bytes, batch.packets), batches);
				await sender.close(2000);
				await waitUntil(() => receiver.records.length >= totalPackets(batches), 3000);
				expectSameRecords(
					receiver.records,
					batches.flatMap((batch) => batch.records),
				);
			} finally {
				await run.cleanup();
			}
		});

		test("reports IPv4 endpoints that match the receiver", async () => {
			const run = await implementation.open({ family: 4 });
			try {
				expect(run.sender.local.address).toBe("127.0.0.1");
				expect(run.sender.remote.address).toBe("127.0.0.1");
				expect(run.sender.local.port).not.toBe(run.sender.remote.port);
			} finally {
				await run.cleanup();
			}
		});

		test("close() sends everything still buffered before it resolves (J4)", async () => {
			// A long flush interval: only close() can push the udpstr tail out in time.
			const run = await implementation.open({ flushMs: 1000 });
			try {
				const { sender, receiver } = run;
				const batch = buildBatch(1, [60, 61, 62, 63, 64]);
				sender.sendBatch(batch.bytes, batch.packets);
				const started = performance.now();
				await sender.close(1000);
				expect(performance.now() - started).toBeLessThan(900);
				if (isTcp) expect(receiver.ended()).toBe(true);
				await waitUntil(() => receiver.records.length >= 5, 500);
				expectSameRecords(receiver.records, batch.records);
				expect(sender.counters().packetsSent).toBe(5);
			} finally {
				await run.cleanup();
			}
		});

		test("sendBatch after close drops and counts, never throws", async () => {
			const run = await implementation.open();
			try {
				const { sender } = run;
				await sender.close(100);
				const batch = buildBatch(1, [10, 20, 30]);
				expect(() => sender.sendBatch(batch.bytes, batch.packets)).not.toThrow();
				expect(sender.counters().packetsDropped).toBe(3);
				// A second close resolves too.
				await sender.close(100);
			} finally {
				await run.cleanup();
			}
		});

		test("a receiver that goes away triggers exactly one failure callback", async () => {
			const run = await implementation.open();
			try {
				const { sender, receiver } = run;
				const failures: DataFailure[] = [];
				sender.onFailure((failure) => failures.push(failure));
				const first = buildBatch(1, [100, 200]);
				sender.sendBatch(first.bytes, first.packets);
				await waitUntil(() => receiver.records.length === 2, 1000);
				run.closeReceiver();
				// Keep sending: the failure shows on the next sends (UDP: ICMP port unreachable, K11).
				let npkt = 3;
				await waitUntil(() => {
					const batch = buildBatch(npkt, [100, 100, 100]);
					npkt += 3;
					expect(() => sender.sendBatch(batch.bytes, batch.packets)).not.toThrow();
					return failures.length > 0;
				}, 3000);
				await Bun.sleep(50);
				expect(failures).toHaveLength(1);
				if (isTcp)
					expect(failures[0]).toEqual({ kind: "peer-closed", message: "Data connection closed by peer" });
				else expect(failures[0]).toEqual({ kind: "error", message: "send(udp) failed: Connection refused" });
				const batch = buildBatch(npkt, [10]);
				sender.sendBatch(batch.bytes, batch.packets);
				const counters = sender.counters();
				expect(counters.packetsSent + counters.packetsDropped).toBe(npkt);
				await sender.close(100);
				expect(failures).toHaveLength(1);
			} finally {
				await run.cleanup();
			}
		});

		test("backpressure with a small queue drops whole batches, counts them, bounds memory", async () => {
			const queueLimitBytes = 256 * 1024;
			const run = await implementation.open({ queueLimitBytes, flushMs: 1 });
			try {
				const { sender, receiver } = run;
				run.stopReceiving();
				const batches = batchSeries(600, 40, 9000, 3);
				const largestBatch = Math.max(...batches.map((batch) => batch.bytes.length));
				let maxQueued = 0;
				for (let i = 0; i < batches.length; i++) {
					const batch = batches[i] as PacketBatch;
					expect(() => sender.sendBatch(batch.bytes, batch.packets)).not.toThrow();
					maxQueued = Math.max(maxQueued, sender.counters().queuedBytes);
					if (i % 50 === 49) await Bun.sleep(1);
				}
				expect(maxQueued).toBeLessThanOrEqual(queueLimitBytes + largestBatch);
				const during = sender.counters();
				expect(during.packetsDropped).toBeGreaterThan(0);
				run.resumeReceiving();
				await sender.close(3000);
				const counters = sender.counters();
				expect(counters.packetsSent + counters.packetsDropped).toBe(totalPackets(batches));
				if (isTcp) await waitUntil(() => receiver.records.length >= counters.packetsSent, 3000);
				else await waitUntil(() => receiver.received() >= counters.datagramsSent, 3000);
				// udpstr counts a record by the datagram it starts in; one cut by a dropped continuation is lost.
				if (implementation.transport !== "udpstr") expect(receiver.records.length).toBe(counters.packetsSent);
				else expect(receiver.records.length).toBeLessThanOrEqual(counters.packetsSent);
				if (isTcp) {
					// Whole batches: every batch arrived complete or not at all, in order.
					const arrived = new Set(receiver.records.map((record) => record.npkt));
					for (const batch of batches) {
						const present = batch.records.filter((record) => arrived.has(record.npkt)).length;
						expect(present === 0 || present === batch.packets).toBe(true);
					}
					expectSameRecords(
						receiver.records,
						batches.flatMap((batch) => batch.records).filter((record) => arrived.has(record.npkt)),
					);
				} else {
					expect(counters.datagramsDropped).toBeGreaterThan(0);
					// What did arrive is intact and in order.
					const npkts = receiver.records.map((record) => record.npkt);
					expect(npkts).toEqual([...npkts].sort((a, b) => a - b));
				}
			} finally {
				await run.cleanup();
			}
		});
	});
}
