// TCP (or TLS) data channel: back-to-back PACKET messages, one write per batch, bounded queue, stall watch.

import type { Socket } from "node:net";
import {
	DEFAULT_KEEPALIVE,
	type KeepaliveOptions,
	setTcpKeepalive,
	setTcpUserTimeout,
	tcpBytesAcked,
} from "../../../ffi/socket-options.ts";
import type { Logger } from "../../observe/logger.ts";
import { FailureLatch } from "./failure-latch.ts";
import { localEndpointOf, remoteEndpointOf, socketFd } from "./ip-endpoint.ts";
import { errorCode, osErrorText } from "./os-error-text.ts";
import {
	type DataFailure,
	type DataSender,
	type DataSenderCounters,
	emptyCounters,
	type SocketEndpoint,
} from "./sender.ts";
import { StallWatch } from "./stall-watch.ts";

export const DEFAULT_QUEUE_LIMIT_BYTES = 8 * 1024 * 1024;
/** rpcap-protocol.md §14.2: no progress for 60 s → "Data connection stalled". */
export const DEFAULT_STALL_TIMEOUT_MS = 60_000;
/** Matches the keepalive budget (60 s + 6 × 10 s): unacknowledged data is given up after as long. */
export const DEFAULT_TCP_USER_TIMEOUT_MS = 120_000;
export const DEFAULT_CLOSE_LINGER_MS = 100;

export const STALLED_MESSAGE = "Data connection stalled";
export const PEER_CLOSED_MESSAGE = "Data connection closed by peer";

export interface TcpSenderOptions {
	/** Bytes that may wait in user space; a batch that would exceed it is dropped whole (default 8 MiB). */
	queueLimitBytes?: number;
	/** Pending data and no progress for this long fails the channel as "stalled" (default 60 s). */
	stallTimeoutMs?: number;
	/** TCP keepalive parameters (default idle 60 s, interval 10 s, 6 probes); false leaves the OS default. */
	keepalive?: KeepaliveOptions | false;
	/** TCP_USER_TIMEOUT in ms (default 120 s); 0 leaves the OS default. */
	userTimeoutMs?: number;
	/** After shutdown-write at close, how long to wait for the peer's FIN before destroying (default 100 ms). */
	closeLingerMs?: number;
	/**
	 * A TLS handshake still in progress on `socket` (server-opens TLS: the client starts it only after the
	 * STARTCAP reply). Batches wait in the TLS socket meanwhile; a rejection fails the channel with its message.
	 */
	handshake?: Promise<unknown>;
	/** The TCP socket under a TLS `socket`: its addresses and descriptor (a TLS socket may not know them yet). */
	tcpSocket?: Socket;
	logger?: Logger;
}

/** Applies keepalive and user timeout to a data socket; failures are logged, never fatal. */
export function configureTcpSocket(socket: Socket, options: TcpSenderOptions): void {
	const fd = socketFd(socket);
	if (fd === null) return;
	try {
		if (options.keepalive !== false) setTcpKeepalive(fd, options.keepalive ?? DEFAULT_KEEPALIVE);
		const userTimeout = options.userTimeoutMs ?? DEFAULT_TCP_USER_TIMEOUT_MS;
		if (userTimeout > 0) setTcpUserTimeout(fd, userTimeout);
	} catch (error) {
		options.logger?.warn("Cannot tune the data socket", { reason: osErrorText(error) });
	}
}

function waitForEvent(socket: Socket, events: readonly string[], timeoutMs: number): Promise<void> {
	return new Promise((resolve) => {
		const done = () => {
			clearTimeout(timer);
			for (const event of events) socket.off(event, done);
			resolve();
		};
		const timer = setTimeout(done, Math.max(0, timeoutMs));
		for (const event of events) socket.once(event, done);
	});
}

export class TcpDataSender implements DataSender {
	readonly transport = "tcp" as const;
	readonly local: SocketEndpoint;
	readonly remote: SocketEndpoint;
	private readonly fd: number | null;
	private readonly queueLimit: number;
	private readonly closeLingerMs: number;
	private readonly counts: DataSenderCounters = emptyCounters();
	private readonly latch = new FailureLatch();
	private state: "open" | "closing" | "closed" = "open";
	/** While a handshake runs, its outcome (not socket events) decides a failure. */
	private handshaking = false;
	/** Chunks written and not yet reported flushed, as parallel FIFOs from `chunkHead`. */
	private readonly chunkBytes: number[] = [];
	private readonly chunkPackets: number[] = [];
	private chunkHead = 0;
	private flushedChunks = 0;
	private readonly stallWatch: StallWatch;
	private flushWaiter: (() => void) | null = null;
	private readonly closed: Promise<void>;

	constructor(
		private readonly socket: Socket,
		options: TcpSenderOptions = {},
	) {
		const tcp = options.tcpSocket ?? socket;
		this.local = localEndpointOf(tcp);
		this.remote = remoteEndpointOf(tcp);
		this.fd = socketFd(tcp);
		this.queueLimit = options.queueLimitBytes ?? DEFAULT_QUEUE_LIMIT_BYTES;
		this.stallWatch = new StallWatch(options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS, {
			pending: () => this.state === "open" && socket.writableLength > 0,
			progress: () => this.progressMark(),
			stalled: () => this.fail({ kind: "stalled", message: STALLED_MESSAGE }),
		});
		this.closeLingerMs = options.closeLingerMs ?? DEFAULT_CLOSE_LINGER_MS;
		configureTcpSocket(tcp, options);
		this.closed = new Promise((resolve) => {
			if (socket.destroyed) resolve();
			else socket.once("close", () => resolve());
		});
		// The client never sends on the data channel; reading keeps EOF visible and the receive buffer empty.
		socket.on("data", () => {});
		socket.on("end", () => this.socketEnded({ kind: "peer-closed", message: PEER_CLOSED_MESSAGE }));
		socket.on("close", () => this.socketEnded({ kind: "peer-closed", message: PEER_CLOSED_MESSAGE }));
		socket.on("error", (error) => this.socketEnded(failureFor(error)));
		if (options.handshake !== undefined) {
			this.handshaking = true;
			options.handshake.then(
				() => {
					this.handshaking = false;
					if (socket.destroyed) this.fail({ kind: "peer-closed", message: PEER_CLOSED_MESSAGE });
				},
				(error: unknown) => {
					this.handshaking = false;
					this.fail({ kind: "handshake", message: error instanceof Error ? error.message : String(error) });
				},
			);
		}
		if (socket.destroyed) this.socketEnded({ kind: "peer-closed", message: PEER_CLOSED_MESSAGE });
	}

	sendBatch(records: Uint8Array, packets: number): void {
		if (packets <= 0 || records.length === 0) return;
		if (this.state !== "open") {
			this.counts.packetsDropped += packets;
			return;
		}
		const socket = this.socket;
		const pending = socket.writableLength;
		if (pending > 0 && pending + records.length > this.queueLimit) {
			this.counts.packetsDropped += packets;
			this.stallWatch.arm();
			return;
		}
		this.chunkBytes.push(records.length);
		this.chunkPackets.push(packets);
		try {
			// The view is only valid during this call. Bun's net.Socket copies what it cannot send at once (checked by
			// test/unit/daemon/data/socket-write-copies.test.ts), so no copy of our own is needed on the hot path.
			socket.write(records, this.onChunkFlushed);
		} catch (error) {
			this.fail(failureFor(error));
			return;
		}
		if (socket.writableLength > 0) this.stallWatch.arm();
	}

	async close(flushTimeoutMs: number): Promise<void> {
		if (this.state !== "open") return this.closed;
		this.state = "closing";
		this.stallWatch.stop();
		const socket = this.socket;
		// 'drain' only follows a write that returned false, so wait for the last chunk's write callback instead.
		if (this.unflushedChunks > 0 && !socket.destroyed) await this.waitFlushed(flushTimeoutMs);
		if (this.unflushedChunks === 0 && !socket.destroyed) {
			// Shutdown-write so the client sees EOF before the ENDCAP reply (rpcap-protocol.md §11.1).
			socket.end();
			await waitForEvent(socket, ["close"], this.closeLingerMs);
		}
		this.finish();
		await this.closed;
	}

	counters(): DataSenderCounters {
		this.counts.queuedBytes = this.state === "closed" ? 0 : this.socket.writableLength;
		return { ...this.counts };
	}

	onFailure(handler: (failure: DataFailure) => void): void {
		this.latch.onFailure(handler);
	}

	private get unflushedChunks(): number {
		return this.chunkBytes.length - this.chunkHead;
	}

	private waitFlushed(timeoutMs: number): Promise<void> {
		return new Promise((resolve) => {
			const done = () => {
				clearTimeout(timer);
				this.socket.off("close", done);
				this.flushWaiter = null;
				resolve();
			};
			const timer = setTimeout(done, Math.max(0, timeoutMs));
			this.socket.once("close", done);
			this.flushWaiter = done;
		});
	}

	private readonly onChunkFlushed = (error?: Error | null): void => {
		if (error || this.chunkHead >= this.chunkBytes.length) return;
		this.counts.bytesSent += this.chunkBytes[this.chunkHead] ?? 0;
		this.counts.packetsSent += this.chunkPackets[this.chunkHead] ?? 0;
		this.chunkHead++;
		this.flushedChunks++;
		if (this.chunkHead === this.chunkBytes.length) {
			this.chunkBytes.length = 0;
			this.chunkPackets.length = 0;
			this.chunkHead = 0;
			this.flushWaiter?.();
		} else if (this.chunkHead > 1024 && this.chunkHead * 2 > this.chunkBytes.length) {
			this.chunkBytes.splice(0, this.chunkHead);
			this.chunkPackets.splice(0, this.chunkHead);
			this.chunkHead = 0;
		}
	};

	private socketEnded(failure: DataFailure): void {
		if (!this.handshaking) this.fail(failure);
	}

	private fail(failure: DataFailure): void {
		if (this.state === "closed") return;
		const wasOpen = this.state === "open";
		this.finish();
		if (wasOpen) this.latch.report(failure);
	}

	/** Ends the channel: whatever was not flushed is counted as dropped, and the socket is destroyed. */
	private finish(): void {
		if (this.state === "closed") return;
		this.state = "closed";
		this.stallWatch.stop();
		for (let i = this.chunkHead; i < this.chunkPackets.length; i++) {
			this.counts.packetsDropped += this.chunkPackets[i] ?? 0;
		}
		this.chunkHead = this.chunkPackets.length;
		this.socket.destroy();
	}

	/** Grows whenever the peer acknowledges bytes (TCP_INFO) or a chunk leaves the user-space queue. */
	private progressMark(): number {
		let acked: number | null = null;
		if (this.fd !== null) {
			try {
				acked = tcpBytesAcked(this.fd);
			} catch {
				acked = null;
			}
		}
		return (acked ?? 0) + this.flushedChunks;
	}
}

function failureFor(error: unknown): DataFailure {
	const code = errorCode(error);
	if (code === "ECONNRESET" || code === "EPIPE" || code === "ECONNABORTED") {
		return { kind: "peer-closed", message: PEER_CLOSED_MESSAGE };
	}
	return { kind: "error", message: `Data connection failed: ${osErrorText(error)}` };
}
