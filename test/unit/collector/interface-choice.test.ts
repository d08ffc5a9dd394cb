// chooseInterface: URL interface, then ";preselected", then --iface, then the first non-loopback interface up.

import { describe, expect, test } from "bun:test";
import {
	chooseInterface,
	cleanDescription,
	isPreselected,
	SessionError,
} from "../../../src/collector/index.ts";
import type { RemoteInterface } from "../../../src/protocol/index.ts";

const item = (name: string, flags: number, description = ""): RemoteInterface => ({
	name,
	description,
	flags,
	addresses: [],
});
const UP = 0x2;
const RUNNING = 0x4;
const LOOPBACK = 0x1;

describe("chooseInterface", () => {
	const list = [
		item("lo", LOOPBACK | UP | RUNNING),
		item("any", UP | RUNNING, "Pseudo-device that captures on all interfaces"),
		item("eth0", UP, "down cable"),
		item("eth1", UP | RUNNING),
		item("vA", UP | RUNNING, "Tap adapter ;preselected"),
	];

	test("the URL's interface always wins, with its description when listed", () => {
		expect(chooseInterface(list, "eth0", "eth1")).toEqual({
			name: "eth0",
			description: "down cable",
			reason: "url",
		});
		expect(chooseInterface(null, "x9", null)).toEqual({ name: "x9", description: "", reason: "url" });
	});

	test("the preselected interface comes before --iface", () => {
		expect(chooseInterface(list, null, "eth1")).toEqual({
			name: "vA",
			description: "Tap adapter",
			reason: "preselected",
		});
		const bare = [item("lo", LOOPBACK | UP), item("vB", UP, ";preselected")];
		expect(chooseInterface(bare, null, null)).toEqual({ name: "vB", description: "", reason: "preselected" });
	});

	test("--iface when nothing is preselected (even if the list lacks it: OPEN will say)", () => {
		const plain = list.slice(0, 4);
		expect(chooseInterface(plain, null, "eth0").reason).toBe("preferred");
		expect(chooseInterface(plain, null, "zz0").name).toBe("zz0");
		expect(chooseInterface(null, null, "eth3").name).toBe("eth3");
	});

	test("else the first non-loopback, non-pseudo interface that is up, running ones first", () => {
		expect(chooseInterface(list.slice(0, 4), null, null)).toEqual({
			name: "eth1",
			description: "",
			reason: "first-up",
		});
		expect(chooseInterface([item("lo", LOOPBACK | UP), item("eth0", UP)], null, null).name).toBe("eth0");
	});

	test("no candidate, or no list and no --iface: SessionError naming what the sensor has", () => {
		const error = (() => {
			try {
				chooseInterface([item("lo", LOOPBACK | UP), item("eth0", 0)], null, null);
			} catch (e) {
				return e as SessionError;
			}
		})();
		expect(error).toBeInstanceOf(SessionError);
		expect(error!.stage).toBe("interfaces");
		expect(error!.message).toContain("(sensor has: lo, eth0)");
		expect(() => chooseInterface(null, null, null)).toThrow(
			"The sensor did not list its interfaces and no --iface was given",
		);
	});

	test("marker helpers", () => {
		expect(isPreselected(item("a", 0, "x ;preselected"))).toBe(true);
		expect(isPreselected(item("a", 0, "preselected"))).toBe(false);
		expect(cleanDescription("Intel NIC ;preselected")).toBe("Intel NIC");
		expect(cleanDescription("plain")).toBe("plain");
	});
});
