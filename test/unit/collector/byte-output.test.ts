// FdByteOutput: ordered writes, a bounded queue whose refusals are counted, failures that lose no count.

import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FdByteOutput, OutputError, openFileOutput, PcapSink } from "../../../src/collector/index.ts";

const dir = mkdtempSync(join(tmpdir(), "rpcapd-output-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("FdByteOutput", () => {
	test("batches are written in order", async () => {
		const path = join(dir, "order.bin");
		const output = openFileOutput(path);
		for (let i = 0; i < 200; i++) {
			expect(output.write([Uint8Array.of(i), Uint8Array.of(i, i)], 3, 1)).toBe(true);
		}
		await output.close();
		const bytes = readFileSync(path);
		expect(bytes.length).toBe(600);
		for (let i = 0; i < 200; i++) expect(Array.from(bytes.subarray(i * 3, i * 3 + 3))).toEqual([i, i, i]);
		expect(output.write([Uint8Array.of(1)], 1, 1)).toBe(false);
	});

	test("beyond the queue bound a batch is refused, so its packets can be counted as dropped", async () => {
		const path = join(dir, "bound.bin");
		const fd = openSync(path, "w");
		const output = new FdByteOutput(path, fd, { ownsFd: true, maxQueuedBytes: 1000 });
		const big = new Uint8Array(600);
		// Bytes in flight count toward the bound.
		expect(output.write([big], 600, 5)).toBe(true);
		expect(output.write([big], 600, 5)).toBe(false);
		await output.drain();
		expect(output.write([big], 600, 5)).toBe(true);
		await output.close();
		expect(readFileSync(path).length).toBe(1200);
	});

	test("a failing descriptor: the failure is reported and the packets it held are lost, counted", async () => {
		const path = join(dir, "fail.bin");
		const fd = openSync(path, "w");
		closeSync(fd);
		const output = new FdByteOutput(path, fd, { ownsFd: false });
		expect(output.write([new Uint8Array(10)], 10, 4)).toBe(true);
		await output.drain();
		expect(output.failure).toBeInstanceOf(OutputError);
		expect(output.failure!.message).toMatch(/^Cannot write ".*fail.bin": /);
		expect(output.lostPackets).toBe(4);
		expect(output.write([new Uint8Array(10)], 10, 1)).toBe(false);
	});

	test("a sink over a failed output reports the drops and the error", async () => {
		const path = join(dir, "sink.bin");
		const fd = openSync(path, "w");
		closeSync(fd);
		const sink = new PcapSink(() => new FdByteOutput(path, fd, { ownsFd: false }), { handoffBytes: 64 });
		const id = sink.addStream({ sensor: "s", iface: "i", linktype: 1, snaplen: 100 });
		for (let i = 0; i < 10; i++) sink.write(id, i, 0, 50, new Uint8Array(50));
		await sink.flush();
		for (let i = 0; i < 10; i++) sink.write(id, i, 0, 50, new Uint8Array(50));
		await sink.flush();
		const stats = sink.stats();
		expect(stats.packetsDropped).toBe(20);
		expect(stats.packetsWritten).toBe(0);
		expect(stats.lastError).toMatch(/^Cannot write/);
	});
});
