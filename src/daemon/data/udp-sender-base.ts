// What classic UDP and udpstr senders share: the send queue, failure on fatal socket errors, bounded close.

import type { Logger } from "../../observe/logger.ts";
import { DatagramSendQueue } from "./datagram-send-queue.ts";
import { FailureLatch } from "./failure-latch.ts";
import { osErrorText } from "./os-error-text.ts";
import {
	type DataFailure,
	type DataSender,
	type DataSenderCounters,
	emptyCounters,
	type SocketEndpoint,
} from "./sender.ts";
import type { DatagramTransport } from "./udp-transport.ts";

/** Bytes of datagrams that may wait in user space when the socket pushes back (default 8 MiB). */
export const DEFAULT_UDP_QUEUE_LIMIT_BYTES = 8 * 1024 * 1024;

export interface UdpSenderOptions {
	queueLimitBytes?: number;
	logger?: Logger;
}

export abstract class UdpSenderBase implements DataSender {
	abstract readonly transport: "udp" | "udpstr";
	readonly local: SocketEndpoint;
	readonly remote: SocketEndpoint;
	protected readonly counts: DataSenderCounters = emptyCounters();
	protected readonly queue: DatagramSendQueue;
	protected state: "open" | "closing" | "closed" = "open";
	protected readonly logger: Logger | undefined;
	private readonly latch = new FailureLatch();
	private closing: Promise<void> | null = null;

	constructor(
		protected readonly socket: DatagramTransport,
		options: UdpSenderOptions,
	) {
		this.local = socket.local;
		this.remote = socket.remote;
		this.logger = options.logger;
		this.queue = new DatagramSendQueue(
			socket,
			options.queueLimitBytes ?? DEFAULT_UDP_QUEUE_LIMIT_BYTES,
			{
				sent: (datagram) => this.datagramSent(datagram),
				dropped: (datagram) => this.datagramDropped(datagram),
			},
			(error) => this.fail(error),
		);
	}

	abstract sendBatch(records: Uint8Array, packets: number): void;

	/** Counts one datagram the kernel accepted. */
	protected abstract datagramSent(datagram: Uint8Array): void;

	/** Counts one datagram dropped locally. */
	protected abstract datagramDropped(datagram: Uint8Array): void;

	/** Emits what the sender still buffers (udpstr tail) before the socket closes. */
	protected flushPending(): void {}

	/** Last accounting once nothing more will be sent. */
	protected settle(): void {}

	close(flushTimeoutMs: number): Promise<void> {
		if (this.closing === null) this.closing = this.flushAndClose(flushTimeoutMs);
		return this.closing;
	}

	counters(): DataSenderCounters {
		this.counts.queuedBytes = this.queue.queuedBytes;
		return { ...this.counts };
	}

	onFailure(handler: (failure: DataFailure) => void): void {
		this.latch.onFailure(handler);
	}

	private async flushAndClose(flushTimeoutMs: number): Promise<void> {
		if (this.state !== "open") return;
		this.state = "closing";
		this.flushPending();
		await this.queue.waitEmpty(flushTimeoutMs);
		this.finish();
	}

	/** A fatal send error (K11: ICMP port unreachable → "send(udp) failed: Connection refused"). */
	private fail(error: unknown): void {
		if (this.state === "closed") return;
		const wasOpen = this.state === "open";
		this.finish();
		if (wasOpen) this.latch.report({ kind: "error", message: `send(udp) failed: ${osErrorText(error)}` });
	}

	private finish(): void {
		if (this.state === "closed") return;
		this.state = "closed";
		this.queue.stop();
		this.settle();
		this.socket.close();
	}
}
