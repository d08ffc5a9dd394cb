// `rpcapd [OPTIONS]`: builds the configuration, the capture backend, authentication and TLS, then runs the daemon until SIGTERM/SIGINT (SIGHUP reloads -f).

import { readFileSync, writeFileSync } from "node:fs";
import { createSecureContext, type SecureContext } from "node:tls";
import { drainHelperError, loadDrainHelper } from "../../ffi/batch-drain.ts";
import { loadLibpcap } from "../../ffi/libpcap.ts";
import { LibraryNotFoundError } from "../../ffi/library-path.ts";
import { LiveCaptureBackend } from "../capture/live-backend.ts";
import { type EffectiveConfig, iniFromEffectiveConfig, writeIni } from "../config/index.ts";
import { ActiveTargets } from "../daemon/active-targets.ts";
import type { Authenticator } from "../daemon/auth/authenticator.ts";
import { createAuthenticator } from "../daemon/auth/index.ts";
import { Daemon } from "../daemon/daemon.ts";
import { createDataChannels } from "../daemon/data-channels.ts";
import { serveInetdConnection } from "../daemon/inetd.ts";
import { createLogger, type Logger, type LogLevel, stderrSink } from "../observe/logger.ts";
import { createSyslogSink } from "../observe/syslog-sink.ts";
import { daemonize, isDaemonChild } from "./daemonize.ts";
import { buildEffectiveConfig, StartupConfigError } from "./serve-config.ts";
import { type Compat, type ParsedFlags, parseServeFlags, UsageError } from "./serve-flags.ts";

const EX_CONFIG = 78;

function makeLogger(config: EffectiveConfig): { log: Logger; warning?: string } {
	const level: LogLevel = config.log.level === "warning" ? "warn" : config.log.level;
	const syslog = config.log.syslog ? createSyslogSink(!config.daemonize) : null;
	const log = createLogger({ level, format: config.log.format, sink: syslog?.sink ?? stderrSink });
	return { log, ...(syslog?.warning ? { warning: syslog.warning } : {}) };
}

function loadTls(config: EffectiveConfig): SecureContext | null {
	if (!config.tls.enabled) return null;
	const read = (path: string | undefined, what: string) => {
		try {
			return readFileSync(path ?? "");
		} catch (error) {
			throw new StartupConfigError([`Cannot read TLS ${what} "${path}": ${(error as Error).message}`]);
		}
	};
	try {
		return createSecureContext({
			key: read(config.tls.keyFile, "key"),
			cert: read(config.tls.certFile, "certificate"),
			minVersion: "TLSv1.2",
		});
	} catch (error) {
		if (error instanceof StartupConfigError) throw error;
		throw new StartupConfigError([`Cannot use the TLS key and certificate: ${(error as Error).message}`]);
	}
}

async function loadAuthenticator(config: EffectiveConfig, log: Logger): Promise<Authenticator | null> {
	try {
		const authenticator = await createAuthenticator({ usersFile: config.usersFile, logger: log });
		if (!config.tls.enabled)
			log.warn("password authentication is enabled without TLS: passwords travel in clear text");
		return authenticator;
	} catch (error) {
		if (!config.nullAuth)
			throw new StartupConfigError([`Password authentication unavailable: ${(error as Error).message}`]);
		log.debug("password authentication unavailable; NULL authentication only", {
			reason: (error as Error).message,
		});
		return null;
	}
}

function reloadConfig(flags: ParsedFlags, compat: Compat, log: Logger): EffectiveConfig | null {
	try {
		const { config, warnings } = buildEffectiveConfig(flags, compat);
		for (const w of warnings) log.warn(w);
		return config;
	} catch (error) {
		const lines = error instanceof StartupConfigError ? error.lines : [String(error)];
		for (const line of lines) log.error(`reload failed, keeping the running configuration: ${line}`);
		return null;
	}
}

export async function runServe(argv: string[]): Promise<number> {
	let parsed: ReturnType<typeof parseServeFlags>;
	let config: EffectiveConfig;
	let configWarnings: string[];
	try {
		parsed = parseServeFlags(argv);
		({ config, warnings: configWarnings } = buildEffectiveConfig(parsed.flags, parsed.compat));
	} catch (error) {
		if (error instanceof UsageError) {
			process.stderr.write(`rpcapd: ${error.message}\n`);
			return 1;
		}
		if (error instanceof StartupConfigError) {
			for (const line of error.lines) process.stderr.write(`${line}\n`);
			return EX_CONFIG;
		}
		throw error;
	}
	if (parsed.flags["print-config"] === true) {
		process.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
		return 0;
	}
	if (config.daemonize && !isDaemonChild()) return daemonize(argv);

	const { log, warning } = makeLogger(config);
	if (warning) log.warn(warning);
	for (const w of [...parsed.warnings, ...configWarnings]) log.warn(w);
	try {
		loadLibpcap();
		// Compile the batch-drain helper now, not inside the first capture (it takes ~20 ms).
		if (!loadDrainHelper())
			log.warn(`batch capture helper unavailable, using pcap_next_ex: ${drainHelperError()}`);
	} catch (error) {
		if (error instanceof LibraryNotFoundError) {
			log.error(error.message);
			return 1;
		}
		throw error;
	}

	let daemon: Daemon;
	let active: ActiveTargets;
	try {
		const tls = loadTls(config);
		const authenticator = await loadAuthenticator(config, log);
		const backend = new LiveCaptureBackend();
		daemon = new Daemon({
			config,
			backend,
			authenticator,
			tls,
			log,
			dataChannels: createDataChannels(config, tls, log),
		});
		if (parsed.flags["save-config"]) {
			const path = String(parsed.flags["save-config"]);
			writeFileSync(path, writeIni(iniFromEffectiveConfig(config)));
			log.info(`configuration saved to ${path}`);
		}
		if (parsed.flags.inetd === true) {
			return await serveInetdConnection(daemon, log);
		}
		const bound = await daemon.start();
		for (const b of bound)
			log.info(`listening on ${b.address.includes(":") ? `[${b.address}]` : b.address}:${b.port}`);
		active = new ActiveTargets(daemon, backend, log);
		active.apply(config);
	} catch (error) {
		if (error instanceof StartupConfigError) {
			for (const line of error.lines) log.error(line);
			return EX_CONFIG;
		}
		log.error(error instanceof Error ? error.message : String(error));
		return 2;
	}

	return new Promise<number>((resolve) => {
		let stopping = false;
		const stop = async (signal: string) => {
			if (stopping) return;
			stopping = true;
			log.info(`${signal} received; closing`);
			await active.stopAll();
			await daemon.stop();
			log.info("rpcapd is closing.");
			resolve(0);
		};
		process.on("SIGTERM", () => void stop("SIGTERM"));
		process.on("SIGINT", () => void stop("SIGINT"));
		process.on("SIGHUP", () => {
			if (!config.configFile) {
				log.info("SIGHUP received; no configuration file to re-read");
				return;
			}
			const next = reloadConfig(parsed.flags, parsed.compat, log);
			if (!next) return;
			config = next;
			daemon.applyConfig(next);
			active.apply(next);
			log.info(`configuration re-read from ${next.configFile}`);
		});
	});
}
