// `rpcapd collect` command line: flags (some repeatable, tcpdump-style short ones) and a trailing filter expression.

import { CollectorOptionError } from "../errors.ts";

export interface FlagSpec {
	long: string;
	short?: string;
	/** "value" takes an argument; "boolean" does not. */
	kind: "value" | "boolean";
	multiple?: boolean;
	argument?: string;
	description: string;
}

export const COLLECT_FLAGS: FlagSpec[] = [
	{
		long: "listen",
		kind: "value",
		argument: "[ADDR:]PORT",
		description: "Accept active sensors (default 0.0.0.0:2003 when no --connect)",
	},
	{
		long: "connect",
		kind: "value",
		multiple: true,
		argument: "URL",
		description: "Dial a passive sensor: rpcap[s]://HOST[:PORT]/[IFACE] (repeatable)",
	},
	{
		long: "write",
		short: "w",
		kind: "value",
		argument: "FILE",
		description: "Capture file (a template with --split/-G); - for standard output",
	},
	{
		long: "format",
		kind: "value",
		argument: "pcap|pcapng",
		description: "File format (default pcap; pcapng names each sensor/interface)",
	},
	{
		long: "split",
		kind: "boolean",
		description: "One file per sensor/interface ({sensor} and {iface} in the name)",
	},
	{
		long: "file-size",
		short: "C",
		kind: "value",
		argument: "MB",
		description: "Start a new file above this size (millions of bytes), like tcpdump -C",
	},
	{
		long: "rotate-seconds",
		short: "G",
		kind: "value",
		argument: "SECONDS",
		description: "Start a new file every SECONDS (strftime in the name), like tcpdump -G",
	},
	{
		long: "file-count",
		short: "W",
		kind: "value",
		argument: "COUNT",
		description: "With -C a ring of COUNT files; with -G stop after COUNT files",
	},
	{
		long: "iface",
		short: "i",
		kind: "value",
		argument: "NAME",
		description: "Interface to open when the sensor preselects none",
	},
	{
		long: "filter",
		short: "f",
		kind: "value",
		argument: "EXPR",
		description: "Capture filter (also accepted as trailing words), compiled here",
	},
	{
		long: "snaplen",
		short: "s",
		kind: "value",
		argument: "BYTES",
		description: "Snapshot length (default 262144)",
	},
	{
		long: "no-promisc",
		short: "p",
		kind: "boolean",
		description: "Do not put the sensor's interface in promiscuous mode",
	},
	{
		long: "transport",
		kind: "value",
		argument: "tcp|udp|udpstr",
		description: "Data channel (default tcp); udp/udpstr accept both framings",
	},
	{
		long: "auth",
		kind: "value",
		argument: "USER:PASS",
		description: "Password authentication (default NULL authentication)",
	},
	{
		long: "tls",
		kind: "boolean",
		description: "TLS on every control and data connection (rpcaps:// turns it on per sensor)",
	},
	{
		long: "ca",
		kind: "value",
		argument: "FILE",
		description: "Verify sensor certificates against this CA bundle (PEM)",
	},
	{
		long: "insecure",
		kind: "boolean",
		description: "Do not verify sensor certificates (what libpcap's client does)",
	},
	{
		long: "read-timeout",
		kind: "value",
		argument: "MS",
		description: "Latency bound sent in STARTCAP (default 100)",
	},
	{
		long: "udp-buffer",
		kind: "value",
		argument: "BYTES",
		description: "UDP receive buffer floor (default 8 MiB; raised to the sensor's bufsize)",
	},
	{
		long: "stats-interval",
		kind: "value",
		argument: "SECONDS",
		description: "Live view / JSON line period (default 2)",
	},
	{
		long: "stats-poll",
		kind: "value",
		argument: "SECONDS",
		description: "How often sensors are asked for their STATS (default 5; 0 = never)",
	},
	{
		long: "view",
		kind: "value",
		argument: "auto|table|json|none",
		description: "Live view: table on a terminal, JSON lines otherwise (default auto)",
	},
	{
		long: "metrics",
		kind: "value",
		argument: "ADDR:PORT",
		description: "Serve the counters in Prometheus text format on /metrics",
	},
	{ long: "duration", kind: "value", argument: "SECONDS", description: "Stop after SECONDS" },
	{
		long: "http",
		kind: "value",
		argument: "FILE",
		description: "Reassemble TCP and write one JSON line per HTTP exchange (- for stdout)",
	},
	{
		long: "streams",
		kind: "value",
		argument: "DIR",
		description: "Reassemble TCP and write each stream's bytes per direction",
	},
	{ long: "bodies", kind: "value", argument: "DIR", description: "With --http: write HTTP bodies as files" },
	{
		long: "max-flows",
		kind: "value",
		argument: "N",
		description: "Reassembly: flows tracked at once (default 65536; evictions counted)",
	},
	{
		long: "max-buffer",
		kind: "value",
		argument: "BYTES",
		description: "Reassembly: out-of-order bytes held in all (default 256M)",
	},
	{ long: "debug", short: "D", kind: "boolean", description: "Debug logging" },
	{ long: "log-format", kind: "value", argument: "text|json", description: "Log line format (default text)" },
];

export type CollectFlags = Record<string, string | boolean | string[]> & { _: string[] };

/** Parses argv; positional words form the filter expression (tcpdump style). Throws CollectorOptionError. */
export function parseCollectFlags(argv: readonly string[]): CollectFlags {
	const byLong = new Map(COLLECT_FLAGS.map((flag) => [flag.long, flag]));
	const byShort = new Map(COLLECT_FLAGS.filter((f) => f.short).map((flag) => [flag.short!, flag]));
	const flags: CollectFlags = { _: [] };
	const set = (spec: FlagSpec, value: string | boolean) => {
		if (spec.multiple && typeof value === "string")
			flags[spec.long] = [...((flags[spec.long] as string[]) ?? []), value];
		else flags[spec.long] = value;
	};
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i]!;
		if (arg === "--") {
			flags._.push(...argv.slice(i + 1));
			break;
		}
		let spec: FlagSpec | undefined;
		let inline: string | undefined;
		if (arg.startsWith("--")) {
			const [name, value] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
			spec = byLong.get(name);
			inline = value;
			if (spec === undefined)
				throw new CollectorOptionError(`Unknown option --${name} (see rpcapd collect --help)`);
		} else if (arg.startsWith("-") && arg.length > 1 && arg !== "-") {
			spec = byShort.get(arg[1]!);
			if (spec === undefined)
				throw new CollectorOptionError(`Unknown option ${arg} (see rpcapd collect --help)`);
			if (arg.length > 2) inline = arg.slice(2);
		} else {
			flags._.push(arg);
			continue;
		}
		if (spec.kind === "boolean") {
			if (inline !== undefined) throw new CollectorOptionError(`Option --${spec.long} takes no value`);
			set(spec, true);
			continue;
		}
		const value = inline ?? argv[++i];
		if (value === undefined)
			throw new CollectorOptionError(`Option --${spec.long} needs a value (${spec.argument})`);
		set(spec, value);
	}
	return flags;
}
