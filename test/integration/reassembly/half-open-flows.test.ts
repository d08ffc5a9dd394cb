import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runReassemble } from "../../../src/cli/reassemble-command.ts";
import { PcapWriter } from "../../../src/formats/index.ts";
import { frame } from "../../unit/reassembly/packet-builder.ts";

const FLOWS = 100_000;
const workDirectory = mkdtempSync("/tmp/rpcapd-half-open-");
const pcap = join(workDirectory, "half-open.pcap");

/** Every flow: a SYN that is never answered, then 200 bytes 300 bytes past the SYN (a hole before them). */
function writeHalfOpenCapture(): void {
	const writer = new PcapWriter({ linktype: 1, chunkSize: 4 * 1024 * 1024 });
	const payload = new Uint8Array(200).fill(0x61);
	const chunks: Uint8Array[] = [];
	for (let i = 0; i < FLOWS; i++) {
		const src = `198.18.${(i >> 8) & 0xff}.${i & 0xff}`;
		const sport = 10_000 + (i >> 16);
		const time = 1_700_000_000_000_000 + i * 500;
		const isn = (i * 2654435761) >>> 0;
		const base = { src, dst: "198.19.0.1", sport, dport: 80 };
		const syn = frame({ ...base, seq: isn, flags: "S" });
		const data = frame({ ...base, seq: isn + 301, ack: 1, flags: "PA", payload });
		writer.writePacket(Math.floor(time / 1e6), time % 1e6, syn.length, syn);
		writer.writePacket(Math.floor(time / 1e6), (time % 1e6) + 1, data.length, data);
		if (writer.pendingBytes > 4 * 1024 * 1024) chunks.push(...writer.takeChunks());
	}
	chunks.push(...writer.takeChunks());
	writeFileSync(pcap, Buffer.concat(chunks));
}

/** Reassembles the capture and samples the heap (after a full collection) while flows accumulate. */
async function peakHeapGrowth(maxFlows: number) {
	Bun.gc(true);
	const baseline = process.memoryUsage().heapUsed;
	let peak = 0;
	let nextSample = 0;
	const summary = await runReassemble({
		file: pcap,
		maxFlows,
		maxBufferBytes: 1024 * 1024,
		httpPath: join(workDirectory, "http.jsonl"),
		onProgress: (bytesRead) => {
			if (bytesRead < nextSample) return;
			nextSample = bytesRead + 8 * 1024 * 1024;
			Bun.gc(true);
			peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
		},
	});
	return { summary, peakMiB: peak / 1024 / 1024 };
}

beforeAll(writeHalfOpenCapture);
afterAll(() => rmSync(workDirectory, { recursive: true, force: true }));

test("100 000 half-open flows: flows, buffers and heap stay within the limits, and evictions are counted", async () => {
	const bounded = await peakHeapGrowth(10_000);
	const tcp = bounded.summary.tcp;
	expect(tcp.flowsCreated).toBe(FLOWS);
	expect(tcp.peakActiveFlows).toBe(10_000);
	expect(tcp.flowsEvicted).toBe(FLOWS - 10_000);
	expect(tcp.flowsFlushed).toBe(10_000);
	expect(tcp.peakBufferedBytes).toBeLessThanOrEqual(1024 * 1024);
	expect(tcp.bufferLimitGaps).toBeGreaterThan(0);
	// Every flow's hole is reported as a gap when it is evicted or flushed: nothing is dropped silently.
	expect(tcp.gaps).toBe(FLOWS);
	expect(tcp.gapBytes).toBe(FLOWS * 300);

	const loose = await peakHeapGrowth(FLOWS);
	expect(loose.summary.tcp.peakActiveFlows).toBe(FLOWS);
	console.log(
		`heap growth with 100 000 half-open flows: ${bounded.peakMiB.toFixed(1)} MiB with --max-flows 10000, ` +
			`${loose.peakMiB.toFixed(1)} MiB with --max-flows 100000`,
	);
	expect(bounded.peakMiB).toBeLessThan(40);
	expect(bounded.peakMiB).toBeLessThan(loose.peakMiB / 3);
}, 60_000);
