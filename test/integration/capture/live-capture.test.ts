// Real capture through ffi/: frames injected on a veth inside a test namespace are captured byte for byte.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readCapture } from "../../../src/formats/index.ts";
import { udpFrames } from "../../support/frames.ts";
import { replay, waitForLine, writeFramesPcap } from "../harness/inject.ts";
import { createWorkspace, type NetNamespace, removeWorkspace } from "../harness/namespace.ts";

const FIXTURE = join(import.meta.dir, "../fixtures/capture-to-pcap.ts");
let ns: NetNamespace;
let dir: string;

beforeAll(() => {
	({ ns, dir } = createWorkspace("rpcapd-capture-"));
});
afterAll(() => removeWorkspace(ns, dir));

describe("live capture through bun:ffi", () => {
	test("N frames injected at 10 kpps = N frames captured, bytes and order identical", async () => {
		const count = 5000;
		const frames = udpFrames(count, (i) => 60 + ((i * 37) % 1455));
		const input = join(dir, "in.pcap");
		const output = join(dir, "out.pcap");
		writeFramesPcap(input, frames);
		const capture = ns.spawn([
			process.execPath,
			FIXTURE,
			"v1",
			String(count),
			output,
			"20",
			"udp and dst port 9",
		]);
		const { rest } = await waitForLine(capture.stdout, "ready");
		const sent = await replay(ns, "v0", input, 10_000);
		expect(sent).toBe(count);
		expect(await capture.exited).toBe(0);
		const summary = JSON.parse((await rest).trim());
		expect(summary.reason).toBe("count");
		const captured = readCapture(new Uint8Array(readFileSync(output)));
		expect(captured.records.length).toBe(count);
		captured.records.forEach((record, i) => {
			expect(record.len).toBe(frames[i]!.length);
			expect(Buffer.compare(Buffer.from(record.data), Buffer.from(frames[i]!))).toBe(0);
		});
		expect(summary.counters.emitted).toBe(count);
		expect(summary.stats.drop).toBe(0);
	});

	test("snaplen cuts caplen but keeps the wire length", async () => {
		const frames = udpFrames(50, 1000, 9, 9001);
		const input = join(dir, "in2.pcap");
		writeFramesPcap(input, frames);
		const output = join(dir, "out2.pcap");
		const capture = ns.spawn([process.execPath, FIXTURE, "v1", "50", output, "10", "udp and dst port 9"]);
		const { rest } = await waitForLine(capture.stdout, "ready");
		await replay(ns, "v0", input, 1000);
		expect(await capture.exited).toBe(0);
		await rest;
		const captured = readCapture(new Uint8Array(readFileSync(output)));
		expect(captured.records.map((r) => r.len)).toEqual(frames.map((f) => f.length));
	});
});
