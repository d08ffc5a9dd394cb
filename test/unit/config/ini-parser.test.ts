import { describe, expect, test } from "bun:test";
import {
	ConfigError,
	ConfigErrors,
	decodeIniBytes,
	type IniParseResult,
	parseIni,
} from "../../../src/config/index.ts";

const FILE = "rpcapd.ini";

function parse(text: string): IniParseResult {
	return parseIni(text, FILE);
}

/** The formatted errors of a file that must fail. */
function errorsOf(text: string): string[] {
	try {
		parse(text);
	} catch (error) {
		if (error instanceof ConfigErrors) return error.errors.map(String);
		throw error;
	}
	throw new Error("expected the file to be rejected");
}

function warningsOf(text: string): string[] {
	return parse(text).warnings.map(String);
}

describe("bad-inputs.md group N (file rows)", () => {
	test("N1: missing port is an error at the end of the host", () => {
		expect(errorsOf("ActiveClient = 10.0.0.5\n")).toEqual([
			"rpcapd.ini:1:24: ActiveClient has no port (write DEFAULT for 2003)",
		]);
		// An option where the port should be is also a missing port.
		expect(errorsOf("ActiveClient = 10.0.0.5, ifname=eth0\n")).toEqual([
			"rpcapd.ini:1:26: ActiveClient has no port (write DEFAULT for 2003)",
		]);
	});

	test("N2: ActiveClient without '='", () => {
		expect(errorsOf("ActiveClient 10.0.0.5, 2003\n")).toEqual(["rpcapd.ini:1:1: ActiveClient has no '='"]);
	});

	test("N3: PassiveClient without '='", () => {
		expect(errorsOf("# allow list\nPassiveClient 10.0.0.1\n")).toEqual([
			"rpcapd.ini:2:1: PassiveClient has no '='",
		]);
	});

	test("N4: spaces around '=' inside an option, all spellings", () => {
		const expected = "write 'ifname=eth0' without spaces around '='";
		expect(errorsOf("ActiveClient = 10.0.0.5, 2003, ifname = eth0")).toEqual([
			`rpcapd.ini:1:32: ${expected}`,
		]);
		expect(errorsOf("ActiveClient = 10.0.0.5, 2003, ifname= eth0")).toEqual([`rpcapd.ini:1:32: ${expected}`]);
		expect(errorsOf("ActiveClient = 10.0.0.5, 2003, ifname =eth0")).toEqual([`rpcapd.ini:1:32: ${expected}`]);
		expect(errorsOf("ActiveClient=10.0.0.5,2003,ifaddr = 10.1.0.0/16")).toEqual([
			"rpcapd.ini:1:28: write 'ifaddr=10.1.0.0/16' without spaces around '='",
		]);
	});

	test("N5: TAB after '=' is whitespace", () => {
		const { config } = parse("ActiveClient =\t10.0.0.5,2003\n");
		expect(config.activeClients).toEqual([{ host: "10.0.0.5", port: 2003, source: { file: FILE, line: 1 } }]);
	});

	test("N6: an indented '#' line is a comment", () => {
		const result = parse("  # ActiveClient = 10.0.0.9, 2003\n\t# PassiveClient = x\n");
		expect(result.config.activeClients).toEqual([]);
		expect(result.config.passiveClients).toEqual([]);
		expect(result.warnings).toEqual([]);
	});

	test("N7: bad ifaddr values name the value", () => {
		const text = [
			"ActiveClient=10.0.0.5,2003,ifaddr=10.1.0.0/33",
			"ActiveClient=10.0.0.5,2003,ifaddr=fd00::/129",
			"ActiveClient=10.0.0.5,2003,ifaddr=host.example",
			"ActiveClient=10.0.0.5,2003,ifaddr=10.1.0.0/x",
		].join("\n");
		expect(errorsOf(text)).toEqual([
			"rpcapd.ini:1:44: ifaddr prefix 33 is out of range 0..32",
			"rpcapd.ini:2:42: ifaddr prefix 129 is out of range 0..128",
			"rpcapd.ini:3:35: ifaddr 'host.example' is not a numeric IPv4 or IPv6 address",
			"rpcapd.ini:4:44: ifaddr prefix 'x' is not a number",
		]);
	});

	test("N8: empty ifname and unknown option", () => {
		expect(
			errorsOf("ActiveClient = 10.0.0.5, 2003, ifname=\nActiveClient = 10.0.0.5, 2003, foo=bar\n"),
		).toEqual([
			"rpcapd.ini:1:39: ifname has an empty value",
			"rpcapd.ini:2:32: Unknown ActiveClient option 'foo' (expected ifname, ifaddr or udpstr)",
		]);
	});

	test("N9: 20 distinct entries are all used, an exact duplicate is warned and dropped", () => {
		const lines = Array.from({ length: 20 }, (_, index) => `ActiveClient = 10.0.0.${index + 1}, 2003`);
		lines.push("ActiveClient = 10.0.0.7,2003");
		const result = parse(lines.join("\n"));
		expect(result.config.activeClients).toHaveLength(20);
		expect(result.config.activeClients.map((entry) => entry.host)).toEqual(
			Array.from({ length: 20 }, (_, index) => `10.0.0.${index + 1}`),
		);
		expect(result.warnings.map(String)).toEqual([
			"rpcapd.ini:21:16: ActiveClient duplicates the entry on line 7; duplicate ignored",
		]);
	});

	test("N9: entries differing only in options are not duplicates", () => {
		const result = parse(
			"ActiveClient = 10.0.0.5, 2003\nActiveClient = 10.0.0.5, 2003, ifname=eth0\nActiveClient = 10.0.0.5, 2003, udpstr=off\n",
		);
		expect(result.config.activeClients).toHaveLength(3);
		expect(result.warnings).toEqual([]);
	});

	test("N10: NullAuthPermit yes → enabled with a warning; NOT YES and maybe → errors", () => {
		const yes = parse("NullAuthPermit = yes\n");
		expect(yes.config.nullAuthPermit).toBe(true);
		expect(yes.warnings.map(String)).toEqual([
			"rpcapd.ini:1:18: NullAuthPermit 'yes' means YES here but NO to the reference rpcapd and the ExtraHop fork; write YES",
		]);
		expect(errorsOf("NullAuthPermit = NOT YES\nNullAuthPermit = maybe\n")).toEqual([
			"rpcapd.ini:1:18: NullAuthPermit must be YES or NO, not 'NOT YES'",
			"rpcapd.ini:2:18: NullAuthPermit must be YES or NO, not 'maybe'",
		]);
	});

	test("N10: exact YES / NO have no warning; other cases of NO warn", () => {
		expect(parse("NullAuthPermit = YES").config.nullAuthPermit).toBe(true);
		expect(parse("NullAuthPermit = NO").config.nullAuthPermit).toBe(false);
		expect(warningsOf("NullAuthPermit = YES\n")).toEqual([]);
		const no = parse("NullAuthPermit = No\n");
		expect(no.config.nullAuthPermit).toBe(false);
		expect(no.warnings).toHaveLength(1);
		expect(no.warnings[0]!.message).toContain("'No' means NO");
		expect(errorsOf("NullAuthPermit = 1")).toEqual([
			"rpcapd.ini:1:18: NullAuthPermit must be YES or NO, not '1'",
		]);
		expect(errorsOf("NullAuthPermit =")).toEqual(["rpcapd.ini:1:17: NullAuthPermit has no value"]);
	});

	test("N11: a final line without a newline is parsed", () => {
		const result = parse("NullAuthPermit = NO\nActiveClient = 10.0.0.5, 2003");
		expect(result.config.activeClients).toEqual([
			{ host: "10.0.0.5", port: 2003, source: { file: FILE, line: 2 } },
		]);
	});

	test("N12: a 5000-character PassiveClient line is parsed", () => {
		const hosts = Array.from({ length: 500 }, (_, index) => `10.${index >> 8}.${index & 255}.1`);
		const line = `PassiveClient = ${hosts.join(",")}`;
		expect(line.length).toBeGreaterThan(5000);
		expect(parse(line).config.passiveClients).toEqual(hosts);
	});

	test("N13: an unknown key is a warning with file:line and the line is ignored", () => {
		const result = parse("Bogus = 1\nActiveClient = 10.0.0.5, 2003\n");
		expect(result.warnings.map(String)).toEqual(["rpcapd.ini:1:1: Unknown key 'Bogus'; line ignored"]);
		expect(result.config.activeClients).toHaveLength(1);
		expect(warningsOf("  SomethingElse\n")).toEqual([
			"rpcapd.ini:1:3: Unknown key 'SomethingElse'; line ignored",
		]);
		expect(warningsOf("= 1\n")).toEqual(["rpcapd.ini:1:1: Line has no key before '='; ignored"]);
	});
});

describe("keys and values", () => {
	test("a key differing only by case is an error with a suggestion", () => {
		expect(errorsOf("activeclient = 10.0.0.5, 2003\n  NULLAUTHPERMIT = YES\nudpstrsize = 1000")).toEqual([
			"rpcapd.ini:1:1: Unknown key 'activeclient'; did you mean 'ActiveClient'?",
			"rpcapd.ini:2:3: Unknown key 'NULLAUTHPERMIT'; did you mean 'NullAuthPermit'?",
			"rpcapd.ini:3:1: Unknown key 'udpstrsize'; did you mean 'UdpstrSize'?",
		]);
	});

	test("every error in the file is collected, with the warnings", () => {
		const text = "Bogus = 1\nActiveClient = 10.0.0.5\nPassiveClient 1.2.3.4\nNullAuthPermit = maybe\n";
		let caught: unknown;
		try {
			parse(text);
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(ConfigErrors);
		const aggregate = caught as ConfigErrors;
		expect(aggregate.errors.map((error) => [error.file, error.line, error.column])).toEqual([
			[FILE, 2, 24],
			[FILE, 3, 1],
			[FILE, 4, 18],
		]);
		for (const error of aggregate.errors) expect(error).toBeInstanceOf(ConfigError);
		expect(aggregate.warnings.map(String)).toEqual(["rpcapd.ini:1:1: Unknown key 'Bogus'; line ignored"]);
		expect(aggregate.message.split("\n")).toEqual(aggregate.errors.map(String));
	});

	test("several errors on one line are all reported", () => {
		expect(errorsOf("ActiveClient = bad_host!, 70000, IFNAME=eth0, udpstr=maybe")).toEqual([
			"rpcapd.ini:1:16: ActiveClient host 'bad_host!' is not a valid host name or address",
			"rpcapd.ini:1:27: ActiveClient port 70000 is out of range 1..65535",
			"rpcapd.ini:1:34: Unknown ActiveClient option 'IFNAME'; did you mean 'ifname'?",
			"rpcapd.ini:1:54: udpstr must be on or off, not 'maybe'",
		]);
	});

	test("ActiveClient ports: DEFAULT, numbers, and bad values", () => {
		const result = parse(
			"ActiveClient = a.example, DEFAULT\nActiveClient = b.example 1\nActiveClient = c;65535",
		);
		expect(result.config.activeClients.map((entry) => entry.port)).toEqual([2003, 1, 65535]);
		expect(errorsOf("ActiveClient = a, 0\nActiveClient = a, default\nActiveClient = a, rpcap")).toEqual([
			"rpcapd.ini:1:19: ActiveClient port 0 is out of range 1..65535",
			"rpcapd.ini:2:19: ActiveClient port 'default' is not a number 1..65535 or DEFAULT",
			"rpcapd.ini:3:19: ActiveClient port 'rpcap' is not a number 1..65535 or DEFAULT",
		]);
	});

	test("ActiveClient hosts: names, IPv4, IPv6 with or without brackets, zones", () => {
		const result = parse(
			[
				"ActiveClient = collector.example.com, 2003",
				"ActiveClient = ::1, 2003",
				"ActiveClient = [fd00::5], 2003",
				"ActiveClient = fe80::1%eth0, 2003",
				"ActiveClient = [fe80::2%eth1] 2003",
			].join("\n"),
		);
		expect(result.config.activeClients.map((entry) => entry.host)).toEqual([
			"collector.example.com",
			"::1",
			"fd00::5",
			"fe80::1%eth0",
			"fe80::2%eth1",
		]);
		expect(errorsOf("ActiveClient = [::1]:2003\nActiveClient = 10.0.0.256, 2003\nActiveClient =")).toEqual([
			"rpcapd.ini:1:16: ActiveClient host '[::1]:2003' is not valid; give the port as a separate value",
			"rpcapd.ini:1:26: ActiveClient has no port (write DEFAULT for 2003)",
			"rpcapd.ini:2:16: ActiveClient host '10.0.0.256' is not a valid IPv4 address",
			"rpcapd.ini:3:15: ActiveClient has no value",
		]);
	});

	test("repeated ifname expands to one entry per name; options are kept on each", () => {
		const result = parse("ActiveClient = 10.10.6.45, 2003, ifname=eth0, ifname=eth1, udpstr=off\n");
		expect(result.config.activeClients).toEqual([
			{ host: "10.10.6.45", port: 2003, ifname: "eth0", udpstr: "off", source: { file: FILE, line: 1 } },
			{ host: "10.10.6.45", port: 2003, ifname: "eth1", udpstr: "off", source: { file: FILE, line: 1 } },
		]);
	});

	test("ifaddr: at most once, combinable with one ifname, prefix defaults", () => {
		const result = parse(
			"ActiveClient = 10.0.0.5, 2003, ifname=lo, ifaddr=127.0.0.0/8\nActiveClient = 10.0.0.5, 2003, ifaddr=fd00::1\n",
		);
		expect(result.config.activeClients.map(({ ifname, ifaddr }) => ({ ifname, ifaddr }))).toEqual([
			{ ifname: "lo", ifaddr: { address: "127.0.0.0", prefix: 8 } },
			{ ifname: undefined, ifaddr: { address: "fd00::1", prefix: 128 } },
		]);
		expect(
			errorsOf(
				"ActiveClient = h, 1, ifaddr=10.0.0.0/8, ifaddr=10.1.0.0/16\nActiveClient = h, 1, ifname=a, ifname=b, ifaddr=10.0.0.0/8\n",
			),
		).toEqual([
			"rpcapd.ini:1:41: ifaddr may be given only once",
			"rpcapd.ini:2:42: ifaddr cannot be combined with more than one ifname",
		]);
	});

	test("option syntax errors", () => {
		expect(
			errorsOf(
				"ActiveClient = h, 1, eth0\nActiveClient = h, 1, =eth0\nActiveClient = h, 1, udpstr=on, udpstr=off",
			),
		).toEqual([
			"rpcapd.ini:1:22: ActiveClient option 'eth0' is not key=value (expected ifname=, ifaddr= or udpstr=)",
			"rpcapd.ini:2:22: ActiveClient option '=eth0' has no name",
			"rpcapd.ini:3:33: udpstr may be given only once",
		]);
	});

	test("PassiveClient: hosts, addresses and CIDR accumulate over lines and separators", () => {
		const result = parse(
			"PassiveClient = 10.0.0.1\nPassiveClient = a.example,b.example; 10.1.0.0/16\tfd00::/8\nPassiveClient = [::1]\n",
		);
		expect(result.config.passiveClients).toEqual([
			"10.0.0.1",
			"a.example",
			"b.example",
			"10.1.0.0/16",
			"fd00::/8",
			"::1",
		]);
		expect(errorsOf("PassiveClient = 10.0.0.0/33, ok.example, bad!host")).toEqual([
			"rpcapd.ini:1:26: Allowed host network prefix 33 is out of range 0..32",
			"rpcapd.ini:1:42: Allowed host 'bad!host' is not a valid host name or address",
		]);
	});

	test("our keys Udpstr and UdpstrSize", () => {
		const result = parse("Udpstr = on\nUdpstrSize = 1400\n");
		expect(result.config.udpstr).toBe("on");
		expect(result.config.udpstrSize).toBe(1400);
		expect(errorsOf("Udpstr = yes\nUdpstrSize = 20\nUdpstrSize = big")).toEqual([
			"rpcapd.ini:1:10: Udpstr must be auto, on or off, not 'yes'",
			"rpcapd.ini:2:14: udpstr size must be between 64 and 65000",
			"rpcapd.ini:3:14: udpstr size 'big' is not a number",
		]);
	});

	test("a repeated single-valued key warns and the last value wins", () => {
		const result = parse("NullAuthPermit = YES\nNullAuthPermit = NO\n");
		expect(result.config.nullAuthPermit).toBe(false);
		expect(result.warnings.map(String)).toEqual([
			"rpcapd.ini:2:18: NullAuthPermit is already set on line 1; the last value wins",
		]);
	});

	test("absent keys stay absent", () => {
		expect(parse("").config).toEqual({ activeClients: [], passiveClients: [] });
		expect(parse("\n\n# nothing\n   \n").config).toEqual({ activeClients: [], passiveClients: [] });
		expect("nullAuthPermit" in parse("ActiveClient = h, 1").config).toBe(false);
	});
});

describe("line handling", () => {
	test("comments: at line start, after blanks, and after a value; '#' inside a token is not one", () => {
		const result = parse(
			"# header\nActiveClient = 10.0.0.5, 2003 # the sensor\nActiveClient = 10.0.0.6, 2003\t#tab comment\nNullAuthPermit = YES # x\n",
		);
		expect(result.config.activeClients.map((entry) => entry.host)).toEqual(["10.0.0.5", "10.0.0.6"]);
		expect(errorsOf("NullAuthPermit = YES#x")).toEqual([
			"rpcapd.ini:1:18: NullAuthPermit must be YES or NO, not 'YES#x'",
		]);
		expect(parse("ActiveClient = h, 1, ifname=#weird").config.activeClients[0]!.ifname).toBe("#weird");
	});

	test("CRLF, lone CR, BOM, blank lines and TAB indentation", () => {
		const result = parse(
			"\uFEFFActiveClient = 10.0.0.5, 2003\r\n\r\n\tPassiveClient = 10.0.0.1\rNullAuthPermit = YES\r\n",
		);
		expect(result.config.activeClients[0]!.source.line).toBe(1);
		expect(result.config.passiveClients).toEqual(["10.0.0.1"]);
		expect(result.config.nullAuthPermit).toBe(true);
		// Line numbers count CRLF as one break.
		expect(errorsOf("\r\n\r\nActiveClient = 10.0.0.5\r\n")).toEqual([
			"rpcapd.ini:3:24: ActiveClient has no port (write DEFAULT for 2003)",
		]);
	});

	test("the file name given is used in every message", () => {
		expect(() => parseIni("ActiveClient = x", "/opt/extrahop/etc/rpcapd.ini")).toThrow(
			"/opt/extrahop/etc/rpcapd.ini:1:17: ActiveClient has no port (write DEFAULT for 2003)",
		);
	});

	test("decodeIniBytes: UTF-8 with BOM accepted, invalid UTF-8 located", () => {
		const encoder = new TextEncoder();
		// The decoder drops the BOM (the parser also accepts text that still has one).
		expect(decodeIniBytes(encoder.encode("\uFEFFPassiveClient = é.example\n"), FILE)).toBe(
			"PassiveClient = é.example\n",
		);
		const bad = new Uint8Array([...encoder.encode("NullAuthPermit = YES\nPassiveClient = caf"), 0xe9, 0x0a]);
		try {
			decodeIniBytes(bad, FILE);
			throw new Error("expected an error");
		} catch (error) {
			expect(error).toBeInstanceOf(ConfigErrors);
			expect((error as ConfigErrors).errors.map(String)).toEqual([
				"rpcapd.ini:2:20: File is not valid UTF-8",
			]);
		}
	});
});
