import { describe, expect, test } from "bun:test";
import { type IniConfig, parseIni, writeIni } from "../../../src/config/index.ts";

/** Drops the file:line source of each entry so configs from different files compare equal. */
function withoutSources(config: IniConfig) {
	return { ...config, activeClients: config.activeClients.map(({ source: _source, ...entry }) => entry) };
}

describe("ExtraHop dialect files", () => {
	test("Linux installer (rpcapd.sh): host,port without spaces, NULL auth", () => {
		const text = "ActiveClient = 10.20.30.40,2003\nNullAuthPermit = YES\n";
		const result = parseIni(text, "/opt/extrahop/etc/rpcapd.ini");
		expect(result.warnings).toEqual([]);
		expect(result.config).toEqual({
			activeClients: [
				{ host: "10.20.30.40", port: 2003, source: { file: "/opt/extrahop/etc/rpcapd.ini", line: 1 } },
			],
			passiveClients: [],
			nullAuthPermit: true,
		});
	});

	test("Windows installer (install-rpcapd.ps1): CRLF, ', ' separator", () => {
		const text = "ActiveClient = 198.51.100.20, 2003\r\nNullAuthPermit = YES\r\n";
		const { config } = parseIni(text, "C:\\Program Files\\rpcapd\\rpcapd.ini");
		expect(withoutSources(config)).toEqual({
			activeClients: [{ host: "198.51.100.20", port: 2003 }],
			passiveClients: [],
			nullAuthPermit: true,
		});
	});

	test("preselection lines of the fork's README and ExtraHop's documentation", () => {
		const text = [
			"ActiveClient = 127.0.0.1;12037;ifname=vA",
			"ActiveClient=10.0.0.5,2003,ifaddr=10.1.0.0/16",
			"ActiveClient = 10.10.6.45, 2003, ifname=eth0",
			"ActiveClient = 10.10.6.45, 2003, ifname=eth1",
			"ActiveClient = 10.0.0.5, 2003, ifaddr=fd00::/64",
			"ActiveClient = sensor.example.com, DEFAULT, ifname=lo, ifaddr=127.0.0.0/8",
			"NullAuthPermit = YES",
		].join("\n");
		const { config, warnings } = parseIni(text, "rpcapd.ini");
		expect(warnings).toEqual([]);
		expect(withoutSources(config).activeClients).toEqual([
			{ host: "127.0.0.1", port: 12037, ifname: "vA" },
			{ host: "10.0.0.5", port: 2003, ifaddr: { address: "10.1.0.0", prefix: 16 } },
			{ host: "10.10.6.45", port: 2003, ifname: "eth0" },
			{ host: "10.10.6.45", port: 2003, ifname: "eth1" },
			{ host: "10.0.0.5", port: 2003, ifaddr: { address: "fd00::", prefix: 64 } },
			{ host: "sensor.example.com", port: 2003, ifname: "lo", ifaddr: { address: "127.0.0.0", prefix: 8 } },
		]);
		expect(config.activeClients.map((entry) => entry.source.line)).toEqual([1, 2, 3, 4, 5, 6]);
	});
});

/** What libpcap's `rpcapd -s` writes (fileconf_save), with the host list and one active client. */
const LIBPCAP_SAVED = [
	"# Configuration file help.",
	"",
	"# Hosts which are allowed to connect to this server (passive mode)",
	"# Format: PassiveClient = <name or address>",
	"",
	"PassiveClient = 10.0.0.1",
	"PassiveClient = collector.example.org",
	"PassiveClient = ::1",
	"",
	"",
	"# Hosts to which this server is trying to connect to (active mode)",
	"# Format: ActiveClient = <name or address>, <port | DEFAULT>",
	"",
	"ActiveClient = 10.0.0.5, 2003",
	"ActiveClient = sensor.example.org, 12003",
	"",
	"",
	"# Permit NULL authentication: YES or NOT",
	"",
	"NullAuthPermit = NO",
	"",
].join("\n");

describe("libpcap dialect files", () => {
	const expected = {
		activeClients: [
			{ host: "10.0.0.5", port: 2003 },
			{ host: "sensor.example.org", port: 12003 },
		],
		passiveClients: ["10.0.0.1", "collector.example.org", "::1"],
		nullAuthPermit: false,
	};

	test("the -s output with its comments", () => {
		const result = parseIni(LIBPCAP_SAVED, "rpcapd.ini");
		expect(result.warnings).toEqual([]);
		expect(withoutSources(result.config)).toEqual(expected);
		expect(result.config.activeClients.map((entry) => entry.source.line)).toEqual([14, 15]);
	});

	test("the same file with CRLF and without a final newline", () => {
		const text = LIBPCAP_SAVED.trimEnd().replaceAll("\n", "\r\n");
		expect(text.endsWith("NullAuthPermit = NO")).toBe(true);
		expect(withoutSources(parseIni(text, "rpcapd.ini").config)).toEqual(expected);
	});

	test("hand-edited: tabs, indentation, end-of-line comments, space-separated port", () => {
		const text = [
			"\t# passive hosts",
			"PassiveClient\t=\t10.0.0.1   # the admin box",
			"  PassiveClient = collector.example.org",
			"PassiveClient = ::1",
			"ActiveClient = 10.0.0.5 2003\t# ref accepts a space before the port",
			"ActiveClient\t= sensor.example.org ,\t12003",
			"NullAuthPermit = NO # no null auth",
		].join("\n");
		const result = parseIni(text, "rpcapd.ini");
		expect(result.warnings).toEqual([]);
		expect(withoutSources(result.config)).toEqual(expected);
	});

	test("a libpcap file written by us again reads back the same", () => {
		const first = parseIni(LIBPCAP_SAVED, "rpcapd.ini").config;
		const again = parseIni(writeIni(first), "saved.ini").config;
		expect(withoutSources(again)).toEqual(withoutSources(first));
	});
});
