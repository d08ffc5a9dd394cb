// Checks a collector's output against the injected frames: every frame, in order, byte-identical.

import { expect } from "bun:test";
import type { CaptureFile } from "../../../../src/formats/index.ts";

/** The records of `file` (optionally only those of pcapng interface `ifaceName`) equal `frames`, in order. */
export function expectFramesInOrder(
	file: CaptureFile,
	frames: readonly Uint8Array[],
	ifaceName?: string,
): void {
	const records =
		ifaceName === undefined
			? file.records
			: file.records.filter((record) => file.interfaces[record.interfaceId]?.name === ifaceName);
	expect(records.length).toBe(frames.length);
	let mismatches = 0;
	records.forEach((record, i) => {
		const frame = frames[i]!;
		if (record.len !== frame.length || Buffer.compare(Buffer.from(record.data), Buffer.from(frame)) !== 0)
			mismatches++;
	});
	expect(mismatches).toBe(0);
}

/** Frame sizes 60..1514 spread over the range, so small and full-size packets are both exercised. */
export function frameSize(i: number): number {
	return 60 + ((i * 37) % 1455);
}
