// What a control session needs from the outside world, injected so the state machine runs over in-memory pipes in tests.

import type { CaptureBackend, Device } from "../capture/source.ts";
import type { Logger } from "../observe/logger.ts";
import type { Authenticator } from "./auth/authenticator.ts";
import type { DataSender, SocketEndpoint } from "./data/sender.ts";

export interface ConnectionInfo {
	/** Passive: the client connected to us; active: we dialed the collector. */
	mode: "passive" | "active";
	tls: boolean;
	local: SocketEndpoint;
	peer: SocketEndpoint;
	family: 4 | 6;
}

export interface ControlChannel {
	readonly info: ConnectionInfo;
	send(bytes: Uint8Array): void;
	/** Closes the control connection (flushing what was sent). */
	close(): void;
}

export interface Clock {
	now(): number;
	/** Returns a function that cancels the timer. */
	setTimeout(callback: () => void, ms: number): () => void;
}

export const systemClock: Clock = {
	now: () => performance.now(),
	setTimeout(callback, ms) {
		const timer = setTimeout(callback, ms);
		return () => clearTimeout(timer);
	},
};

/** A client-opens TCP data listener: the port goes into STARTCAP_REPLY, the sender arrives later (or fails). */
export interface PendingDataConnection {
	port: number;
	local: SocketEndpoint;
	accepted: Promise<DataSender>;
	cancel(): void;
}

/** Typed errors from here carry a message fit for ERROR 12 (e.g. "Connection refused", "Data port busy"). */
export interface DataChannels {
	listenTcp(options: {
		local: SocketEndpoint;
		peer: SocketEndpoint;
		tls: boolean;
	}): Promise<PendingDataConnection>;
	connectTcp(options: { peer: SocketEndpoint; port: number; tls: boolean }): Promise<DataSender>;
	openUdp(options: { peer: SocketEndpoint; port: number; udpstr: boolean }): Promise<DataSender>;
}

/** Interface preselection of an active entry (extrahop-udpstr.md §11.2), resolved against the current devices. */
export interface Preselection {
	/** How the selectors read in messages, e.g. "eth0" or "ifaddr=10.0.0.0/8". */
	readonly description: string;
	/** The chosen interface name, or null when nothing matches now. */
	resolve(devices: readonly Device[]): string | null;
}

export interface SessionPolicy {
	nullAuth: boolean;
	maxAuthFailures: number;
	authFailureDelayMs: number;
	/** Total time from accept to successful AUTH; null = none (active mode default). */
	preAuthTimeoutMs: number | null;
	preAuthMessageLimit: number;
	/** Post-auth idle limit without a capture; null = none. */
	idleTimeoutMs: number | null;
	/** OPEN refuses names pcap_findalldevs does not list (rpcap-protocol.md §6.4 check 6). */
	requireListedDevice: boolean;
	excludeSelf: boolean;
	udpstr: "auto" | "on" | "off";
	/** Upper bound on how long a packet may wait in the kernel and in send buffers. */
	flushMs: number;
	captureBufferSize: number;
	immediate: boolean;
	endcapReplyMs: number;
	stopCaptureMs: number;
	drainSendQueueMs: number;
	noFilterToleranceMs: number;
	/** Grace period after a data-socket EOF before ERROR 9 (rpcap-protocol.md §18.5). */
	dataCloseGraceMs: number;
	/** Log the counters of every STATS reply (the ExtraHop fork's -S). */
	logStats: boolean;
	/** Largest request payload; above it "Message payload is too large" and close (rpcap-protocol.md §1.2). */
	maxRequestPayload: number;
}

export const defaultSessionPolicy: SessionPolicy = {
	nullAuth: false,
	maxAuthFailures: 5,
	authFailureDelayMs: 1000,
	preAuthTimeoutMs: 90_000,
	preAuthMessageLimit: 16,
	idleTimeoutMs: 180_000,
	requireListedDevice: true,
	excludeSelf: true,
	udpstr: "auto",
	flushMs: 20,
	captureBufferSize: 0,
	immediate: false,
	endcapReplyMs: 5000,
	stopCaptureMs: 2000,
	drainSendQueueMs: 1000,
	noFilterToleranceMs: 1000,
	dataCloseGraceMs: 1000,
	logStats: false,
	maxRequestPayload: 262_144,
};

export type SessionEnd =
	| { reason: "close-received" }
	| { reason: "eof" }
	| { reason: "rejected-by-peer"; text: string }
	| { reason: "error"; text: string }
	| { reason: "shutdown" };

export interface SessionDeps {
	channel: ControlChannel;
	backend: CaptureBackend;
	dataChannels: DataChannels;
	/** Password verification (NULL auth is the policy's); null: unavailable, every password attempt fails. */
	authenticator: Authenticator | null;
	log: Logger;
	policy: SessionPolicy;
	clock?: Clock;
	preselection?: Preselection | null;
	onEnd?: (end: SessionEnd) => void;
	/** When the connection was accepted (clock time): the pre-auth deadline counts from here, not from the session's start. */
	acceptedAt?: number;
	/** Called once when authentication succeeds (active mode resets its backoff). */
	onAuthenticated?: () => void;
}
