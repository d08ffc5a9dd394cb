// zod schema and types of the daemon's effective configuration (validated merge result, `--print-config` JSON).

import { z } from "zod";
import { ConfigValueError } from "./config-error.ts";
import {
	DEFAULT_CAPTURE_BUFFER_SIZE,
	DEFAULT_KEEPALIVE,
	DEFAULT_MAX_CLIENTS,
	DEFAULT_PASSIVE_PORT,
	DEFAULT_REQUEST_SIZE_CAP,
	DEFAULT_RETRY_MAX_S,
	DEFAULT_TIMEOUTS_MS,
	DEFAULT_UDPSTR_FLUSH_MS,
	DEFAULT_UDPSTR_SIZE_IPV4,
	DEFAULT_UDPSTR_SIZE_IPV6,
	UDPSTR_FLUSH_MS_MAX,
	UDPSTR_FLUSH_MS_MIN,
	UDPSTR_SIZE_MAX,
	UDPSTR_SIZE_MIN,
} from "./defaults.ts";
import { parseAllowEntry, parseHostText } from "./host-syntax.ts";
import { parseIfaddr } from "./ifaddr.ts";

/** Runs one of our syntax parsers as a zod check, reporting its message. */
function syntaxCheck(parse: (value: string) => unknown) {
	return (value: string, context: z.core.$RefinementCtx<string>) => {
		try {
			parse(value);
		} catch (error) {
			if (!(error instanceof ConfigValueError)) throw error;
			context.addIssue({ code: "custom", message: error.message });
		}
	};
}

const portSchema = z.number().int().min(1).max(65535);
const positiveMs = z.number().int().positive();
const hostSchema = z.string().superRefine(syntaxCheck((value) => parseHostText(value, "Host")));

export const udpstrModeSchema = z.enum(["auto", "on", "off"]);
export const udpstrOverrideSchema = z.enum(["on", "off"]);

export const ifaddrSelectorSchema = z
	.strictObject({ address: z.string(), prefix: z.number().int().min(0).max(128) })
	.superRefine((selector, context) => {
		try {
			parseIfaddr(`${selector.address}/${selector.prefix}`);
		} catch (error) {
			if (!(error instanceof ConfigValueError)) throw error;
			context.addIssue({ code: "custom", message: error.message });
		}
	});

/** Where an active target comes from: a file line (for `file:line` in logs) or the command line. */
export const targetSourceSchema = z.union([
	z.literal("cli"),
	z.strictObject({ file: z.string(), line: z.number().int().positive() }),
]);

/** One active-mode control connection (an expanded ActiveClient entry, §10.4 / §12.2). */
export const activeTargetSchema = z.strictObject({
	host: hostSchema,
	port: portSchema,
	ifname: z.string().min(1).optional(),
	ifaddr: ifaddrSelectorSchema.optional(),
	udpstr: udpstrOverrideSchema.optional(),
	source: targetSourceSchema,
});

export const effectiveConfigSchema = z.strictObject({
	/** The `-f` file, re-read on SIGHUP. */
	configFile: z.string().min(1).optional(),
	/** Short-flag dialect (extrahop-udpstr.md §13): `-t -S -i` are accepted only when not "none". */
	compat: z.enum(["none", "libpcap", "extrahop"]).default("none"),
	/** `-v`: no passive listener. */
	activeOnly: z.boolean().default(false),
	/** `-4`: IPv4 only, for passive listeners and active connects. */
	ipv4Only: z.boolean().default(false),
	listen: z
		.strictObject({
			/** `-b`; empty means all addresses (a `::` v6-only and a `0.0.0.0` listener). */
			addresses: z.array(hostSchema).default([]),
			port: portSchema.default(DEFAULT_PASSIVE_PORT),
		})
		.prefault({}),
	nullAuth: z.boolean().default(false),
	/** Passive allow list (`-l`, PassiveClient): names, addresses and CIDR networks; empty allows every host. */
	allowHosts: z.array(z.string().superRefine(syntaxCheck(parseAllowEntry))).default([]),
	usersFile: z.string().min(1).optional(),
	maxClients: z.number().int().min(1).default(DEFAULT_MAX_CLIENTS),
	requestSizeCap: z.number().int().min(1024).max(0x7fffffff).default(DEFAULT_REQUEST_SIZE_CAP),
	timeouts: z
		.strictObject({
			firstByteMs: positiveMs.default(DEFAULT_TIMEOUTS_MS.firstByte),
			tlsHandshakeMs: positiveMs.default(DEFAULT_TIMEOUTS_MS.tlsHandshake),
			/** Total from accept to successful AUTH, not per message (rpcap-protocol.md §14.2). */
			preAuthMs: positiveMs.default(DEFAULT_TIMEOUTS_MS.preAuth),
			idleMs: positiveMs.default(DEFAULT_TIMEOUTS_MS.idle),
			dataAcceptMs: positiveMs.default(DEFAULT_TIMEOUTS_MS.dataAccept),
			connectMs: positiveMs.default(DEFAULT_TIMEOUTS_MS.connect),
			endcapReplyMs: positiveMs.default(DEFAULT_TIMEOUTS_MS.endcapReply),
			dataStallMs: positiveMs.default(DEFAULT_TIMEOUTS_MS.dataStall),
			/** Active mode has no pre-auth or idle timeout unless configured (§14.2). */
			activePreAuthMs: positiveMs.optional(),
			activeIdleMs: positiveMs.optional(),
		})
		.prefault({}),
	tls: z
		.strictObject({
			enabled: z.boolean().default(false),
			keyFile: z.string().min(1).optional(),
			certFile: z.string().min(1).optional(),
		})
		.prefault({})
		.superRefine((tls, context) => {
			if (!tls.enabled) return;
			if (!tls.keyFile)
				context.addIssue({ code: "custom", message: "required when TLS is enabled", path: ["keyFile"] });
			if (!tls.certFile)
				context.addIssue({ code: "custom", message: "required when TLS is enabled", path: ["certFile"] });
		}),
	/** Fixed data port for client-opened data connections (libpcap 1.11 `-t`); ephemeral when absent. */
	dataPort: portSchema.optional(),
	/** Keep the daemon's own control and data traffic out of captures (landscape.md problem 1). */
	excludeSelf: z.boolean().default(true),
	active: z
		.strictObject({
			targets: z.array(activeTargetSchema).default([]),
			/** The fork's `-i`: preselected interface for targets without `ifname` (§11.2). */
			interface: z.string().min(1).optional(),
			/** Cap of the reconnect backoff (§12.2). */
			retryMaxS: z.number().positive().default(DEFAULT_RETRY_MAX_S),
		})
		.prefault({}),
	udpstr: z
		.strictObject({
			mode: udpstrModeSchema.default("auto"),
			/** Datagram size M; when absent 1472 over IPv4 and 1452 over IPv6 (§8.2). */
			size: z.number().int().min(UDPSTR_SIZE_MIN).max(UDPSTR_SIZE_MAX).optional(),
			flushMs: z
				.number()
				.int()
				.min(UDPSTR_FLUSH_MS_MIN)
				.max(UDPSTR_FLUSH_MS_MAX)
				.default(DEFAULT_UDPSTR_FLUSH_MS),
		})
		.prefault({}),
	keepalive: z
		.strictObject({
			idleS: z.number().int().positive().default(DEFAULT_KEEPALIVE.idleS),
			intervalS: z.number().int().positive().default(DEFAULT_KEEPALIVE.intervalS),
			count: z.number().int().positive().default(DEFAULT_KEEPALIVE.count),
		})
		.prefault({}),
	capture: z
		.strictObject({
			bufferSize: z.number().int().positive().default(DEFAULT_CAPTURE_BUFFER_SIZE),
			immediate: z.boolean().default(false),
		})
		.prefault({}),
	log: z
		.strictObject({
			level: z.enum(["debug", "info", "notice", "warning", "error"]).default("info"),
			format: z.enum(["text", "json"]).default("text"),
			syslog: z.boolean().default(false),
			/** Log the counters of every STATS reply (the ExtraHop fork's -S). */
			stats: z.boolean().default(false),
		})
		.prefault({}),
	daemonize: z.boolean().default(false),
});

export type EffectiveConfig = z.output<typeof effectiveConfigSchema>;
/** What callers may pass before defaults are applied (every field with a default is optional). */
export type ConfigInput = z.input<typeof effectiveConfigSchema>;
export type ActiveTarget = z.output<typeof activeTargetSchema>;
export type TargetSource = z.output<typeof targetSourceSchema>;
export type UdpstrMode = z.output<typeof udpstrModeSchema>;
export type UdpstrOverride = z.output<typeof udpstrOverrideSchema>;

/** The udpstr datagram size for a data path of the given family (§8.2). */
export function udpstrDatagramSize(udpstr: EffectiveConfig["udpstr"], family: 4 | 6): number {
	return udpstr.size ?? (family === 4 ? DEFAULT_UDPSTR_SIZE_IPV4 : DEFAULT_UDPSTR_SIZE_IPV6);
}
