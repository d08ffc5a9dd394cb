import { describe, expect, test } from "bun:test";
import {
	ConfigValidationError,
	defaultConfig,
	effectiveConfigSchema,
	mergeConfig,
	parseActiveTargetsFlag,
	parseIni,
	udpstrDatagramSize,
	validateConfig,
} from "../../../src/config/index.ts";

function issuesOf(input: unknown): readonly string[] {
	try {
		validateConfig(input);
	} catch (error) {
		expect(error).toBeInstanceOf(ConfigValidationError);
		return (error as ConfigValidationError).issues;
	}
	throw new Error("expected a ConfigValidationError");
}

describe("defaults", () => {
	test("every default of the effective configuration", () => {
		expect(defaultConfig()).toEqual({
			compat: "none",
			activeOnly: false,
			ipv4Only: false,
			listen: { addresses: [], port: 2002 },
			nullAuth: false,
			allowHosts: [],
			maxClients: 64,
			requestSizeCap: 262144,
			timeouts: {
				firstByteMs: 10000,
				tlsHandshakeMs: 10000,
				preAuthMs: 90000,
				idleMs: 180000,
				dataAcceptMs: 10000,
				connectMs: 10000,
				endcapReplyMs: 5000,
				dataStallMs: 60000,
			},
			tls: { enabled: false },
			excludeSelf: true,
			active: { targets: [], retryMaxS: 30 },
			udpstr: { mode: "auto", flushMs: 20 },
			keepalive: { idleS: 60, intervalS: 10, count: 6 },
			capture: { bufferSize: 16777216, immediate: false },
			log: { level: "info", format: "text", syslog: false, stats: false },
			daemonize: false,
		});
	});

	test("udpstr datagram size defaults by family unless configured (§8.2)", () => {
		const config = defaultConfig();
		expect(udpstrDatagramSize(config.udpstr, 4)).toBe(1472);
		expect(udpstrDatagramSize(config.udpstr, 6)).toBe(1452);
		expect(udpstrDatagramSize(mergeConfig({ udpstr: { size: 9000 } }).udpstr, 6)).toBe(9000);
	});

	test("--print-config JSON reads back to the same configuration", () => {
		const config = mergeConfig({
			configFile: "/etc/rpcapd.ini",
			active: {
				targets: [
					{
						host: "10.0.0.5",
						port: 2003,
						ifaddr: { address: "fd00::", prefix: 64 },
						source: { file: "a.ini", line: 3 },
					},
				],
				interface: "eth0",
			},
			tls: { enabled: true, keyFile: "k.pem", certFile: "c.pem" },
			dataPort: 40000,
		});
		expect(validateConfig(JSON.parse(JSON.stringify(config)))).toEqual(config);
	});
});

describe("validation", () => {
	test("out-of-range and malformed values are reported with their path", () => {
		expect(
			issuesOf({
				udpstr: { size: 20, flushMs: 0 },
				listen: { port: 0 },
				maxClients: 0,
				allowHosts: ["10.0.0.0/33"],
				active: { targets: [{ host: "bad host", port: 2003, source: "cli" }] },
			}),
		).toEqual([
			"listen.port: Too small: expected number to be >=1",
			"allowHosts.0: Allowed host network prefix 33 is out of range 0..32",
			"maxClients: Too small: expected number to be >=1",
			"active.targets.0.host: Host 'bad host' is not a valid host name or address",
			"udpstr.size: Too small: expected number to be >=64",
			"udpstr.flushMs: Too small: expected number to be >=1",
		]);
	});

	test("TLS needs its key and certificate files", () => {
		expect(issuesOf({ tls: { enabled: true } })).toEqual([
			"tls.keyFile: required when TLS is enabled",
			"tls.certFile: required when TLS is enabled",
		]);
	});

	test("unknown fields and invalid ifaddr selectors are refused", () => {
		expect(issuesOf({ bogus: 1 })[0]).toContain("bogus");
		expect(
			issuesOf({
				active: {
					targets: [{ host: "h", port: 1, ifaddr: { address: "10.0.0.0", prefix: 40 }, source: "cli" }],
				},
			}),
		).toEqual(["active.targets.0.ifaddr: ifaddr prefix 40 is out of range 0..32"]);
	});

	test("the message lists every issue on one line", () => {
		expect(() => validateConfig({ maxClients: -1, log: { level: "loud" } })).toThrow(
			/^Invalid configuration: .+; .+$/,
		);
	});
});

describe("-f semantics (§10.4)", () => {
	const cli = {
		nullAuth: true,
		allowHosts: ["192.0.2.1"],
		activeOnly: true,
		listen: { port: 3002 },
		udpstr: { mode: "off" as const, flushMs: 5 },
		active: { targets: parseActiveTargetsFlag("10.9.9.9,2003"), interface: "eth0", retryMaxS: 10 },
	};

	test("the file replaces the active list and the host list; other flags still apply", () => {
		const file = parseIni(
			"ActiveClient = 10.0.0.5, 2003, ifname=vA\nPassiveClient = 10.0.0.0/8\n",
			"rpcapd.ini",
		);
		const merged = mergeConfig(cli, file.config);
		expect(merged.active.targets).toEqual([
			{ host: "10.0.0.5", port: 2003, ifname: "vA", source: { file: "rpcapd.ini", line: 1 } },
		]);
		expect(merged.allowHosts).toEqual(["10.0.0.0/8"]);
		expect(merged.active.interface).toBe("eth0");
		expect(merged.active.retryMaxS).toBe(10);
		expect(merged.activeOnly).toBe(true);
		expect(merged.listen.port).toBe(3002);
		expect(merged.udpstr).toEqual({ mode: "off", flushMs: 5 });
	});

	test("a file without such lines still empties both lists", () => {
		const merged = mergeConfig(cli, parseIni("# empty\n", "rpcapd.ini").config);
		expect(merged.active.targets).toEqual([]);
		expect(merged.allowHosts).toEqual([]);
	});

	test("NullAuthPermit overrides -n only when present", () => {
		expect(mergeConfig(cli, parseIni("", "a.ini").config).nullAuth).toBe(true);
		expect(mergeConfig(cli, parseIni("NullAuthPermit = NO", "a.ini").config).nullAuth).toBe(false);
		expect(mergeConfig({}, parseIni("NullAuthPermit = YES", "a.ini").config).nullAuth).toBe(true);
	});

	test("Udpstr and UdpstrSize in the file win over the flags when present", () => {
		const merged = mergeConfig(cli, parseIni("Udpstr = on\nUdpstrSize = 1200\n", "a.ini").config);
		expect(merged.udpstr).toEqual({ mode: "on", size: 1200, flushMs: 5 });
	});

	test("without a file the command line is validated alone", () => {
		const merged = mergeConfig(cli);
		expect(merged.active.targets).toEqual([{ host: "10.9.9.9", port: 2003, source: "cli" }]);
		expect(merged.allowHosts).toEqual(["192.0.2.1"]);
		expect(effectiveConfigSchema.safeParse(merged).success).toBe(true);
	});
});
