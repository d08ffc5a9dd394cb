// The running daemon: passive listeners and their sessions, graceful shutdown that ends every capture cleanly.

import type { Socket } from "node:net";
import type { SecureContext } from "node:tls";
import type { CaptureBackend } from "../capture/source.ts";
import type { EffectiveConfig } from "../config/index.ts";
import type { Logger } from "../observe/logger.ts";
import { AllowList } from "./allow-list.ts";
import type { Authenticator } from "./auth/authenticator.ts";
import { serveControlConnection } from "./control-connection.ts";
import { tuneControlSocket } from "./control-socket.ts";
import type { SocketEndpoint } from "./data/sender.ts";
import { PassiveListener } from "./passive-listener.ts";
import { Session } from "./session.ts";
import {
	type ControlChannel,
	type DataChannels,
	defaultSessionPolicy,
	type Preselection,
	type SessionEnd,
	type SessionPolicy,
} from "./session-types.ts";

export interface DaemonDeps {
	config: EffectiveConfig;
	backend: CaptureBackend;
	dataChannels: DataChannels;
	authenticator: Authenticator | null;
	tls: SecureContext | null;
	log: Logger;
}

/** Session policy for one connection mode, from the effective configuration. */
export function sessionPolicy(config: EffectiveConfig, mode: "passive" | "active"): SessionPolicy {
	const t = config.timeouts;
	return {
		...defaultSessionPolicy,
		nullAuth: config.nullAuth,
		preAuthTimeoutMs: mode === "passive" ? t.preAuthMs : (t.activePreAuthMs ?? null),
		idleTimeoutMs: mode === "passive" ? t.idleMs : (t.activeIdleMs ?? null),
		excludeSelf: config.excludeSelf,
		udpstr: config.udpstr.mode,
		flushMs: config.udpstr.flushMs,
		captureBufferSize: config.capture.bufferSize,
		immediate: config.capture.immediate,
		endcapReplyMs: t.endcapReplyMs,
		logStats: config.log.stats,
		maxRequestPayload: config.requestSizeCap,
	};
}

export interface SessionHandle {
	session: Session;
	peer: string;
}

export class Daemon {
	private listener: PassiveListener | null = null;
	private readonly sessions = new Set<Session>();
	private allowList: AllowList;
	private config: EffectiveConfig;
	private stopping = false;

	constructor(private readonly deps: DaemonDeps) {
		this.config = deps.config;
		this.allowList = new AllowList(deps.config.allowHosts);
	}

	get sessionCount(): number {
		return this.sessions.size;
	}

	get effectiveConfig(): EffectiveConfig {
		return this.config;
	}

	/** Starts the passive listeners unless the daemon is active-only; returns the bound addresses. */
	async start(): Promise<{ address: string; port: number }[]> {
		if (this.config.activeOnly) return [];
		const log = this.deps.log;
		this.listener = new PassiveListener({
			addresses: this.config.listen.addresses,
			port: this.config.listen.port,
			ipv4Only: this.config.ipv4Only,
			maxClients: this.config.maxClients,
			log,
			onConnection: (socket, release) => this.serve(socket, "passive", release),
		});
		return this.listener.start();
	}

	/** Serves a connected control socket (passive accept, inetd stdin, or an active dial-out). */
	serve(
		socket: Socket,
		mode: "passive" | "active",
		release: () => void,
		extra: {
			preselection?: Preselection | null;
			onEnd?: (end: SessionEnd) => void;
			onAuthenticated?: () => void;
			/** Per-entry udpstr override (ActiveClient `udpstr=`). */
			udpstr?: "on" | "off";
			/** The real endpoints when the socket is a bridge (inetd mode). */
			addresses?: { local: SocketEndpoint; peer: SocketEndpoint };
		} = {},
	): void {
		const config = this.config;
		const log = this.deps.log.child({ peer: `${socket.remoteAddress}:${socket.remotePort}`, mode });
		let released = false;
		const releaseOnce = () => {
			if (!released) {
				released = true;
				release();
			}
		};
		const allowList = this.allowList;
		tuneControlSocket(socket, config, mode, log);
		serveControlConnection({
			socket,
			mode,
			tls: this.deps.tls,
			firstByteMs: mode === "passive" ? config.timeouts.firstByteMs : null,
			tlsHandshakeMs: config.timeouts.tlsHandshakeMs,
			log,
			...(extra.addresses ? { addresses: extra.addresses } : {}),
			checkPeer: mode === "passive" ? (address) => allowList.check(address) : undefined,
			onAbandoned: (reason) => {
				releaseOnce();
				extra.onEnd?.({ reason: "error", text: reason });
			},
			startSession: (channel: ControlChannel, acceptedAt: number) => {
				log.debug("session started");
				const session = new Session({
					channel,
					backend: this.deps.backend,
					dataChannels: this.deps.dataChannels,
					authenticator: this.deps.authenticator,
					log,
					policy: { ...sessionPolicy(config, mode), ...(extra.udpstr ? { udpstr: extra.udpstr } : {}) },
					preselection: extra.preselection ?? null,
					acceptedAt,
					onAuthenticated: extra.onAuthenticated,
					onEnd: (end) => {
						this.sessions.delete(session);
						releaseOnce();
						log.debug("session ended", { reason: end.reason });
						extra.onEnd?.(end);
					},
				});
				this.sessions.add(session);
				return session;
			},
		});
	}

	/** SIGHUP: new connections use the new allow list and settings; running sessions keep theirs. */
	applyConfig(config: EffectiveConfig): void {
		this.config = config;
		this.allowList = new AllowList(config.allowHosts);
	}

	/** Stops accepting, ends every session (captures closed, data flushed), then resolves. */
	async stop(): Promise<void> {
		if (this.stopping) return;
		this.stopping = true;
		this.listener?.stop();
		await Promise.all([...this.sessions].map((s) => s.shutdown()));
	}
}
