import { describe, expect, test } from "bun:test";
import {
	ConfigValueError,
	parseActiveTargetOption,
	parseActiveTargetsFlag,
	parseHostListFlag,
	parseIfaddr,
	parsePortFlag,
	parseUdpstrMode,
	parseUdpstrSize,
} from "../../../src/config/index.ts";

function messageOf(run: () => unknown): string {
	try {
		run();
	} catch (error) {
		expect(error).toBeInstanceOf(ConfigValueError);
		const message = (error as Error).message;
		expect(message).not.toContain("\n");
		return message;
	}
	throw new Error("expected a ConfigValueError");
}

describe("-a host,port[,host,port…]", () => {
	test("libpcap separators, DEFAULT and a missing last port mean 2003", () => {
		expect(parseActiveTargetsFlag("10.0.0.1,2005")).toEqual([
			{ host: "10.0.0.1", port: 2005, source: "cli" },
		]);
		expect(parseActiveTargetsFlag("a.example 2005;b.example,DEFAULT\nc.example\r\n12,d.example")).toEqual([
			{ host: "a.example", port: 2005, source: "cli" },
			{ host: "b.example", port: 2003, source: "cli" },
			{ host: "c.example", port: 12, source: "cli" },
			{ host: "d.example", port: 2003, source: "cli" },
		]);
		expect(parseActiveTargetsFlag("::1,2003,[fd00::1]")).toEqual([
			{ host: "::1", port: 2003, source: "cli" },
			{ host: "fd00::1", port: 2003, source: "cli" },
		]);
	});

	test("more than 10 targets are all kept", () => {
		const value = Array.from({ length: 15 }, (_, index) => `10.0.0.${index},2003`).join(",");
		expect(parseActiveTargetsFlag(value)).toHaveLength(15);
	});

	test("errors", () => {
		expect(messageOf(() => parseActiveTargetsFlag(" , "))).toBe("Active target list is empty");
		expect(messageOf(() => parseActiveTargetsFlag("a.example,b.example,2003"))).toBe(
			"Active target port 'b.example' is not a number 1..65535 or DEFAULT",
		);
		expect(messageOf(() => parseActiveTargetsFlag("a.example,99999"))).toBe(
			"Active target port 99999 is out of range 1..65535",
		);
		expect(messageOf(() => parseActiveTargetsFlag("bad_host!,1"))).toBe(
			"Active target host 'bad_host!' is not a valid host name or address",
		);
	});
});

describe("--active HOST[:PORT]", () => {
	test("names, IPv4, bracketed IPv6 with and without port or zone", () => {
		expect(parseActiveTargetOption("collector.example")).toEqual({
			host: "collector.example",
			port: 2003,
			source: "cli",
		});
		expect(parseActiveTargetOption("10.0.0.1:2005")).toEqual({ host: "10.0.0.1", port: 2005, source: "cli" });
		expect(parseActiveTargetOption("[::1]:2003")).toEqual({ host: "::1", port: 2003, source: "cli" });
		expect(parseActiveTargetOption("[fe80::1%eth0]")).toEqual({
			host: "fe80::1%eth0",
			port: 2003,
			source: "cli",
		});
		expect(parseActiveTargetOption("[fe80::1%eth0]:12037").port).toBe(12037);
		expect(parseActiveTargetOption("h.example:DEFAULT").port).toBe(2003);
	});

	test("errors", () => {
		expect(messageOf(() => parseActiveTargetOption("::1"))).toBe(
			"IPv6 address '::1' must be in brackets, e.g. [::1]:2003",
		);
		expect(messageOf(() => parseActiveTargetOption("[::1"))).toBe("Active target '[::1' has no closing ']'");
		expect(messageOf(() => parseActiveTargetOption("[10.0.0.1]:2003"))).toBe(
			"Active target '[10.0.0.1]:2003' has no IPv6 address in brackets",
		);
		expect(messageOf(() => parseActiveTargetOption("[::1]2003"))).toBe(
			"Active target '[::1]2003' has unexpected text after ']'",
		);
		expect(messageOf(() => parseActiveTargetOption("host:"))).toBe("Active target 'host:' has an empty port");
		expect(messageOf(() => parseActiveTargetOption("host:0"))).toBe(
			"Active target port 0 is out of range 1..65535",
		);
		expect(messageOf(() => parseActiveTargetOption(""))).toBe("Active target host is empty");
	});
});

describe("-l host list", () => {
	test("names, addresses and CIDR with libpcap separators", () => {
		expect(parseHostListFlag("10.0.0.1,host.example;10.0.0.0/8 ::1\n[fd00::2]\rfd00::/16")).toEqual([
			"10.0.0.1",
			"host.example",
			"10.0.0.0/8",
			"::1",
			"fd00::2",
			"fd00::/16",
		]);
		expect(parseHostListFlag("")).toEqual([]);
	});

	test("errors name the bad entry", () => {
		expect(messageOf(() => parseHostListFlag("10.0.0.1,10.0.0.0/33"))).toBe(
			"Allowed host network prefix 33 is out of range 0..32",
		);
		expect(messageOf(() => parseHostListFlag("ok.example,no/pe"))).toBe(
			"Allowed host network 'no' is not a numeric IPv4 or IPv6 address",
		);
		expect(messageOf(() => parseHostListFlag("999.0.0.1"))).toBe(
			"Allowed host '999.0.0.1' is not a valid IPv4 address",
		);
	});
});

describe("udpstr values", () => {
	test("K10 / N17: sizes outside 64–65000 are refused with the exact message", () => {
		for (const value of ["20", "63", "65001", "-1", "0"]) {
			expect(messageOf(() => parseUdpstrSize(value))).toBe("udpstr size must be between 64 and 65000");
		}
		expect(messageOf(() => parseUdpstrSize(20))).toBe("udpstr size must be between 64 and 65000");
		expect(messageOf(() => parseUdpstrSize("1e3"))).toBe("udpstr size '1e3' is not a number");
		expect(messageOf(() => parseUdpstrSize(1472.5))).toBe("udpstr size '1472.5' is not a number");
	});

	test("sizes inside the range", () => {
		expect(parseUdpstrSize("64")).toBe(64);
		expect(parseUdpstrSize("65000")).toBe(65000);
		expect(parseUdpstrSize(1472)).toBe(1472);
	});

	test("mode", () => {
		expect(parseUdpstrMode("auto")).toBe("auto");
		expect(parseUdpstrMode("on")).toBe("on");
		expect(parseUdpstrMode("off")).toBe("off");
		expect(messageOf(() => parseUdpstrMode("ON"))).toBe("udpstr mode must be auto, on or off, not 'ON'");
	});
});

describe("ifaddr and ports", () => {
	test("ifaddr: prefixes, defaults, /0", () => {
		expect(parseIfaddr("10.1.0.0/16")).toEqual({ address: "10.1.0.0", prefix: 16 });
		expect(parseIfaddr("10.1.2.3")).toEqual({ address: "10.1.2.3", prefix: 32 });
		expect(parseIfaddr("fd00::/64")).toEqual({ address: "fd00::", prefix: 64 });
		expect(parseIfaddr("::1")).toEqual({ address: "::1", prefix: 128 });
		expect(parseIfaddr("0.0.0.0/0")).toEqual({ address: "0.0.0.0", prefix: 0 });
		expect(parseIfaddr("::/0")).toEqual({ address: "::", prefix: 0 });
	});

	test("ifaddr errors carry the offset of the bad part", () => {
		const prefixError = (() => {
			try {
				parseIfaddr("10.1.0.0/33");
			} catch (error) {
				return error as ConfigValueError;
			}
		})();
		expect(prefixError?.message).toBe("ifaddr prefix 33 is out of range 0..32");
		expect(prefixError?.offset).toBe(9);
		expect(messageOf(() => parseIfaddr("fd00::/129"))).toBe("ifaddr prefix 129 is out of range 0..128");
		expect(messageOf(() => parseIfaddr("host.example"))).toBe(
			"ifaddr 'host.example' is not a numeric IPv4 or IPv6 address",
		);
		expect(messageOf(() => parseIfaddr("10.1.0.0/"))).toBe("ifaddr prefix '' is not a number");
		expect(messageOf(() => parseIfaddr("10.1.0.0/-1"))).toBe("ifaddr prefix '-1' is not a number");
	});

	test("port flags", () => {
		expect(parsePortFlag("2002", "Passive port")).toBe(2002);
		expect(messageOf(() => parsePortFlag("DEFAULT", "Passive port"))).toBe(
			"Passive port 'DEFAULT' is not a number 1..65535",
		);
		expect(messageOf(() => parsePortFlag("65536", "Passive port"))).toBe(
			"Passive port 65536 is out of range 1..65535",
		);
	});
});
