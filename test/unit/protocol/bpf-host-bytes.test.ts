// bpfProgramFromHostBytes: the inverse of bpfProgramToHostBytes, and what pcap_compile hands back.

import { expect, test } from "bun:test";
import fc from "fast-check";
import { bpfProgramFromHostBytes, bpfProgramToHostBytes } from "../../../src/protocol/index.ts";

const instruction = fc.record({
	code: fc.integer({ min: 0, max: 0xffff }),
	jt: fc.integer({ min: 0, max: 0xff }),
	jf: fc.integer({ min: 0, max: 0xff }),
	k: fc.integer({ min: 0, max: 0xffffffff }),
});

test("host bytes round-trip to the same instructions", () => {
	fc.assert(
		fc.property(fc.array(instruction, { maxLength: 64 }), (program) => {
			expect(bpfProgramFromHostBytes(bpfProgramToHostBytes(program))).toEqual(program);
		}),
		{ numRuns: 200 },
	);
});

test("reads a view at an offset and ignores a trailing partial instruction", () => {
	const bytes = bpfProgramToHostBytes([{ code: 0x06, jt: 0, jf: 0, k: 262144 }]);
	const padded = new Uint8Array(3 + bytes.length + 5);
	padded.set(bytes, 3);
	expect(bpfProgramFromHostBytes(padded.subarray(3, 3 + bytes.length + 5))).toEqual([
		{ code: 0x06, jt: 0, jf: 0, k: 262144 },
	]);
});
