// One Sink suite, run against every sink: pcap file, pcapng file, a pipe stream, split files, rotating files.

import { describe, expect, test } from "bun:test";
import type { Sink, StreamInfo } from "../../src/collector/sink/sink.ts";
import { payloadFor } from "./support/packet-batches.ts";
import {
	sinkImplementations,
	streamA,
	streamB,
	streamName,
	type WrittenPacket,
} from "./support/sink-harness.ts";

interface Sent {
	stream: StreamInfo;
	tsSec: number;
	tsUsec: number;
	len: number;
	data: Uint8Array;
}

/** Writes `count` packets alternating irregularly between the streams, sizes 1..1600 bytes. */
function writeSeries(sink: Sink, streams: StreamInfo[], count: number, firstSeed = 1): Sent[] {
	const ids = streams.map((info) => sink.addStream(info));
	const sent: Sent[] = [];
	for (let i = 0; i < count; i++) {
		const seed = firstSeed + i;
		const which = (seed * 7) % 5 < 3 ? 0 : streams.length - 1;
		const caplen = 1 + (((seed * 2654435761) >>> 0) % 1600);
		const packet: Sent = {
			stream: streams[which]!,
			tsSec: 1_700_000_000 + seed,
			tsUsec: (seed * 7919) % 1_000_000,
			len: caplen + (seed % 4),
			data: payloadFor(seed, caplen),
		};
		sink.write(ids[which]!, packet.tsSec, packet.tsUsec, packet.len, packet.data);
		sent.push(packet);
	}
	return sent;
}

function expectSame(actual: WrittenPacket[], expected: Sent[]): void {
	expect(actual.length).toBe(expected.length);
	for (let i = 0; i < expected.length; i++) {
		const a = actual[i]!;
		const e = expected[i]!;
		expect(a.tsSec).toBe(e.tsSec);
		expect(a.tsUsec).toBe(e.tsUsec);
		expect(a.len).toBe(e.len);
		expect(a.data.length).toBe(e.data.length);
		expect(Buffer.from(a.data).equals(Buffer.from(e.data))).toBe(true);
	}
}

/** Packets of one stream, in output order. */
function ofStream(packets: WrittenPacket[], info: StreamInfo): WrittenPacket[] {
	return packets.filter((p) => p.stream === streamName(info));
}

for (const implementation of sinkImplementations) {
	describe(`Sink conformance: ${implementation.name}`, () => {
		test("every packet comes back byte-identical, in order, timestamps and lengths as given", async () => {
			const run = implementation.open();
			try {
				const sent = writeSeries(run.sink, [streamA], 3000);
				await run.sink.flush();
				expectSame(await run.readBack(), sent);
			} finally {
				await run.cleanup();
			}
		});

		test("two streams: each packet attributed to its stream (or kept in write order)", async () => {
			const run = implementation.open();
			try {
				const sent = writeSeries(run.sink, [streamA, streamB], 2000, 500);
				await run.sink.close();
				const back = await run.readBack();
				if (implementation.attributes) {
					for (const info of [streamA, streamB]) {
						expectSame(
							ofStream(back, info),
							sent.filter((s) => s.stream === info),
						);
					}
					expect(back.every((p) => p.stream !== null)).toBe(true);
				} else {
					expectSame(back, sent);
				}
			} finally {
				await run.cleanup();
			}
		});

		test("addStream is idempotent and fileOf names the output", async () => {
			const run = implementation.open();
			try {
				const id = run.sink.addStream(streamA);
				expect(run.sink.addStream({ ...streamA })).toBe(id);
				const other = run.sink.addStream(streamB);
				expect(run.sink.addStream(streamB)).toBe(other);
				run.sink.write(id, 1, 2, 3, new Uint8Array([1, 2, 3]));
				await run.sink.flush();
				expect(typeof run.sink.fileOf(id)).toBe("string");
				expect(run.sink.fileOf(id)!.length).toBeGreaterThan(0);
			} finally {
				await run.cleanup();
			}
		});

		test("counters: written packets and bytes match the output once flushed; nothing dropped", async () => {
			const run = implementation.open();
			try {
				const sent = writeSeries(run.sink, [streamA, streamB], 1500, 9000);
				await run.sink.flush();
				await run.readBack();
				const stats = run.sink.stats();
				expect(stats.packetsWritten).toBe(sent.length);
				expect(stats.packetsDropped).toBe(0);
				expect(stats.lastError).toBeNull();
				expect(stats.filesOpened).toBeGreaterThanOrEqual(1);
				expect(stats.bytesWritten).toBe(run.outputBytes());
			} finally {
				await run.cleanup();
			}
		});

		test("flush makes everything so far readable without closing; writing continues afterwards", async () => {
			const run = implementation.open();
			try {
				const first = writeSeries(run.sink, [streamA], 400, 1);
				await run.sink.flush();
				expectSame(await run.readBack(), first);
				const second = writeSeries(run.sink, [streamA], 400, 401);
				await run.sink.close();
				expectSame(await run.readBack(), [...first, ...second]);
			} finally {
				await run.cleanup();
			}
		});

		test("writes after close are counted as dropped, never thrown or written", async () => {
			const run = implementation.open();
			try {
				const id = run.sink.addStream(streamA);
				run.sink.write(id, 10, 20, 4, new Uint8Array([9, 8, 7, 6]));
				await run.sink.close();
				expect(() => run.sink.write(id, 11, 21, 4, new Uint8Array([1, 1, 1, 1]))).not.toThrow();
				const stats = run.sink.stats();
				expect(stats.packetsWritten).toBe(1);
				expect(stats.packetsDropped).toBe(1);
				expect((await run.readBack()).length).toBe(1);
			} finally {
				await run.cleanup();
			}
		});
	});
}
