// One suite for every CaptureSource: framing of the records, npkt numbering, snaplen, sampling, live filter swaps and stop.

import { afterAll, describe, expect, test } from "bun:test";
import type { CaptureSource } from "../../src/capture/source.ts";
import { type CaptureDriver, liveDriver, scriptedDriver } from "./support/capture-drivers.ts";

interface Record {
	plen: number;
	caplen: number;
	len: number;
	npkt: number;
	data: Uint8Array;
}

/** Splits a batch into records, checking the framing invariants on the way. */
function parseBatch(batch: Uint8Array, out: Record[]): void {
	const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
	for (let at = 0; at < batch.length; ) {
		expect(view.getUint8(at)).toBe(0);
		expect(view.getUint8(at + 1)).toBe(7);
		const plen = view.getUint32(at + 4);
		const caplen = view.getUint32(at + 16);
		expect(plen).toBe(20 + caplen);
		out.push({
			plen,
			caplen,
			len: view.getUint32(at + 20),
			npkt: view.getUint32(at + 24),
			data: batch.slice(at + 28, at + 28 + caplen),
		});
		at += 8 + plen;
	}
}

function collect(source: CaptureSource): Record[] {
	const records: Record[] = [];
	source.start({
		onBatch: (batch, packets) => {
			const before = records.length;
			parseBatch(batch, records);
			expect(records.length - before).toBe(packets);
		},
		onError: (error) => {
			throw error;
		},
	});
	return records;
}

const seeds = (n: number, from = 1) => Array.from({ length: n }, (_, i) => from + i);
const drivers: CaptureDriver[] = [liveDriver("live (cc batch drain)", 47901), scriptedDriver()];
if (process.env.RPCAPD_DRAIN === undefined) {
	// The pcap_next_ex fallback runs in a child process (the choice is made once per process).
	test("the pcap_next_ex fallback passes the same suite", () => {
		const r = Bun.spawnSync([process.execPath, "test", import.meta.path], {
			env: { ...process.env, RPCAPD_DRAIN: "next_ex" },
			stdout: "pipe",
			stderr: "pipe",
		});
		const output = r.stderr.toString();
		expect(output).toContain("live (cc batch drain)"); // the same names: only the drain path differs
		expect(output).toMatch(/\n\s*\d+ pass\n\s*0 fail/);
		expect(r.exitCode).toBe(0);
	}, 60_000);
}

afterAll(async () => {
	for (const d of drivers) await d.close();
});

for (const driver of drivers) {
	describe(driver.name, () => {
		test("every packet becomes one record: npkt 1..N, caplen = plen - 20, data intact", async () => {
			const source = await driver.open({});
			const records = collect(source);
			await driver.inject(seeds(300), 200);
			await source.stop();
			expect(records.map((r) => driver.seedOf(r.data))).toEqual(seeds(300));
			expect(records.map((r) => r.npkt)).toEqual(seeds(300));
			expect(records.every((r) => r.len === r.caplen)).toBe(true);
			expect(source.counters()).toMatchObject({ emitted: 300, seen: 300, sampledOut: 0, truncated: 0 });
		});

		test("snaplen cuts caplen, keeps len, counts truncations", async () => {
			const source = await driver.open({ snaplen: 60 });
			const records = collect(source);
			await driver.inject(seeds(20, 1000), 400);
			await source.stop();
			expect(records.length).toBe(20);
			expect(records.every((r) => r.caplen === 60 && r.len > 60)).toBe(true);
			expect(source.counters().truncated).toBe(20);
		});

		test("sampling 1 in 10: the 1st, 11th, … are emitted with contiguous npkt", async () => {
			const source = await driver.open({});
			source.setSampling({ method: 1, value: 10 });
			const records = collect(source);
			await driver.inject(seeds(100, 2000), 50);
			await source.stop();
			expect(records.map((r) => driver.seedOf(r.data))).toEqual(seeds(10).map((i) => 2000 + (i - 1) * 10));
			expect(records.map((r) => r.npkt)).toEqual(seeds(10));
			expect(source.counters()).toMatchObject({ emitted: 10, seen: 100, sampledOut: 90 });
		});

		test("sampling first-after-250-ms: one packet per burst when bursts are 300 ms apart", async () => {
			const source = await driver.open({});
			source.setSampling({ method: 2, value: 250 });
			const records = collect(source);
			for (let burst = 0; burst < 4; burst++) {
				await driver.inject(seeds(5, 4000 + burst * 10), 50);
				await driver.pause(300);
			}
			await source.stop();
			expect(records.map((r) => driver.seedOf(r.data))).toEqual([4000, 4010, 4020, 4030]);
			expect(records.map((r) => r.npkt)).toEqual([1, 2, 3, 4]);
		});

		test("a new filter applies to the following packets; stop is idempotent", async () => {
			const source = await driver.open({});
			const records = collect(source);
			await driver.inject(seeds(10, 3000), 50);
			source.setFilter(new Uint8Array([6, 0, 0, 0, 0, 0, 0, 0])); // ret #0 (host order, little-endian)
			await driver.inject(seeds(10, 3100), 50);
			await source.stop();
			await source.stop();
			expect(records.map((r) => driver.seedOf(r.data))).toEqual(seeds(10, 3000));
		});
	});
}
