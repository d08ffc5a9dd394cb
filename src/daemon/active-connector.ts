// One active-mode target: dial the collector (DNS re-resolved every attempt, IPv4 first), serve the session it starts, reconnect with jittered exponential backoff; a received CLOSE stops the entry.

import { lookup } from "node:dns/promises";
import { connect, type Socket } from "node:net";
import type { CaptureBackend } from "../capture/source.ts";
import { type ActiveTarget, type InterfaceSelectors, selectorsForTarget } from "../config/index.ts";
import type { Logger } from "../observe/logger.ts";
import { interfaceFingerprint, preselectionFor } from "./preselection.ts";
import type { Preselection, SessionEnd } from "./session-types.ts";

export interface ActiveConnectorDeps {
	backend: CaptureBackend;
	log: Logger;
	retryMaxMs: number;
	connectTimeoutMs: number;
	ipv4Only: boolean;
	/** The fork's global -i, for entries without ifname=. */
	defaultInterface?: string;
	/** Serves a connected socket as an active-mode session; `onEnd` fires when it is over. */
	serve(
		socket: Socket,
		extra: {
			preselection: Preselection | null;
			onEnd: (end: SessionEnd) => void;
			onAuthenticated: () => void;
		},
	): void;
	/** Socket options on each new control connection (keepalive, dead-peer timeout). */
	prepareSocket?(socket: Socket): void;
	random?: () => number;
	resolve?: (host: string, ipv4Only: boolean) => Promise<string[]>;
}

/** A connection that authenticated and stayed up this long counts as healthy: the backoff starts over. */
const HEALTHY_MS = 60_000;

export function targetLabel(target: ActiveTarget): string {
	const where = target.source === "cli" ? "command line" : `${target.source.file}:${target.source.line}`;
	const host = target.host.includes(":") ? `[${target.host}]` : target.host;
	const iface = [target.ifname ? `ifname=${target.ifname}` : "", target.ifaddr ? "ifaddr" : ""].filter(
		Boolean,
	);
	return `${host}:${target.port}${iface.length ? ` (${iface.join(", ")})` : ""} from ${where}`;
}

async function resolveAddresses(host: string, ipv4Only: boolean): Promise<string[]> {
	const results = await lookup(host, { all: true, family: ipv4Only ? 4 : 0 });
	// libpcap's active-mode listener is IPv4-only: try IPv4 addresses first (rpcap-protocol.md §18.5).
	return results.sort((a, b) => a.family - b.family).map((r) => r.address);
}

function dial(address: string, port: number, timeoutMs: number): Promise<Socket> {
	return new Promise((resolve, reject) => {
		const socket = connect({ host: address, port });
		const timer = setTimeout(() => {
			socket.destroy();
			reject(new Error(`connect to ${address}:${port} timed out after ${timeoutMs} ms`));
		}, timeoutMs);
		socket.once("connect", () => {
			clearTimeout(timer);
			socket.removeAllListeners("error");
			resolve(socket);
		});
		socket.once("error", (error) => {
			clearTimeout(timer);
			reject(error);
		});
	});
}

export class ActiveConnector {
	readonly label: string;
	private readonly selectors: InterfaceSelectors | undefined;
	private failures = 0;
	private stopped = false;
	private socket: Socket | null = null;
	private wake: (() => void) | null = null;
	private lastNoMatch: string | null = null;
	private loop: Promise<void> | null = null;

	constructor(
		readonly target: ActiveTarget,
		private readonly deps: ActiveConnectorDeps,
	) {
		this.label = targetLabel(target);
		this.selectors = selectorsForTarget(target, deps.defaultInterface);
	}

	start(): void {
		this.loop ??= this.run();
	}

	/** Stops reconnecting and closes the current connection (its capture ends with it). */
	async stop(): Promise<void> {
		this.stopped = true;
		this.socket?.destroy();
		this.wake?.();
		await this.loop;
	}

	/** Delay before the next attempt: none for the first retry, then 1 s doubling up to the cap, jittered. */
	nextDelayMs(): number {
		const random = this.deps.random ?? Math.random;
		const n = this.failures++;
		if (n === 0) return 0;
		const nominal = Math.min(this.deps.retryMaxMs, 1000 * 2 ** (n - 1));
		return nominal * (0.5 + 0.5 * random());
	}

	private sleep(ms: number): Promise<void> {
		if (ms <= 0 || this.stopped) return Promise.resolve();
		return new Promise((resolve) => {
			const timer = setTimeout(done, ms);
			function done() {
				clearTimeout(timer);
				resolve();
			}
			this.wake = done;
		});
	}

	private async run(): Promise<void> {
		const log = this.deps.log;
		while (!this.stopped) {
			const outcome = await this.attempt();
			if (outcome === "closed-by-collector") {
				log.notice(
					`active entry ${this.label}: the collector sent CLOSE; not reconnecting until reload or restart`,
				);
				return;
			}
			if (outcome === "healthy") this.failures = 0;
			await this.sleep(this.nextDelayMs());
		}
	}

	private preselection(): Preselection | null | "no-match" {
		if (!this.selectors) return null;
		const preselection = preselectionFor(this.selectors);
		const devices = this.deps.backend.listDevices();
		if (preselection.resolve(devices) !== null) {
			this.lastNoMatch = null;
			return preselection;
		}
		const fingerprint = interfaceFingerprint(devices);
		if (fingerprint !== this.lastNoMatch) {
			this.lastNoMatch = fingerprint;
			this.deps.log.warn(
				`active entry ${this.label}: no interface matches ${preselection.description}; not connecting until one does (interfaces: ${devices.map((d) => d.name).join(", ")})`,
			);
		}
		return "no-match";
	}

	private async attempt(): Promise<"failed" | "healthy" | "closed-by-collector"> {
		const log = this.deps.log;
		let preselection: Preselection | null | "no-match";
		try {
			preselection = this.preselection();
		} catch (error) {
			log.warn(`active entry ${this.label}: cannot list interfaces: ${(error as Error).message}`);
			return "failed";
		}
		if (preselection === "no-match") return "failed";
		let addresses: string[];
		try {
			addresses = await (this.deps.resolve ?? resolveAddresses)(this.target.host, this.deps.ipv4Only);
		} catch (error) {
			log.warn(`active entry ${this.label}: cannot resolve ${this.target.host}: ${(error as Error).message}`);
			return "failed";
		}
		for (const address of addresses) {
			if (this.stopped) return "failed";
			let socket: Socket;
			try {
				socket = await dial(address, this.target.port, this.deps.connectTimeoutMs);
			} catch (error) {
				log.debug(`active entry ${this.label}: ${(error as Error).message}`);
				continue;
			}
			if (this.stopped) {
				socket.destroy();
				return "failed";
			}
			log.info(`active entry ${this.label}: connected to ${address}:${this.target.port}`);
			return this.serveUntilEnd(socket, preselection);
		}
		log.debug(`active entry ${this.label}: no address of ${this.target.host} accepted the connection`);
		return "failed";
	}

	private serveUntilEnd(
		socket: Socket,
		preselection: Preselection | null,
	): Promise<"failed" | "healthy" | "closed-by-collector"> {
		this.socket = socket;
		this.deps.prepareSocket?.(socket);
		return new Promise((resolve) => {
			let authenticatedAt: number | null = null;
			this.deps.serve(socket, {
				preselection,
				onAuthenticated: () => {
					authenticatedAt = Date.now();
				},
				onEnd: (end) => {
					this.socket = null;
					if (end.reason === "close-received") return resolve("closed-by-collector");
					if (end.reason === "rejected-by-peer") {
						this.deps.log.warn(`active entry ${this.label}: rejected by the collector: ${end.text}`);
					} else {
						this.deps.log.info(`active entry ${this.label}: connection ended (${end.reason})`);
					}
					const healthy = authenticatedAt !== null && Date.now() - authenticatedAt >= HEALTHY_MS;
					resolve(healthy ? "healthy" : "failed");
				},
			});
		});
	}
}
