import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { type SplitTimestamp, splitTimestamp, timestampScale } from "../../../src/formats/timestamp-scale.ts";

function reference(timestamp: bigint, tsresol: number, offset: bigint): { sec: number; nsec: number } {
	const exponent = BigInt(tsresol & 0x7f);
	const units = (tsresol & 0x80) === 0 ? 10n ** exponent : 1n << exponent;
	return {
		sec: Number(timestamp / units + offset),
		nsec: Number(((timestamp % units) * 1_000_000_000n) / units),
	};
}

describe("splitTimestamp", () => {
	test("matches BigInt arithmetic for every resolution and any 64-bit value", () => {
		const resolution = fc.oneof(
			fc.integer({ min: 0, max: 19 }),
			fc.integer({ min: 0, max: 64 }).map((n) => 0x80 | n),
			fc.constantFrom(6, 9, 3, 0x80 | 20, 0x80 | 32, 127, 0xff),
		);
		const timestamp = fc.oneof(
			fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
			fc.bigInt({ min: 0n, max: 2n ** 52n }),
			fc.constantFrom(0n, 2n ** 52n - 1n, 2n ** 52n, 2n ** 53n, 2n ** 64n - 1n, 1_700_000_000_999_999_999n),
		);
		fc.assert(
			fc.property(timestamp, resolution, fc.integer({ min: -1000, max: 1000 }), (ts, tsresol, offset) => {
				const out: SplitTimestamp = { sec: 0, nsec: 0 };
				splitTimestamp(Number(ts >> 32n), Number(ts & 0xffffffffn), timestampScale(tsresol, offset), out);
				expect(out).toEqual(reference(ts, tsresol, BigInt(offset)));
			}),
			{ numRuns: 2000 },
		);
	});

	test("microseconds and nanoseconds near the edges of each arithmetic path", () => {
		const out: SplitTimestamp = { sec: 0, nsec: 0 };
		for (const tsresol of [6, 9]) {
			for (const ts of [
				2n ** 52n - 1n,
				2n ** 52n,
				2n ** 52n + 1n,
				10n ** 15n * 4n - 1n,
				2n ** 63n + 12345n,
			]) {
				splitTimestamp(Number(ts >> 32n), Number(ts & 0xffffffffn), timestampScale(tsresol), out);
				expect(out).toEqual(reference(ts, tsresol, 0n));
			}
		}
	});
});
