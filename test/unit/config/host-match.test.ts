import { describe, expect, test } from "bun:test";
import {
	checkAllowList,
	type InterfaceAddresses,
	interfaceMatches,
	parseAllowEntry,
	parseIni,
	peerMatchesAllowEntry,
	selectInterface,
	selectorsForTarget,
} from "../../../src/config/index.ts";

function allows(peer: string, entry: string, resolved: string[] = []): boolean {
	return peerMatchesAllowEntry(peer, parseAllowEntry(entry), resolved);
}

describe("allow-list entries", () => {
	test("address equality, zones ignored", () => {
		expect(allows("10.0.0.1", "10.0.0.1")).toBe(true);
		expect(allows("10.0.0.2", "10.0.0.1")).toBe(false);
		expect(allows("::1", "::1")).toBe(true);
		expect(allows("0:0:0:0:0:0:0:1", "[::1]")).toBe(true);
		expect(allows("fe80::1%eth0", "fe80::1")).toBe(true);
		expect(allows("not-an-address", "10.0.0.1")).toBe(false);
	});

	test("L4: IPv4-mapped IPv6 peers match IPv4 entries, and the reverse", () => {
		expect(allows("::ffff:10.0.0.1", "10.0.0.1")).toBe(true);
		expect(allows("::ffff:a00:1", "10.0.0.1")).toBe(true);
		expect(allows("10.0.0.1", "::ffff:10.0.0.1")).toBe(true);
		expect(allows("::ffff:10.0.0.2", "10.0.0.1")).toBe(false);
		// Only the ::ffff:0:0/96 block is mapped; IPv4-compatible ::10.0.0.1 is a different address.
		expect(allows("::10.0.0.1", "10.0.0.1")).toBe(false);
		expect(allows("::ffff:10.1.2.3", "10.0.0.0/8")).toBe(true);
		expect(allows("10.1.2.3", "::ffff:10.0.0.0/104")).toBe(true);
		expect(allows("10.1.2.3", "::ffff:11.0.0.0/104")).toBe(false);
	});

	test("IPv4 CIDR, host bits of the entry ignored, /0 and /32", () => {
		expect(allows("10.200.3.4", "10.0.0.0/8")).toBe(true);
		expect(allows("11.0.0.1", "10.0.0.0/8")).toBe(false);
		expect(allows("10.200.3.4", "10.1.2.3/8")).toBe(true);
		expect(allows("10.20.3.200", "10.20.2.0/23")).toBe(true);
		expect(allows("10.20.4.1", "10.20.2.0/23")).toBe(false);
		expect(allows("203.0.113.9", "0.0.0.0/0")).toBe(true);
		expect(allows("::1", "0.0.0.0/0")).toBe(false);
		expect(allows("10.0.0.1", "10.0.0.1/32")).toBe(true);
		expect(allows("10.0.0.2", "10.0.0.1/32")).toBe(false);
	});

	test("IPv6 CIDR including odd prefixes and /0", () => {
		expect(allows("fd00::1234", "fd00::/64")).toBe(true);
		expect(allows("fd00:0:0:1::1", "fd00::/64")).toBe(false);
		expect(allows("2001:db8::1", "2001:db8::/127")).toBe(true);
		expect(allows("2001:db8::2", "2001:db8::/127")).toBe(false);
		expect(allows("2001:db8:8000::", "2001:db8::/33")).toBe(false);
		expect(allows("2001:db8:7fff::", "2001:db8::/33")).toBe(true);
		expect(allows("2001:db8::1", "::/0")).toBe(true);
		expect(allows("10.0.0.1", "::/0")).toBe(false);
	});

	test("names match through the addresses the daemon resolved", () => {
		expect(allows("10.0.0.7", "collector.example", ["10.0.0.6", "10.0.0.7"])).toBe(true);
		expect(allows("::ffff:10.0.0.7", "collector.example", ["10.0.0.7"])).toBe(true);
		expect(allows("10.0.0.8", "collector.example", ["10.0.0.7"])).toBe(false);
		expect(allows("10.0.0.7", "collector.example")).toBe(false);
	});
});

describe("checkAllowList", () => {
	const resolver = (table: Record<string, string[]>) => (name: string) => table[name];

	test("an empty list allows every host", () => {
		expect(checkAllowList("203.0.113.5", [], resolver({}))).toEqual({ allowed: true });
	});

	test("a match wins even when another name does not resolve (A.2 '10.9.9.9;localhost')", () => {
		const entries = ["10.9.9.9", "host.invalid", "localhost"];
		expect(checkAllowList("127.0.0.1", entries, resolver({ localhost: ["127.0.0.1", "::1"] }))).toEqual({
			allowed: true,
		});
	});

	test("no match reports the names that failed to resolve", () => {
		expect(checkAllowList("10.1.1.1", ["10.9.9.9", "host.invalid"], resolver({}))).toEqual({
			allowed: false,
			unresolved: ["host.invalid"],
		});
		expect(checkAllowList("10.1.1.1", [parseAllowEntry("10.0.0.0/16")], resolver({}))).toEqual({
			allowed: false,
			unresolved: [],
		});
	});
});

describe("interface preselection (§11)", () => {
	const interfaces: InterfaceAddresses[] = [
		{ name: "eth0", addresses: ["192.0.2.10", "fd00::10", "fe80::1%eth0"] },
		{ name: "lo", addresses: ["127.0.0.1", "::1"] },
		{ name: "eth1", addresses: ["10.1.2.3", "10.1.3.3"] },
		{ name: "vA", addresses: [] },
		{ name: "eth2", addresses: ["10.1.200.1", "garbage"] },
		{ name: "any", addresses: [] },
	];
	const pick = (selectors: Parameters<typeof selectInterface>[1]) =>
		selectInterface(interfaces, selectors)?.name;

	test("ifname is exact and case-sensitive", () => {
		expect(pick({ ifname: "vA" })).toBe("vA");
		expect(pick({ ifname: "va" })).toBeUndefined();
		expect(pick({ ifname: "eth" })).toBeUndefined();
	});

	test("ifaddr: IPv4 and IPv6 prefixes, first match in findalldevs order", () => {
		expect(pick({ ifaddr: { address: "192.0.2.0", prefix: 24 } })).toBe("eth0");
		expect(pick({ ifaddr: { address: "fd00::", prefix: 64 } })).toBe("eth0");
		expect(pick({ ifaddr: { address: "10.1.0.0", prefix: 16 } })).toBe("eth1");
		expect(pick({ ifaddr: { address: "10.1.200.0", prefix: 24 } })).toBe("eth2");
		expect(pick({ ifaddr: { address: "fe80::", prefix: 10 } })).toBe("eth0");
	});

	test("no prefix means the exact address; host bits of the selector are ignored", () => {
		expect(pick({ ifaddr: { address: "10.1.3.3", prefix: 32 } })).toBe("eth1");
		expect(pick({ ifaddr: { address: "10.1.3.4", prefix: 32 } })).toBeUndefined();
		expect(pick({ ifaddr: { address: "10.1.99.99", prefix: 16 } })).toBe("eth1");
		expect(pick({ ifaddr: { address: "::1", prefix: 128 } })).toBe("lo");
	});

	test("/0 matches the first interface with an address of that family", () => {
		expect(
			selectInterface([interfaces[3]!, ...interfaces], { ifaddr: { address: "0.0.0.0", prefix: 0 } })?.name,
		).toBe("eth0");
		expect(pick({ ifaddr: { address: "::", prefix: 0 } })).toBe("eth0");
		const v4Only = [
			{ name: "a", addresses: ["fd00::1"] },
			{ name: "b", addresses: ["10.0.0.1"] },
		];
		expect(selectInterface(v4Only, { ifaddr: { address: "1.2.3.4", prefix: 0 } })?.name).toBe("b");
	});

	test("both selectors must match the same interface (N15: no fallback)", () => {
		expect(pick({ ifname: "lo", ifaddr: { address: "127.0.0.0", prefix: 8 } })).toBe("lo");
		expect(pick({ ifname: "eth0", ifaddr: { address: "10.0.0.0", prefix: 8 } })).toBeUndefined();
		const { config } = parseIni(
			"ActiveClient = 10.0.0.5, 2003, ifname=eth0, ifaddr=10.0.0.0/8\n",
			"rpcapd.ini",
		);
		const selectors = selectorsForTarget(config.activeClients[0]!);
		expect(selectors).toEqual({ ifname: "eth0", ifaddr: { address: "10.0.0.0", prefix: 8 } });
		expect(selectInterface(interfaces, selectors!)).toBeUndefined();
	});

	test("interfaceMatches on a single interface", () => {
		expect(interfaceMatches(interfaces[1]!, { ifaddr: { address: "127.0.0.0", prefix: 8 } })).toBe(true);
		expect(interfaceMatches(interfaces[1]!, { ifaddr: { address: "::ffff:127.0.0.1", prefix: 128 } })).toBe(
			false,
		);
	});

	test("selectorsForTarget applies the global default (-i) to targets without ifname", () => {
		expect(selectorsForTarget({}, undefined)).toBeUndefined();
		expect(selectorsForTarget({}, "eth1")).toEqual({ ifname: "eth1" });
		expect(selectorsForTarget({ ifname: "eth0" }, "eth1")).toEqual({ ifname: "eth0" });
		expect(selectorsForTarget({ ifaddr: { address: "10.0.0.0", prefix: 8 } }, "eth1")).toEqual({
			ifname: "eth1",
			ifaddr: { address: "10.0.0.0", prefix: 8 },
		});
		expect(selectorsForTarget({ ifaddr: { address: "10.0.0.0", prefix: 8 } })).toEqual({
			ifaddr: { address: "10.0.0.0", prefix: 8 },
		});
	});
});
