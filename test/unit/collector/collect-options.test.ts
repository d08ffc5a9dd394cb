// Command line of `rpcapd collect`: flags, sensor URLs, addresses, defaults and the errors for bad values.

import { describe, expect, test } from "bun:test";
import {
	buildCollectOptions,
	CollectorOptionError,
	parseCollectFlags,
	parseHostPort,
	parseSensorUrl,
} from "../../../src/collector/index.ts";

const noFile = (path: string): Buffer => {
	throw new Error(`ENOENT: no such file, open '${path}'`);
};
const options = (argv: string[], readFile: (path: string) => Buffer = noFile) =>
	buildCollectOptions(parseCollectFlags(argv), readFile);

describe("sensor URLs", () => {
	test("rpcap and rpcaps, default port 2002, IPv6 in brackets, optional interface", () => {
		expect(parseSensorUrl("rpcap://sensor1/eth0")).toEqual({
			url: "rpcap://sensor1/eth0",
			secure: false,
			host: "sensor1",
			port: 2002,
			iface: "eth0",
			name: "sensor1",
		});
		expect(parseSensorUrl("rpcaps://[::1]:2999/")).toMatchObject({
			secure: true,
			host: "::1",
			port: 2999,
			iface: null,
			name: "[::1]:2999",
		});
		expect(parseSensorUrl("rpcap://10.0.0.1:2002")).toMatchObject({ iface: null, name: "10.0.0.1" });
		expect(parseSensorUrl("rpcap://h/dbus%2Dsystem").iface).toBe("dbus-system");
	});

	test("anything else is an option error", () => {
		for (const bad of ["http://x/eth0", "rpcap://", "rpcap://h:0/x", "rpcap://h:70000/x", "sensor1/eth0"]) {
			expect(() => parseSensorUrl(bad)).toThrow(CollectorOptionError);
		}
	});
});

describe("flags", () => {
	test("repeatable --connect, tcpdump short options, a trailing filter expression", () => {
		const flags = parseCollectFlags([
			"--connect",
			"rpcap://a/eth0",
			"--connect=rpcap://b/eth1",
			"-w",
			"out.pcap",
			"-C",
			"100",
			"-W5",
			"-p",
			"tcp",
			"port",
			"80",
		]);
		expect(flags.connect).toEqual(["rpcap://a/eth0", "rpcap://b/eth1"]);
		expect(flags).toMatchObject({
			write: "out.pcap",
			"file-size": "100",
			"file-count": "5",
			"no-promisc": true,
		});
		expect(flags._).toEqual(["tcp", "port", "80"]);
	});

	test("unknown options, missing values and values on booleans are errors", () => {
		expect(() => parseCollectFlags(["--bogus"])).toThrow(
			"Unknown option --bogus (see rpcapd collect --help)",
		);
		expect(() => parseCollectFlags(["-Z"])).toThrow("Unknown option -Z");
		expect(() => parseCollectFlags(["-w"])).toThrow("Option --write needs a value (FILE)");
		expect(() => parseCollectFlags(["--split=yes"])).toThrow("Option --split takes no value");
	});
});

describe("options", () => {
	test("defaults: listen on 2003 when no sensor is named, pcap, tcp, promisc, snaplen 262144, NULL auth", () => {
		const o = options(["-w", "x.pcap"]);
		expect(o.listen).toEqual({ host: "0.0.0.0", port: 2003 });
		expect(o.targets).toEqual([]);
		expect(o.sink).toEqual({ path: "x.pcap", format: "pcap", split: false, rotation: {} });
		expect(o.session).toMatchObject({
			auth: { type: "null" },
			snaplen: 262144,
			promisc: true,
			transport: "tcp",
			filter: null,
			preferredIface: null,
			statsIntervalMs: 5000,
			udpReceiveBufferBytes: 8 << 20,
		});
		expect(o.tls).toEqual({ verify: true });
		expect(o).toMatchObject({
			tlsEverywhere: false,
			view: "auto",
			metrics: null,
			durationMs: null,
			statsIntervalMs: 2000,
		});
	});

	test("everything set", () => {
		const o = options(
			[
				"--listen",
				"[::1]:3003",
				"--connect",
				"rpcaps://s1:2100/eth0",
				"-w",
				"cap-%H.pcapng",
				"--format",
				"pcapng",
				"--split",
				"-C",
				"1.5",
				"-G",
				"60",
				"-W",
				"4",
				"--iface",
				"eth2",
				"--filter",
				"udp",
				"port",
				"53",
				"-s",
				"96",
				"--transport",
				"udpstr",
				"--auth",
				"alice:pa:ss",
				"--tls",
				"--ca",
				"ca.pem",
				"--stats-interval",
				"0.5",
				"--stats-poll",
				"0",
				"--metrics",
				":9100",
				"--duration",
				"2.5",
				"--view",
				"json",
			],
			() => Buffer.from("PEM"),
		);
		expect(o.listen).toEqual({ host: "::1", port: 3003 });
		expect(o.targets.map((t) => t.name)).toEqual(["s1:2100"]);
		expect(o.sink).toEqual({
			path: "cap-%H.pcapng",
			format: "pcapng",
			split: true,
			rotation: { maxFileBytes: 1_500_000, intervalSeconds: 60, maxFiles: 4 },
		});
		expect(o.session).toMatchObject({
			auth: { type: "password", username: "alice", password: "pa:ss" },
			preferredIface: "eth2",
			filter: "(udp) and (port 53)",
			snaplen: 96,
			transport: "udpstr",
			statsIntervalMs: 0,
		});
		expect(o.tls).toEqual({ verify: true, ca: Buffer.from("PEM") });
		expect(o).toMatchObject({
			tlsEverywhere: true,
			statsIntervalMs: 500,
			metrics: { host: "127.0.0.1", port: 9100 },
			durationMs: 2500,
			view: "json",
		});
	});

	test("bad values are option errors that say which option and value", () => {
		const cases: [string[], string][] = [
			[[], "No output: give -w FILE (or -w - for standard output)"],
			[["-w", "x", "--format", "json"], 'Invalid --format value "json": expected one of pcap, pcapng'],
			[["-w", "x", "-s", "0"], 'Invalid --snaplen value "0": expected a number from 1 to 262144'],
			[["-w", "x", "--listen", "host:port"], 'Invalid --listen "host:port": expected [ADDR:]PORT'],
			[["-w", "x", "--auth", "nouser"], "Invalid --auth value: expected USER:PASS"],
			[["-w", "x", "--ca", "ca.pem", "--insecure"], "--ca and --insecure exclude each other"],
			[
				["-w", "x", "--ca", "missing.pem"],
				`Cannot read the CA file "missing.pem": ENOENT: no such file, open 'missing.pem'`,
			],
			[
				["-w", "x", "--transport", "sctp"],
				'Invalid --transport value "sctp": expected one of tcp, udp, udpstr',
			],
		];
		for (const [argv, message] of cases) {
			expect(() => options(argv)).toThrow(CollectorOptionError);
			expect(() => options(argv)).toThrow(message);
		}
	});

	test("host:port forms", () => {
		expect(parseHostPort("2003", "x", "0.0.0.0")).toEqual({ host: "0.0.0.0", port: 2003 });
		expect(parseHostPort("127.0.0.1:0", "x", "0.0.0.0")).toEqual({ host: "127.0.0.1", port: 0 });
		expect(parseHostPort("[fe80::1]:9", "x", "0.0.0.0")).toEqual({ host: "fe80::1", port: 9 });
		expect(() => parseHostPort("1:2:3", "--metrics", "h")).toThrow(
			'Invalid --metrics "1:2:3": expected [ADDR:]PORT',
		);
	});
});
