// Turns parsed serve flags and an optional rpcapd.ini into the validated effective configuration.

import { readFileSync } from "node:fs";
import {
	type ActiveTarget,
	ConfigErrors,
	type ConfigInput,
	ConfigValidationError,
	ConfigValueError,
	type ConfigWarning,
	decodeIniBytes,
	type EffectiveConfig,
	type IniConfig,
	mergeConfig,
	parseActiveTargetOption,
	parseActiveTargetsFlag,
	parseHostListFlag,
	parseIni,
	parsePortFlag,
	parseUdpstrMode,
	parseUdpstrSize,
} from "../config/index.ts";
import type { Compat, ParsedFlags } from "./serve-flags.ts";

/** A configuration problem that stops startup with exit status 78 (EX_CONFIG). */
export class StartupConfigError extends Error {
	override readonly name = "StartupConfigError";
	readonly exitCode = 78;
	constructor(readonly lines: readonly string[]) {
		super(lines.join("\n"));
	}
}

function strings(value: ParsedFlags[string]): string[] {
	if (value === undefined || typeof value === "boolean") return [];
	return Array.isArray(value) ? value : [value];
}

function text(value: ParsedFlags[string]): string | undefined {
	return strings(value).at(-1);
}

function seconds(value: string | undefined, what: string): number | undefined {
	if (value === undefined) return undefined;
	const n = Number(value);
	if (!Number.isFinite(n) || n <= 0)
		throw new ConfigValueError(`${what} must be a positive number of seconds, not "${value}"`);
	return n;
}

function integer(value: string | undefined, what: string): number | undefined {
	if (value === undefined) return undefined;
	if (!/^[0-9]+$/.test(value)) throw new ConfigValueError(`${what} must be a whole number, not "${value}"`);
	return Number(value);
}

/** `--keepalive IDLE,INTERVAL,COUNT` in seconds. */
function keepaliveValues(value: string): { idleS: number; intervalS: number; count: number } {
	const parts = value.split(",").map((p) => p.trim());
	const numbers = parts.map(Number);
	if (parts.length !== 3 || numbers.some((n) => !Number.isInteger(n) || n <= 0)) {
		throw new ConfigValueError(`--keepalive must be IDLE,INTERVAL,COUNT in whole seconds, not "${value}"`);
	}
	const [idleS, intervalS, count] = numbers as [number, number, number];
	return { idleS, intervalS, count };
}

/** `--ifname` repeated expands every target into one entry per interface (extrahop-udpstr.md §11.2). */
function expandIfnames(targets: ActiveTarget[], ifnames: string[]): ActiveTarget[] {
	if (ifnames.length === 0) return targets;
	return targets.flatMap((t) => (t.ifname ? [t] : ifnames.map((ifname) => ({ ...t, ifname }))));
}

/** CLI values as a ConfigInput (defaults are applied later by the schema). */
export function configFromFlags(flags: ParsedFlags, compat: Compat): ConfigInput {
	const targets = [
		...strings(flags["active-list"]).flatMap(parseActiveTargetsFlag),
		...strings(flags.active).map(parseActiveTargetOption),
	];
	const port = text(flags.port);
	const dataPort = text(flags["data-port"]);
	const udpstrSize = text(flags["udpstr-size"]);
	const udpstrMode = text(flags.udpstr);
	const preAuth = seconds(text(flags["pre-auth-timeout"]), "--pre-auth-timeout");
	const idle = seconds(text(flags["idle-timeout"]), "--idle-timeout");
	const logFormat = text(flags["log-format"]);
	if (logFormat !== undefined && logFormat !== "text" && logFormat !== "json") {
		throw new ConfigValueError(`--log-format must be text or json, not "${logFormat}"`);
	}
	return {
		compat,
		activeOnly: flags["active-only"] === true,
		ipv4Only: flags["ipv4-only"] === true,
		listen: {
			addresses: strings(flags.bind),
			...(port === undefined ? {} : { port: parsePortFlag(port, "--port") }),
		},
		nullAuth: flags["null-auth"] === true,
		allowHosts: strings(flags.allow).flatMap(parseHostListFlag),
		...(text(flags.users) === undefined ? {} : { usersFile: text(flags.users) }),
		...(text(flags["max-clients"]) === undefined
			? {}
			: { maxClients: integer(text(flags["max-clients"]), "--max-clients") }),
		...(text(flags["request-size-cap"]) === undefined
			? {}
			: { requestSizeCap: integer(text(flags["request-size-cap"]), "--request-size-cap") }),
		timeouts: {
			...(preAuth === undefined ? {} : { preAuthMs: Math.round(preAuth * 1000) }),
			...(idle === undefined ? {} : { idleMs: Math.round(idle * 1000) }),
		},
		tls: {
			enabled: flags.tls === true,
			...(text(flags["tls-key"]) === undefined ? {} : { keyFile: text(flags["tls-key"]) }),
			...(text(flags["tls-cert"]) === undefined ? {} : { certFile: text(flags["tls-cert"]) }),
		},
		...(dataPort === undefined ? {} : { dataPort: parsePortFlag(dataPort, "--data-port") }),
		...(flags["exclude-self"] === false ? { excludeSelf: false } : {}),
		active: {
			targets: expandIfnames(targets, strings(flags.ifname)),
			...(text(flags.interface) === undefined ? {} : { interface: text(flags.interface) }),
			...(text(flags["retry-max"]) === undefined
				? {}
				: { retryMaxS: seconds(text(flags["retry-max"]), "--retry-max") }),
		},
		udpstr: {
			...(udpstrMode === undefined ? {} : { mode: parseUdpstrMode(udpstrMode) }),
			...(udpstrSize === undefined ? {} : { size: parseUdpstrSize(udpstrSize) }),
			...(text(flags["flush-ms"]) === undefined
				? {}
				: { flushMs: integer(text(flags["flush-ms"]), "--flush-ms") }),
		},
		...(text(flags.keepalive) === undefined ? {} : { keepalive: keepaliveValues(text(flags.keepalive)!) }),
		capture: {
			...(text(flags["buffer-size"]) === undefined
				? {}
				: { bufferSize: integer(text(flags["buffer-size"]), "--buffer-size") }),
			immediate: flags.immediate === true,
		},
		log: {
			level: flags.debug === true ? "debug" : "info",
			format: (logFormat as "text" | "json" | undefined) ?? "text",
			syslog: flags.syslog === true || flags.daemon === true,
			stats: flags["log-stats"] === true,
		},
		daemonize: flags.daemon === true,
		...(text(flags.config) === undefined ? {} : { configFile: text(flags.config) }),
	};
}

export interface LoadedConfigFile {
	ini: IniConfig;
	warnings: readonly ConfigWarning[];
}

/** Reads and parses an rpcapd.ini; every problem is reported as `file:line:column: message`. */
export function loadConfigFile(path: string): LoadedConfigFile {
	let bytes: Uint8Array;
	try {
		bytes = readFileSync(path);
	} catch (error) {
		const reason =
			(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
		throw new StartupConfigError([`${path}: cannot read configuration file: ${reason}`]);
	}
	try {
		const result = parseIni(decodeIniBytes(bytes, path), path);
		return { ini: result.config, warnings: result.warnings };
	} catch (error) {
		if (error instanceof ConfigErrors) {
			throw new StartupConfigError([...error.errors.map(String), ...error.warnings.map(String)]);
		}
		throw error;
	}
}

/** Flags plus the -f file, merged and validated; warnings are returned for the caller to log. */
export function buildEffectiveConfig(
	flags: ParsedFlags,
	compat: Compat,
): { config: EffectiveConfig; warnings: string[] } {
	let cli: ConfigInput;
	try {
		cli = configFromFlags(flags, compat);
	} catch (error) {
		if (error instanceof ConfigValueError) throw new StartupConfigError([error.message]);
		throw error;
	}
	const file = cli.configFile ? loadConfigFile(cli.configFile) : undefined;
	try {
		const config = mergeConfig(cli, file?.ini);
		return { config, warnings: (file?.warnings ?? []).map(String) };
	} catch (error) {
		if (error instanceof ConfigValidationError)
			throw new StartupConfigError(error.issues.map((i) => `configuration: ${i}`));
		throw error;
	}
}
