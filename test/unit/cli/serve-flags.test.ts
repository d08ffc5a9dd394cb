import { describe, expect, test } from "bun:test";
import { buildEffectiveConfig, StartupConfigError } from "../../../src/cli/serve-config.ts";
import { parseServeFlags, UsageError } from "../../../src/cli/serve-flags.ts";

describe("serve flags", () => {
	test("libpcap short flags map to long options; -a keeps libpcap's host,port spelling", () => {
		const { flags } = parseServeFlags([
			"-b",
			"127.0.0.1",
			"-p2002",
			"-4",
			"-n",
			"-a",
			"10.0.0.5,2004,10.0.0.6",
			"-v",
			"-D",
			"-l",
			"a,b",
			"-K",
			"k",
			"-X",
			"c",
		]);
		expect(flags).toMatchObject({
			bind: ["127.0.0.1"],
			port: "2002",
			"ipv4-only": true,
			"null-auth": true,
			"active-only": true,
			debug: true,
			"tls-key": "k",
			"tls-cert": "c",
		});
		const { config } = buildEffectiveConfig(flags, "none");
		expect(config.active.targets.map((t) => [t.host, t.port])).toEqual([
			["10.0.0.5", 2004],
			["10.0.0.6", 2003],
		]);
		expect(config.allowHosts).toEqual(["a", "b"]);
	});

	test("grouped short flags (-nv) and --no-exclude-self", () => {
		const { flags } = parseServeFlags(["-nv", "--no-exclude-self"]);
		expect(buildEffectiveConfig(flags, "none").config).toMatchObject({
			nullAuth: true,
			activeOnly: true,
			excludeSelf: false,
		});
	});

	test.each(["-t", "-S", "-i"])("N16: %s without --compat is refused, naming the long options", (flag) => {
		expect(() => parseServeFlags([flag, "x"])).toThrow(UsageError);
		expect(() => parseServeFlags([flag, "x"])).toThrow(/--compat=libpcap or --compat=extrahop/);
	});

	test("--compat=libpcap: -t data port, -S TLS, -i inetd", () => {
		const { flags } = parseServeFlags(["--compat=libpcap", "-t", "2222", "-S", "-i"]);
		expect(flags).toMatchObject({ "data-port": "2222", tls: true, inetd: true });
	});

	test("--compat=extrahop: -t udpstr size, -S stats, -i interface, fork tuning flags accepted with warnings", () => {
		const { flags, warnings } = parseServeFlags([
			"--compat",
			"extrahop",
			"-t",
			"1400",
			"-S",
			"-i",
			"eth1",
			"-z",
			"4194304",
			"-u",
			"8388608",
			"-g",
		]);
		expect(flags).toMatchObject({
			"udpstr-size": "1400",
			"log-stats": true,
			interface: "eth1",
			"buffer-size": "4194304",
		});
		expect(warnings.length).toBe(2);
		const { config } = buildEffectiveConfig(flags, "extrahop");
		expect(config.udpstr.size).toBe(1400);
		expect(config.active.interface).toBe("eth1");
		expect(config.capture.bufferSize).toBe(4194304);
	});

	test("N17 / K10: udpstr size outside 64..65000 is a startup error", () => {
		for (const size of ["20", "63", "65001", "-1"]) {
			const { flags } = parseServeFlags(["--compat=extrahop", "-t", size]);
			expect(() => buildEffectiveConfig(flags, "extrahop")).toThrow(StartupConfigError);
			try {
				buildEffectiveConfig(flags, "extrahop");
			} catch (error) {
				expect((error as StartupConfigError).lines).toEqual(["udpstr size must be between 64 and 65000"]);
				expect((error as StartupConfigError).exitCode).toBe(78);
			}
		}
	});

	test("unknown options and missing values are usage errors", () => {
		expect(() => parseServeFlags(["--bogus"])).toThrow(/Unknown option --bogus/);
		expect(() => parseServeFlags(["-Q"])).toThrow(/Unknown option -Q/);
		expect(() => parseServeFlags(["-p"])).toThrow(/needs a value/);
		expect(() => parseServeFlags(["--null-auth=yes"])).toThrow(/takes no value/);
	});

	test("--ifname repeated expands every target into one entry per interface", () => {
		const { flags } = parseServeFlags([
			"--active",
			"c:2003",
			"--active",
			"[::1]",
			"--ifname",
			"eth0",
			"--ifname",
			"eth1",
		]);
		const { config } = buildEffectiveConfig(flags, "none");
		expect(config.active.targets.map((t) => `${t.host}:${t.port}/${t.ifname}`)).toEqual([
			"c:2003/eth0",
			"c:2003/eth1",
			"::1:2003/eth0",
			"::1:2003/eth1",
		]);
	});
});
