// ActiveBackoff: holds 1, 2, 4 … 60 s after consecutive failures of one sensor; a capture ends the streak.

import { expect, test } from "bun:test";
import { ActiveBackoff } from "../../../src/collector/index.ts";

test("holds double per consecutive failure up to 60 s, per address, and reset on success", () => {
	let now = 0;
	const backoff = new ActiveBackoff(() => now);
	expect(backoff.holdFor("10.0.0.1")).toBe(0);
	const holds: number[] = [];
	for (let i = 0; i < 8; i++) {
		backoff.failed("10.0.0.1");
		holds.push(backoff.holdFor("10.0.0.1"));
	}
	expect(holds).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
	expect(backoff.holdFor("10.0.0.2")).toBe(0);
	now += 45_000;
	expect(backoff.holdFor("10.0.0.1")).toBe(15_000);
	backoff.succeeded("10.0.0.1");
	expect(backoff.holdFor("10.0.0.1")).toBe(0);
});
