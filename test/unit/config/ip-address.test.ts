import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { parseIpAddress, unmapIpv4 } from "../../../src/config/index.ts";

function bytesOf(text: string): number[] | undefined {
	const address = parseIpAddress(text);
	return address ? [...address.bytes] : undefined;
}

describe("parseIpAddress", () => {
	test("IPv4 dotted quad only", () => {
		expect(bytesOf("10.0.0.1")).toEqual([10, 0, 0, 1]);
		expect(bytesOf("255.255.255.255")).toEqual([255, 255, 255, 255]);
		for (const bad of [
			"256.0.0.1",
			"10.0.0",
			"10.0.0.1.1",
			"010.0.0.1",
			"10.0.0.-1",
			"1e1.0.0.1",
			"",
			"10..0.1",
		]) {
			expect(parseIpAddress(bad)).toBeUndefined();
		}
	});

	test("IPv6 forms, embedded IPv4 and zones", () => {
		expect(bytesOf("::")).toEqual(new Array(16).fill(0));
		expect(bytesOf("::1")).toEqual([...new Array(15).fill(0), 1]);
		expect(bytesOf("fd00::")).toEqual([0xfd, 0, ...new Array(14).fill(0)]);
		expect(bytesOf("1:2:3:4:5:6:7:8")).toEqual([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
		expect(bytesOf("1:2:3:4:5:6:7::")).toEqual([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0]);
		expect(bytesOf("::ffff:10.0.0.1")).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1]);
		expect(bytesOf("64:ff9b::192.0.2.33")?.slice(12)).toEqual([192, 0, 2, 33]);
		expect(parseIpAddress("fe80::1%eth0")).toEqual({
			family: 6,
			bytes: Uint8Array.from([0xfe, 0x80, ...new Array(13).fill(0), 1]),
			zone: "eth0",
		});
		for (const bad of [
			":",
			":::",
			"1:::2",
			"1::2::3",
			"1:2:3:4:5:6:7:8:9",
			"1:2:3:4:5:6:7",
			"12345::",
			"g::",
			"1.2.3.4::",
			"::1%",
			":1::2",
			"1::2:3:4:5:6:7:8",
			"[::1]",
		]) {
			expect(parseIpAddress(bad)).toBeUndefined();
		}
	});

	test("property: fast-check's IPv4 and IPv6 addresses parse", () => {
		fc.assert(
			fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (text) => {
				expect(parseIpAddress(text)).toBeDefined();
			}),
			{ numRuns: 500 },
		);
	});

	test("unmapIpv4 only unmaps ::ffff:0:0/96", () => {
		expect(unmapIpv4(parseIpAddress("::ffff:192.0.2.1")!)).toEqual({
			family: 4,
			bytes: Uint8Array.from([192, 0, 2, 1]),
		});
		const compatible = parseIpAddress("::192.0.2.1")!;
		expect(unmapIpv4(compatible)).toBe(compatible);
		const v4 = parseIpAddress("192.0.2.1")!;
		expect(unmapIpv4(v4)).toBe(v4);
	});
});
