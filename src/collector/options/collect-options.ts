// From parsed flags to the collector's options: addresses, sensors, sink, session defaults, view, TLS.

import type { AuthRequestInit } from "../../protocol/index.ts";
import { parseByteSize, type ReassemblyPipelineOptions } from "../../reassembly/index.ts";
import type { SessionDefaults } from "../collector.ts";
import type { TlsClientSettings } from "../data/data-channels.ts";
import { CollectorOptionError } from "../errors.ts";
import type { DataTransport } from "../session/session-types.ts";
import type { CaptureFormatName, SinkOptions } from "../sink/sink-factory.ts";
import { DEFAULT_ACTIVE_PORT } from "../sources/active-listener.ts";
import { parseSensorUrl, type SensorTarget } from "../sources/sensor-url.ts";
import type { CollectFlags } from "./collect-flags.ts";

export type ViewSetting = "auto" | "table" | "json" | "none";

export interface HostPort {
	host: string;
	port: number;
}

export interface CollectOptions {
	/** Live TCP/HTTP reassembly (--http, --streams, --bodies), or null when not asked for. */
	reassembly: ReassemblyPipelineOptions | null;
	listen: HostPort | null;
	targets: SensorTarget[];
	sink: SinkOptions;
	session: SessionDefaults;
	tls: TlsClientSettings;
	tlsEverywhere: boolean;
	statsIntervalMs: number;
	view: ViewSetting;
	metrics: HostPort | null;
	durationMs: number | null;
	debug: boolean;
	logFormat: "text" | "json";
}

const MEGA = 1_000_000;

function text(flags: CollectFlags, name: string): string | undefined {
	const value = flags[name];
	return typeof value === "string" ? value : undefined;
}

function number(flags: CollectFlags, name: string, min: number, max: number, fallback: number): number;
function number(flags: CollectFlags, name: string, min: number, max: number): number | undefined;
function number(
	flags: CollectFlags,
	name: string,
	min: number,
	max: number,
	fallback?: number,
): number | undefined {
	const raw = text(flags, name);
	if (raw === undefined) return fallback;
	const value = Number(raw);
	if (raw.trim() === "" || !Number.isFinite(value) || value < min || value > max) {
		throw new CollectorOptionError(
			`Invalid --${name} value "${raw}": expected a number from ${min} to ${max}`,
		);
	}
	return value;
}

function oneOf<T extends string>(flags: CollectFlags, name: string, allowed: readonly T[], fallback: T): T {
	const raw = text(flags, name);
	if (raw === undefined) return fallback;
	if (!(allowed as readonly string[]).includes(raw)) {
		throw new CollectorOptionError(`Invalid --${name} value "${raw}": expected one of ${allowed.join(", ")}`);
	}
	return raw as T;
}

/** "[ADDR:]PORT", with IPv6 addresses in brackets; the address defaults to `defaultHost`. */
export function parseHostPort(value: string, what: string, defaultHost: string): HostPort {
	const match = /^(?:(\[[^\]]+\]|[^:[\]]*):)?(\d+)$/.exec(value);
	const port = match ? Number(match[2]) : Number.NaN;
	if (match === null || !Number.isInteger(port) || port < 0 || port > 65535) {
		throw new CollectorOptionError(`Invalid ${what} "${value}": expected [ADDR:]PORT`);
	}
	const rawHost = match[1];
	const host = rawHost === undefined || rawHost === "" ? defaultHost : rawHost.replace(/^\[|\]$/g, "");
	return { host, port };
}

function parseAuth(value: string | undefined): AuthRequestInit {
	if (value === undefined) return { type: "null" };
	const colon = value.indexOf(":");
	if (colon <= 0) throw new CollectorOptionError(`Invalid --auth value: expected USER:PASS`);
	return { type: "password", username: value.slice(0, colon), password: value.slice(colon + 1) };
}

function sinkOptions(flags: CollectFlags): SinkOptions {
	const path = text(flags, "write");
	if (path === undefined)
		throw new CollectorOptionError("No output: give -w FILE (or -w - for standard output)");
	const maxMegabytes = number(flags, "file-size", 0.001, 1e9);
	const intervalSeconds = number(flags, "rotate-seconds", 1, 1e9);
	const maxFiles = number(flags, "file-count", 1, 1e6);
	return {
		path,
		format: oneOf<CaptureFormatName>(flags, "format", ["pcap", "pcapng"], "pcap"),
		split: flags.split === true,
		rotation: {
			...(maxMegabytes === undefined ? {} : { maxFileBytes: Math.round(maxMegabytes * MEGA) }),
			...(intervalSeconds === undefined ? {} : { intervalSeconds }),
			...(maxFiles === undefined ? {} : { maxFiles: Math.floor(maxFiles) }),
		},
	};
}

function tlsSettings(flags: CollectFlags, readFile: (path: string) => Buffer): TlsClientSettings {
	const caPath = text(flags, "ca");
	const insecure = flags.insecure === true;
	if (caPath !== undefined && insecure)
		throw new CollectorOptionError("--ca and --insecure exclude each other");
	if (caPath === undefined) return { verify: !insecure };
	try {
		return { verify: true, ca: readFile(caPath) };
	} catch (error) {
		throw new CollectorOptionError(`Cannot read the CA file "${caPath}": ${(error as Error).message}`);
	}
}

function reassemblyOptions(flags: CollectFlags): ReassemblyPipelineOptions | null {
	const httpPath = text(flags, "http");
	const streamsDirectory = text(flags, "streams");
	const bodiesDirectory = text(flags, "bodies");
	if (httpPath === undefined && streamsDirectory === undefined && bodiesDirectory === undefined) return null;
	const options: ReassemblyPipelineOptions = {
		...(httpPath === undefined ? {} : { httpPath }),
		...(streamsDirectory === undefined ? {} : { streamsDirectory }),
		...(bodiesDirectory === undefined ? {} : { bodiesDirectory }),
	};
	const maxFlows = number(flags, "max-flows", 1, 10_000_000);
	if (maxFlows !== undefined) options.maxFlows = maxFlows;
	const maxBuffer = text(flags, "max-buffer");
	if (maxBuffer !== undefined) {
		const bytes = parseByteSize(maxBuffer);
		if (bytes === null)
			throw new CollectorOptionError(`Invalid --max-buffer value "${maxBuffer}": expected bytes, e.g. 64M`);
		options.maxBufferBytes = bytes;
	}
	return options;
}

export function buildCollectOptions(flags: CollectFlags, readFile: (path: string) => Buffer): CollectOptions {
	const targets = ((flags.connect as string[] | undefined) ?? []).map(parseSensorUrl);
	const listenText = text(flags, "listen");
	const listen =
		listenText !== undefined
			? parseHostPort(listenText, "--listen", "0.0.0.0")
			: targets.length === 0
				? { host: "0.0.0.0", port: DEFAULT_ACTIVE_PORT }
				: null;
	const expression = [text(flags, "filter"), flags._.length > 0 ? flags._.join(" ") : undefined].filter(
		(part): part is string => part !== undefined && part.trim() !== "",
	);
	const metricsText = text(flags, "metrics");
	const duration = number(flags, "duration", 0.001, 1e9);
	return {
		listen,
		targets,
		sink: sinkOptions(flags),
		reassembly: reassemblyOptions(flags),
		session: {
			auth: parseAuth(text(flags, "auth")),
			preferredIface: text(flags, "iface") ?? null,
			snaplen: Math.floor(number(flags, "snaplen", 1, 262144, 262144)),
			promisc: flags["no-promisc"] !== true,
			readTimeoutMs: Math.floor(number(flags, "read-timeout", 0, 60_000, 100)),
			filter:
				expression.length === 0
					? null
					: expression.length === 1
						? expression[0]!
						: expression.map((part) => `(${part})`).join(" and "),
			transport: oneOf<DataTransport>(flags, "transport", ["tcp", "udp", "udpstr"], "tcp"),
			udpReceiveBufferBytes: Math.floor(number(flags, "udp-buffer", 65536, 1 << 30, 8 << 20)),
			requestTimeoutMs: 10_000,
			dataTimeoutMs: 10_000,
			statsIntervalMs: Math.round(number(flags, "stats-poll", 0, 3600, 5) * 1000),
		},
		tls: tlsSettings(flags, readFile),
		tlsEverywhere: flags.tls === true,
		statsIntervalMs: Math.max(100, Math.round(number(flags, "stats-interval", 0.1, 3600, 2) * 1000)),
		view: oneOf<ViewSetting>(flags, "view", ["auto", "table", "json", "none"], "auto"),
		metrics: metricsText === undefined ? null : parseHostPort(metricsText, "--metrics", "127.0.0.1"),
		durationMs: duration === undefined ? null : Math.round(duration * 1000),
		debug: flags.debug === true,
		logFormat: oneOf(flags, "log-format", ["text", "json"] as const, "text"),
	};
}
