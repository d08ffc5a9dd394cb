// Exact split of a pcapng 64-bit timestamp (in if_tsresol units) into seconds and nanoseconds.

const TWO_POW_32 = 0x1_0000_0000;
const SAFE_HIGH_WORD = 0x10_0000; // hi below this keeps hi * 2^32 + lo under 2^52
const NS_PER_SECOND = 1_000_000_000;
// With at least 2^11 and at most 2^36 units per second, 16-bit long division of a 64-bit value stays
// within 2^52 and its quotient within 2^53.
const LONG_DIVISION_MIN_UNITS = 2 ** 11;
const LONG_DIVISION_MAX_UNITS = 2 ** 36;
const SAFE_UNITS = 2 ** 52;

export interface TimestampScale {
	/** Timestamp units per second: 10^n or 2^n (pcapng spec §4.2 if_tsresol). */
	readonly unitsPerSecond: number;
	readonly unitsPerSecondBig: bigint;
	/** 10^9 / unitsPerSecond when that is a whole number, else 0. */
	readonly nsPerUnit: number;
	/** if_tsoffset, seconds added to every timestamp. */
	readonly offsetSeconds: number;
}

/** Scratch result, reused between calls so that splitting allocates nothing on the common paths. */
export interface SplitTimestamp {
	sec: number;
	nsec: number;
}

export function timestampScale(tsresol: number, offsetSeconds = 0): TimestampScale {
	const exponent = tsresol & 0x7f;
	const unitsPerSecondBig = (tsresol & 0x80) === 0 ? 10n ** BigInt(exponent) : 1n << BigInt(exponent);
	const unitsPerSecond = Number(unitsPerSecondBig);
	const nsPerUnit = unitsPerSecondBig <= 1_000_000_000n && NS_PER_SECOND % unitsPerSecond === 0;
	return {
		unitsPerSecond,
		unitsPerSecondBig,
		nsPerUnit: nsPerUnit ? NS_PER_SECOND / unitsPerSecond : 0,
		offsetSeconds,
	};
}

/** Floor of a / c for non-negative integers with a + c within 2^53. */
function divFloor(a: number, c: number): number {
	let quotient = Math.floor(a / c);
	if (quotient * c > a) quotient--;
	else if ((quotient + 1) * c <= a) quotient++;
	return quotient;
}

function fractionToNanoseconds(frac: number, scale: TimestampScale): number {
	if (scale.nsPerUnit !== 0) return frac * scale.nsPerUnit;
	const product = frac * NS_PER_SECOND;
	if (product + scale.unitsPerSecond <= Number.MAX_SAFE_INTEGER)
		return divFloor(product, scale.unitsPerSecond);
	return Number((BigInt(frac) * 1_000_000_000n) / scale.unitsPerSecondBig);
}

let longQuotient = 0;
let longRemainder = 0;

function longDivisionStep(digit: number, units: number): void {
	const current = longRemainder * 65536 + digit;
	const quotientDigit = divFloor(current, units);
	longRemainder = current - quotientDigit * units;
	longQuotient = longQuotient * 65536 + quotientDigit;
}

export function splitTimestamp(high: number, low: number, scale: TimestampScale, out: SplitTimestamp): void {
	const units = scale.unitsPerSecond;
	let sec: number;
	let frac: number;
	if (high < SAFE_HIGH_WORD && units <= SAFE_UNITS) {
		const ts = high * TWO_POW_32 + low;
		sec = divFloor(ts, units);
		frac = ts - sec * units;
	} else if (units >= LONG_DIVISION_MIN_UNITS && units <= LONG_DIVISION_MAX_UNITS) {
		longQuotient = 0;
		longRemainder = 0;
		longDivisionStep(high >>> 16, units);
		longDivisionStep(high & 0xffff, units);
		longDivisionStep(low >>> 16, units);
		longDivisionStep(low & 0xffff, units);
		sec = longQuotient;
		frac = longRemainder;
	} else {
		// Seconds may pass 2^53 here (very coarse resolutions): add the offset before rounding to a double.
		const ts = (BigInt(high) << 32n) | BigInt(low);
		out.sec = Number(ts / scale.unitsPerSecondBig + BigInt(scale.offsetSeconds));
		out.nsec = Number(((ts % scale.unitsPerSecondBig) * 1_000_000_000n) / scale.unitsPerSecondBig);
		return;
	}
	out.sec = sec + scale.offsetSeconds;
	out.nsec = fractionToNanoseconds(frac, scale);
}
