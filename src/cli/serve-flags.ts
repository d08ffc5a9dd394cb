// The daemon's command-line flags: one table drives strict parsing and the help text; short flags follow libpcap's rpcapd, and the three letters whose meaning differs in ExtraHop's fork need an explicit --compat.

export type FlagKind = "boolean" | "string";

export interface FlagDef {
	long: string;
	short?: string;
	kind: FlagKind;
	multiple?: boolean;
	valueHint?: string;
	description: string;
}

export const SERVE_FLAGS: readonly FlagDef[] = [
	{
		long: "bind",
		short: "b",
		kind: "string",
		multiple: true,
		valueHint: "ADDR",
		description: "Passive listener address (repeatable; default all)",
	},
	{
		long: "port",
		short: "p",
		kind: "string",
		valueHint: "PORT",
		description: "Passive control port (default 2002)",
	},
	{
		long: "ipv4-only",
		short: "4",
		kind: "boolean",
		description: "IPv4 only, for listeners and active connects",
	},
	{
		long: "allow",
		short: "l",
		kind: "string",
		multiple: true,
		valueHint: "LIST",
		description: "Hosts allowed to connect: names, addresses, CIDR (separators: space , ;)",
	},
	{ long: "null-auth", short: "n", kind: "boolean", description: "Permit NULL authentication" },
	{
		long: "users",
		kind: "string",
		valueHint: "FILE",
		description: "Password file of argon2id hashes (see `rpcapd passwd`) instead of system accounts",
	},
	{
		long: "active",
		kind: "string",
		multiple: true,
		valueHint: "HOST[:PORT]",
		description: "Dial out to a collector (repeatable; port 2003; IPv6 in brackets)",
	},
	{
		long: "active-list",
		short: "a",
		kind: "string",
		multiple: true,
		valueHint: "H,P[,H,P…]",
		description: "Active targets as libpcap spells them (host,port pairs)",
	},
	{
		long: "active-only",
		short: "v",
		kind: "boolean",
		description: "No passive listener, active connections only",
	},
	{
		long: "ifname",
		kind: "string",
		multiple: true,
		valueHint: "NAME",
		description: "Preselect this interface on active connections (repeatable: one connection each)",
	},
	{
		long: "interface",
		kind: "string",
		valueHint: "NAME",
		description: "Preselected interface for active entries without ifname= (ExtraHop's -i)",
	},
	{
		long: "keepalive",
		kind: "string",
		valueHint: "IDLE,INTERVAL,COUNT",
		description: "TCP keepalive in seconds (default 60,10,6; active control connections use at most 30,6,5)",
	},
	{
		long: "retry-max",
		kind: "string",
		valueHint: "SECONDS",
		description: "Cap of the active reconnect backoff (default 30)",
	},
	{
		long: "config",
		short: "f",
		kind: "string",
		valueHint: "FILE",
		description: "Read rpcapd.ini (libpcap or ExtraHop dialect); re-read on SIGHUP",
	},
	{
		long: "save-config",
		short: "s",
		kind: "string",
		valueHint: "FILE",
		description: "Write the effective configuration as rpcapd.ini and keep running",
	},
	{
		long: "print-config",
		kind: "boolean",
		description: "Print the effective configuration as JSON and exit",
	},
	{ long: "tls", kind: "boolean", description: "Require TLS (rpcaps://) on every connection" },
	{ long: "tls-key", short: "K", kind: "string", valueHint: "FILE", description: "TLS private key (PEM)" },
	{ long: "tls-cert", short: "X", kind: "string", valueHint: "FILE", description: "TLS certificate (PEM)" },
	{
		long: "data-port",
		kind: "string",
		valueHint: "PORT",
		description: "Fixed port for client-opened data connections",
	},
	{
		long: "max-clients",
		kind: "string",
		valueHint: "N",
		description: "Concurrent control connections (default 64)",
	},
	{
		long: "pre-auth-timeout",
		kind: "string",
		valueHint: "SECONDS",
		description: "Time allowed from connect to authentication (default 90)",
	},
	{
		long: "idle-timeout",
		kind: "string",
		valueHint: "SECONDS",
		description: "Idle time without a capture before closing (default 180)",
	},
	{
		long: "request-size-cap",
		kind: "string",
		valueHint: "BYTES",
		description: "Largest accepted request payload (default 262144)",
	},
	{
		long: "exclude-self",
		kind: "boolean",
		description: "Keep our own control/data traffic out of captures (default on; --no-exclude-self)",
	},
	{
		long: "udpstr",
		kind: "string",
		valueHint: "auto|on|off",
		description: "udpstr framing on UDP data channels (auto: active connections only)",
	},
	{
		long: "udpstr-size",
		kind: "string",
		valueHint: "BYTES",
		description: "udpstr datagram size, 64–65000 (default 1472 IPv4, 1452 IPv6)",
	},
	{
		long: "flush-ms",
		kind: "string",
		valueHint: "MS",
		description: "Longest time a packet may wait before it is sent (default 20)",
	},
	{
		long: "buffer-size",
		kind: "string",
		valueHint: "BYTES",
		description: "libpcap capture buffer size (default 16 MiB)",
	},
	{
		long: "immediate",
		kind: "boolean",
		description: "libpcap immediate mode (lowest latency, more wake-ups)",
	},
	{
		long: "inetd",
		kind: "boolean",
		description: "Serve one connection on stdin (inetd / systemd Accept=yes)",
	},
	{ long: "daemon", short: "d", kind: "boolean", description: "Run in the background (logs go to syslog)" },
	{
		long: "syslog",
		short: "L",
		kind: "boolean",
		description: "Log to syslog (falls back to stderr with a warning)",
	},
	{ long: "debug", short: "D", kind: "boolean", description: "Debug logging" },
	{
		long: "log-format",
		kind: "string",
		valueHint: "text|json",
		description: "Log line format (default text)",
	},
	{
		long: "compat",
		kind: "string",
		valueHint: "libpcap|extrahop",
		description: "Meaning of -t, -S and -i (they differ between the two daemons)",
	},
	{
		long: "compression",
		short: "C",
		kind: "boolean",
		description: "Accepted for compatibility; does nothing (as in libpcap)",
	},
];

/** The three letters of extrahop-udpstr.md §13 and what each dialect means by them. */
export const AMBIGUOUS_SHORT_FLAGS = {
	t: { libpcap: "--data-port PORT", extrahop: "--udpstr-size BYTES" },
	S: { libpcap: "--tls", extrahop: "--log-stats" },
	i: { libpcap: "--inetd", extrahop: "--interface NAME" },
} as const;

export type Compat = "none" | "libpcap" | "extrahop";

export type ParsedFlags = Record<string, string | boolean | string[] | undefined>;

export class UsageError extends Error {
	override readonly name = "UsageError";
}

/** ExtraHop fork options with no equivalent here: accepted under --compat=extrahop, with a warning. */
const EXTRAHOP_IGNORED = new Set(["y", "g", "c", "e", "m", "k", "u"]);
const EXTRAHOP_VALUE_FLAGS = new Set(["c", "e", "m", "k", "u", "z"]);

/** Finds --compat before parsing: it decides how the other short flags are read. */
export function detectCompat(argv: readonly string[]): Compat {
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i]!;
		const value = arg.startsWith("--compat=") ? arg.slice(9) : arg === "--compat" ? argv[i + 1] : undefined;
		if (value === undefined) continue;
		if (value === "libpcap" || value === "extrahop" || value === "none") return value;
		throw new UsageError(`--compat must be libpcap or extrahop, not "${value}"`);
	}
	return "none";
}

interface ShortRule {
	long: string;
	takesValue: boolean;
}

function dialectRules(compat: Compat): Map<string, ShortRule> {
	const rules = new Map<string, ShortRule>();
	for (const f of SERVE_FLAGS)
		if (f.short) rules.set(f.short, { long: f.long, takesValue: f.kind === "string" });
	if (compat === "libpcap") {
		rules.set("t", { long: "data-port", takesValue: true });
		rules.set("S", { long: "tls", takesValue: false });
		rules.set("i", { long: "inetd", takesValue: false });
	} else if (compat === "extrahop") {
		rules.set("t", { long: "udpstr-size", takesValue: true });
		rules.set("S", { long: "log-stats", takesValue: false });
		rules.set("i", { long: "interface", takesValue: true });
		rules.set("z", { long: "buffer-size", takesValue: true });
	}
	return rules;
}

/**
 * Strict parsing: unknown options and missing values are UsageErrors; repeatable flags collect arrays;
 * `--no-X` sets boolean X to false. Returns values keyed by long name, plus warnings to log.
 */
export function parseServeFlags(argv: readonly string[]): {
	flags: ParsedFlags;
	compat: Compat;
	warnings: string[];
} {
	const compat = detectCompat(argv);
	const rules = dialectRules(compat);
	const byLong = new Map(SERVE_FLAGS.map((f) => [f.long, f]));
	byLong.set("log-stats", { long: "log-stats", kind: "boolean", description: "" });
	const flags: ParsedFlags = {};
	const warnings: string[] = [];
	const set = (long: string, value: string | boolean) => {
		const def = byLong.get(long);
		if (def?.multiple && typeof value === "string")
			flags[long] = [...((flags[long] as string[]) ?? []), value];
		else flags[long] = value;
	};
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i]!;
		const next = () => {
			const value = argv[++i];
			if (value === undefined) throw new UsageError(`Option ${arg} needs a value`);
			return value;
		};
		if (arg.startsWith("--")) {
			const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
			if (name === "compat") {
				if (inline === undefined) i++;
				flags.compat = compat;
				continue;
			}
			const def = byLong.get(name);
			if (!def && name.startsWith("no-") && byLong.get(name.slice(3))?.kind === "boolean") {
				flags[name.slice(3)] = false;
				continue;
			}
			if (!def) throw new UsageError(`Unknown option --${name} (see rpcapd --help)`);
			if (def.kind === "boolean") {
				if (inline !== undefined) throw new UsageError(`Option --${name} takes no value`);
				set(name, true);
			} else set(name, inline ?? next());
			continue;
		}
		if (!arg.startsWith("-") || arg === "-")
			throw new UsageError(`Unexpected argument "${arg}" (see rpcapd --help)`);
		// Short flags may be grouped (-nv) and a value may be attached (-p2002).
		for (let j = 1; j < arg.length; j++) {
			const letter = arg[j]!;
			if (compat === "none" && letter in AMBIGUOUS_SHORT_FLAGS) {
				const meanings = AMBIGUOUS_SHORT_FLAGS[letter as keyof typeof AMBIGUOUS_SHORT_FLAGS];
				throw new UsageError(
					`-${letter} means ${meanings.libpcap} in libpcap's rpcapd and ${meanings.extrahop} in ExtraHop's; use the long option, or say which with --compat=libpcap or --compat=extrahop`,
				);
			}
			if (compat === "extrahop" && EXTRAHOP_IGNORED.has(letter)) {
				if (EXTRAHOP_VALUE_FLAGS.has(letter)) {
					if (j === arg.length - 1) next();
					j = arg.length;
				}
				warnings.push(`-${letter} (ExtraHop fork tuning) has no effect here; ignored`);
				continue;
			}
			const rule = rules.get(letter);
			if (!rule) throw new UsageError(`Unknown option -${letter} (see rpcapd --help)`);
			if (!rule.takesValue) {
				set(rule.long, true);
				continue;
			}
			set(rule.long, j < arg.length - 1 ? arg.slice(j + 1) : next());
			break;
		}
	}
	return { flags, compat, warnings };
}

/** Help text of the serve flags, one per line. */
export function renderServeHelp(): string {
	const lines = SERVE_FLAGS.map((f) => {
		const names = `${f.short ? `-${f.short}, ` : "    "}--${f.long}${f.valueHint ? ` ${f.valueHint}` : ""}`;
		return `  ${names.padEnd(34)} ${f.description}`;
	});
	return [
		"USAGE rpcapd [OPTIONS]            serve RPCAP (passive on port 2002, and/or active with --active)",
		"",
		"OPTIONS",
		...lines,
		"",
		"  -t, -S and -i mean different things in libpcap's and ExtraHop's rpcapd: use the long options, or",
		"  --compat=libpcap (-t PORT, -S, -i inetd) / --compat=extrahop (-t SIZE, -S stats, -i IFACE, -z BYTES).",
	].join("\n");
}
