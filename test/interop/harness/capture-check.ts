// Shared checks for interop captures: frames in a pcap file versus the frames injected.

import { expect } from "bun:test";
import { readFileSync } from "node:fs";
import { readCapture } from "../../../src/formats/index.ts";

/** Every captured frame equals the injected one at the same position: bytes and order identical, none missing or duplicated. */
export function expectSameFrames(
	pcapPath: string,
	frames: readonly Uint8Array[],
	snaplen = Number.POSITIVE_INFINITY,
): void {
	const capture = readCapture(new Uint8Array(readFileSync(pcapPath)));
	expect(capture.truncated).toBeUndefined();
	expect(capture.records.length).toBe(frames.length);
	let mismatches = 0;
	capture.records.forEach((record, i) => {
		const frame = frames[i]!;
		const expected = frame.subarray(0, Math.min(frame.length, snaplen));
		if (record.len !== frame.length || Buffer.compare(Buffer.from(record.data), Buffer.from(expected)) !== 0)
			mismatches++;
	});
	expect(mismatches).toBe(0);
}

/** The seeds (first payload word, see test/support/frames.ts) of the frames in a capture. */
export function capturedSeeds(pcapPath: string): number[] {
	const capture = readCapture(new Uint8Array(readFileSync(pcapPath)));
	return capture.records.map((r) =>
		new DataView(r.data.buffer, r.data.byteOffset, r.data.byteLength).getUint32(42),
	);
}
