// The collector: active listener and passive connectors feeding sessions, one sink, periodic flushes, shutdown.

import type { Logger } from "../observe/logger.ts";
import type { ControlTransport } from "./control/control-transport.ts";
import type { DataChannelFactory, TlsClientSettings } from "./data/data-channels.ts";
import { socketDataChannels } from "./data/socket-data-channels.ts";
import { type FilterCompiler, libpcapFilterCompiler } from "./session/filter-program.ts";
import { SensorSession } from "./session/sensor-session.ts";
import type { SessionMode, SessionSettings } from "./session/session-types.ts";
import { SessionBinding } from "./session-binding.ts";
import type { Sink } from "./sink/sink.ts";
import { ActiveBackoff } from "./sources/active-backoff.ts";
import { ActiveListener } from "./sources/active-listener.ts";
import { dialControl } from "./sources/dial-control.ts";
import { PassiveConnector } from "./sources/passive-connector.ts";
import type { SensorTarget } from "./sources/sensor-url.ts";
import { RateTracker } from "./stats/rates.ts";
import { buildReport, type CollectorReport } from "./stats/report.ts";
import { SensorRegistry, SensorRow } from "./stats/sensor-row.ts";

export type SessionDefaults = Omit<SessionSettings, "mode" | "iface" | "tls">;

export interface CollectorConfig {
	/** --listen address for active sensors, or null. */
	listen: { host: string; port: number } | null;
	/** --connect targets. */
	targets: SensorTarget[];
	session: SessionDefaults;
	/** TLS client settings; used for rpcaps:// targets, and for everything with `tlsEverywhere` (--tls). */
	tls: TlsClientSettings;
	tlsEverywhere: boolean;
	sink: Sink;
	/** Buffered output is handed to the OS at least this often: a crash loses at most this much. */
	flushIntervalMs: number;
	log: Logger;
	data?: DataChannelFactory;
	compileFilter?: FilterCompiler;
}

export const DEFAULT_FLUSH_INTERVAL_MS = 1000;

export class Collector {
	readonly registry = new SensorRegistry();
	readonly #rates = new RateTracker();
	readonly #sessions = new Set<SensorSession>();
	readonly #connectors: PassiveConnector[] = [];
	#listener: ActiveListener | null = null;
	readonly #activeBackoff = new ActiveBackoff();
	/** Active connections held idle by the backoff. */
	readonly #held = new Set<ControlTransport>();
	#flushTimer: ReturnType<typeof setInterval> | null = null;
	#stopping = false;

	constructor(private readonly config: CollectorConfig) {}

	/** The port the active listener is bound to (useful with port 0), or null. */
	get listenPort(): number | null {
		return this.#listener?.port ?? null;
	}

	async start(): Promise<void> {
		const { config } = this;
		if (config.listen !== null) {
			const tls = config.tlsEverywhere ? config.tls : null;
			this.#listener = await ActiveListener.listen(config.listen.host, config.listen.port, tls, {
				sensor: (transport) => this.#acceptActive(transport),
				rejected: (address, reason) => config.log.warn("active sensor rejected", { sensor: address, reason }),
			});
			config.log.info("waiting for active sensors", {
				listen: `${config.listen.host}:${this.#listener.port}`,
			});
		}
		for (const target of config.targets) this.#startConnector(target);
		this.#flushTimer = setInterval(() => {
			this.config.sink.flush().catch(() => {});
		}, config.flushIntervalMs);
	}

	/** Ends every capture (ENDCAP, so the sensors' tails arrive), then flushes and closes the output. */
	async stop(): Promise<void> {
		if (this.#stopping) return;
		this.#stopping = true;
		this.#listener?.close();
		for (const transport of this.#held) transport.close();
		if (this.#flushTimer !== null) clearInterval(this.#flushTimer);
		const connectors = this.#connectors.map((connector) => connector.stop());
		await Promise.all([...this.#sessions].map((session) => session.stop()));
		await Promise.all(connectors);
		await this.config.sink.close();
	}

	report(now = Date.now()): CollectorReport {
		return buildReport(this.registry, this.config.sink, this.#rates, now);
	}

	#settings(mode: SessionMode, iface: string | null, secure: boolean): SessionSettings {
		return { ...this.config.session, mode, iface, tls: secure ? this.config.tls : null };
	}

	#acceptActive(transport: ControlTransport): void {
		if (this.#stopping) {
			transport.close();
			return;
		}
		const hold = this.#activeBackoff.holdFor(transport.remoteAddress);
		if (hold === 0) {
			this.#startActive(transport);
			return;
		}
		this.config.log.debug("holding a failing active sensor", { sensor: transport.remoteAddress, ms: hold });
		const timer = setTimeout(() => {
			this.#held.delete(transport);
			this.#startActive(transport);
		}, hold);
		this.#held.add(transport);
		transport.setHandlers({
			data() {},
			end: () => {
				clearTimeout(timer);
				this.#held.delete(transport);
			},
		});
	}

	#startActive(transport: ControlTransport): void {
		const binding = new SessionBinding(
			this.registry,
			this.config.sink,
			transport.remoteAddress,
			"active",
			this.config.session.transport,
			null,
		);
		void this.#runSession(transport, binding, this.#settings("active", null, transport.secure)).then(
			(captured) => {
				if (captured) this.#activeBackoff.succeeded(transport.remoteAddress);
				else this.#activeBackoff.failed(transport.remoteAddress);
			},
		);
	}

	#startConnector(target: SensorTarget): void {
		const { config } = this;
		const secure = target.secure || config.tlsEverywhere;
		const tls: TlsClientSettings | null = secure ? { ...config.tls, servername: target.host } : null;
		const row = this.registry.add(
			new SensorRow(target.name, target.iface ?? "", "passive", config.session.transport),
		);
		const log = config.log.child({ sensor: target.name });
		const connector = new PassiveConnector({
			connecting: () => {
				row.state = "connecting";
			},
			dial: (signal) => dialControl(target.host, target.port, tls, signal),
			dialFailed: (error) => {
				row.state = row.captures > 0 ? "down" : "error";
				if (row.lastError !== error.message) log.warn("cannot reach the sensor", { reason: error.message });
				row.lastError = error.message;
			},
			runSession: async (transport) => {
				const binding = new SessionBinding(
					this.registry,
					config.sink,
					target.name,
					"passive",
					config.session.transport,
					row,
				);
				const settings = { ...this.#settings("passive", target.iface, secure), tls };
				return this.#runSession(transport, binding, settings);
			},
		});
		this.#connectors.push(connector);
		connector.start();
	}

	/** Runs a session to its end; resolves true when it reached capturing. */
	async #runSession(
		transport: ControlTransport,
		binding: SessionBinding,
		settings: SessionSettings,
	): Promise<boolean> {
		const log = this.config.log.child({ sensor: binding.sensor });
		const session = new SensorSession(
			settings,
			{
				control: transport,
				data: this.config.data ?? socketDataChannels,
				compileFilter: this.config.compileFilter ?? libpcapFilterCompiler,
				log,
			},
			binding,
		);
		this.#sessions.add(session);
		log.info("sensor connected", { mode: settings.mode });
		const end = await session.run();
		this.#sessions.delete(session);
		binding.ended(end);
		if (end.reason === "failed") {
			log.warn("sensor session ended", {
				iface: binding.row.iface || undefined,
				stage: end.error.stage,
				reason: end.error.message,
			});
		} else {
			log.info("sensor session stopped", { iface: binding.row.iface || undefined });
		}
		return binding.captured;
	}
}
