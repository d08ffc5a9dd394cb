import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
	ConfigValueError,
	type IniConfig,
	type IniWriteInput,
	iniFromEffectiveConfig,
	mergeConfig,
	parseIni,
	writeIni,
} from "../../../src/config/index.ts";

function withoutSources(config: IniConfig): IniWriteInput {
	return { ...config, activeClients: config.activeClients.map(({ source: _source, ...entry }) => entry) };
}

describe("canonical form (§10.4)", () => {
	test("entries, options, NullAuthPermit and our keys", () => {
		const text = writeIni({
			activeClients: [
				{ host: "10.0.0.5", port: 2003 },
				{ host: "::1", port: 12037, ifname: "vA", ifaddr: { address: "fd00::", prefix: 64 }, udpstr: "off" },
			],
			passiveClients: ["10.0.0.1", "10.1.0.0/16"],
			nullAuthPermit: true,
			udpstr: "on",
			udpstrSize: 1400,
		});
		const settings = text.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
		expect(settings).toEqual([
			"PassiveClient = 10.0.0.1",
			"PassiveClient = 10.1.0.0/16",
			"ActiveClient = 10.0.0.5, 2003",
			"ActiveClient = ::1, 12037, ifname=vA, ifaddr=fd00::/64, udpstr=off",
			"NullAuthPermit = YES",
			"Udpstr = on",
			"UdpstrSize = 1400",
		]);
		expect(text.endsWith("\n")).toBe(true);
	});

	test("NullAuthPermit = NO, and absent settings are not written", () => {
		const text = writeIni({ activeClients: [], passiveClients: [], nullAuthPermit: false });
		expect(text).toContain("\nNullAuthPermit = NO\n");
		expect(text).not.toContain("Udpstr");
		expect(writeIni({ activeClients: [], passiveClients: [] })).not.toContain("NullAuthPermit =");
	});

	test("values the grammar cannot carry are refused", () => {
		const write = (ifname: string) =>
			writeIni({ activeClients: [{ host: "h", port: 1, ifname }], passiveClients: [] });
		expect(() => write("a b")).toThrow(ConfigValueError);
		expect(() => write("a,b")).toThrow("Cannot write ifname 'a,b': it is empty or contains a separator");
		expect(() => writeIni({ activeClients: [{ host: "a b", port: 1 }], passiveClients: [] })).toThrow(
			ConfigValueError,
		);
		expect(() => writeIni({ activeClients: [{ host: "h", port: 0 }], passiveClients: [] })).toThrow(
			"ActiveClient port 0 is out of range 1..65535",
		);
		expect(() => writeIni({ activeClients: [], passiveClients: ["10.0.0.0/40"] })).toThrow(ConfigValueError);
	});

	test("-s of an effective configuration: targets without source, udpstr keys only when not default", () => {
		const effective = mergeConfig({
			nullAuth: true,
			allowHosts: ["10.0.0.0/8"],
			active: { targets: [{ host: "10.0.0.5", port: 2003, ifname: "eth0", source: "cli" }] },
		});
		const saved = iniFromEffectiveConfig(effective);
		expect(saved).toEqual({
			activeClients: [{ host: "10.0.0.5", port: 2003, ifname: "eth0" }],
			passiveClients: ["10.0.0.0/8"],
			nullAuthPermit: true,
		});
		const reread = mergeConfig({}, parseIni(writeIni(saved), "saved.ini").config);
		expect(reread.active.targets).toEqual([
			{ host: "10.0.0.5", port: 2003, ifname: "eth0", source: { file: "saved.ini", line: 9 } },
		]);
		expect(reread.nullAuth).toBe(true);
		expect(reread.allowHosts).toEqual(["10.0.0.0/8"]);
		const withUdpstr = iniFromEffectiveConfig(mergeConfig({ udpstr: { mode: "off", size: 1200 } }));
		expect(withUdpstr.udpstr).toBe("off");
		expect(withUdpstr.udpstrSize).toBe(1200);
	});
});

// Generators for configurations the grammar can carry.
const ifnameArbitrary = fc
	.string({ minLength: 1, maxLength: 12, unit: "grapheme-ascii" })
	.filter((name) => !/[\s,;]/.test(name));
const hostArbitrary = fc.oneof(fc.ipV4(), fc.ipV6(), fc.domain());
const ifaddrArbitrary = fc.oneof(
	fc.record({ address: fc.ipV4(), prefix: fc.integer({ min: 0, max: 32 }) }),
	fc.record({ address: fc.ipV6(), prefix: fc.integer({ min: 0, max: 128 }) }),
);
const activeArbitrary = fc.record(
	{
		host: hostArbitrary,
		port: fc.integer({ min: 1, max: 65535 }),
		ifname: ifnameArbitrary,
		ifaddr: ifaddrArbitrary,
		udpstr: fc.constantFrom("on" as const, "off" as const),
	},
	{ requiredKeys: ["host", "port"] },
);
const passiveArbitrary = fc.oneof(
	fc.ipV4(),
	fc.ipV6(),
	fc.domain(),
	ifaddrArbitrary.map((network) => `${network.address}/${network.prefix}`),
);
const iniArbitrary = fc.record(
	{
		activeClients: fc.uniqueArray(activeArbitrary, {
			maxLength: 8,
			selector: (entry) => JSON.stringify([entry.host, entry.port, entry.ifname, entry.ifaddr, entry.udpstr]),
		}),
		passiveClients: fc.array(passiveArbitrary, { maxLength: 8 }),
		nullAuthPermit: fc.boolean(),
		udpstr: fc.constantFrom("auto" as const, "on" as const, "off" as const),
		udpstrSize: fc.integer({ min: 64, max: 65000 }),
	},
	{ requiredKeys: ["activeClients", "passiveClients"] },
);

describe("round trip", () => {
	test("property: parse(write(config)) == config, options included", () => {
		fc.assert(
			fc.property(iniArbitrary, (config) => {
				const parsed = parseIni(writeIni(config), "round-trip.ini");
				expect(parsed.warnings).toEqual([]);
				expect(withoutSources(parsed.config)).toEqual(config);
			}),
			{ numRuns: 300 },
		);
	});

	test("property: a written file is also a valid effective configuration", () => {
		fc.assert(
			fc.property(iniArbitrary, (config) => {
				const effective = mergeConfig({}, parseIni(writeIni(config), "round-trip.ini").config);
				expect(effective.active.targets).toHaveLength(config.activeClients.length);
			}),
			{ numRuns: 100 },
		);
	});
});
