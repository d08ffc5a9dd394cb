// Sends datagram lists with one sendMany, keeping what the socket refuses in a bounded queue (drops counted).

import { errorCode } from "./os-error-text.ts";
import type { DatagramTransport } from "./udp-transport.ts";

/** Per-datagram outcome hooks, so each sender counts records its own way. */
export interface DatagramAccounting {
	sent(datagram: Uint8Array): void;
	dropped(datagram: Uint8Array): void;
}

/** Asynchronous socket errors that do not end the channel (the fork retries EAGAIN/ENOBUFS, §8.3). */
const TRANSIENT_ERRORS = new Set(["EAGAIN", "EWOULDBLOCK", "ENOBUFS", "EINTR", "EMSGSIZE"]);

/** The fork gives up on a datagram after 100 attempts (extrahop-udpstr.md §8.3); so do we, then drop it. */
const MAX_ATTEMPTS_PER_DATAGRAM = 100;
const RETRY_INTERVAL_MS = 2;

export class DatagramSendQueue {
	private readonly queue: Uint8Array[] = [];
	private bytes = 0;
	private headAttempts = 0;
	private retryTimer: ReturnType<typeof setTimeout> | null = null;
	private stopped = false;
	private emptyWaiters: (() => void)[] = [];

	constructor(
		private readonly transport: DatagramTransport,
		private readonly limitBytes: number,
		private readonly accounting: DatagramAccounting,
		/** A fatal socket error; the owner stops this queue and closes the socket. */
		private readonly onFatal: (error: unknown) => void,
	) {
		transport.setHandlers({
			drain: () => this.pump(),
			error: (error) => {
				if (!TRANSIENT_ERRORS.has(errorCode(error) ?? "")) this.onFatal(error);
			},
		});
	}

	get queuedBytes(): number {
		return this.bytes;
	}

	/**
	 * Sends `datagrams` in order. The views may be reused by the caller after this returns: whatever has to wait
	 * is copied into the queue, or dropped when the queue would exceed its limit.
	 */
	send(datagrams: readonly Uint8Array[]): void {
		const total = datagrams.length;
		if (total === 0) return;
		if (this.stopped) {
			for (const datagram of datagrams) this.accounting.dropped(datagram);
			return;
		}
		if (this.queue.length > 0) this.pump();
		let next = 0;
		if (this.queue.length === 0) {
			const sent = this.trySend(datagrams);
			if (sent < 0) {
				for (const datagram of datagrams) this.accounting.dropped(datagram);
				return;
			}
			for (let i = 0; i < sent; i++) this.accounting.sent(datagrams[i] as Uint8Array);
			next = sent;
		}
		for (let i = next; i < total; i++) this.enqueue(datagrams[i] as Uint8Array);
		if (this.queue.length > 0) this.armRetry();
	}

	/** Resolves true once the queue is empty, false after `timeoutMs` or when the queue stops first. */
	waitEmpty(timeoutMs: number): Promise<boolean> {
		if (this.queue.length === 0) return Promise.resolve(true);
		if (this.stopped) return Promise.resolve(false);
		return new Promise((resolve) => {
			const timer = setTimeout(() => {
				this.emptyWaiters = this.emptyWaiters.filter((waiter) => waiter !== done);
				resolve(this.queue.length === 0);
			}, timeoutMs);
			const done = () => {
				clearTimeout(timer);
				resolve(this.queue.length === 0);
			};
			this.emptyWaiters.push(done);
		});
	}

	/** Stops sending for good: queued datagrams are dropped (counted); later `send` calls drop everything. */
	stop(): void {
		if (this.stopped) return;
		this.stopped = true;
		if (this.retryTimer !== null) clearTimeout(this.retryTimer);
		this.retryTimer = null;
		for (const datagram of this.queue) this.accounting.dropped(datagram);
		this.queue.length = 0;
		this.bytes = 0;
		this.notifyEmpty();
	}

	private enqueue(datagram: Uint8Array): void {
		if (this.bytes + datagram.length > this.limitBytes) {
			this.accounting.dropped(datagram);
			return;
		}
		this.queue.push(datagram.slice());
		this.bytes += datagram.length;
	}

	/** Returns how many the socket accepted, or −1 after a fatal (thrown) error. */
	private trySend(datagrams: readonly Uint8Array[]): number {
		try {
			return this.transport.sendMany(datagrams);
		} catch (error) {
			if (TRANSIENT_ERRORS.has(errorCode(error) ?? "")) return 0;
			this.onFatal(error);
			return -1;
		}
	}

	private readonly pump = (): void => {
		if (this.retryTimer !== null) clearTimeout(this.retryTimer);
		this.retryTimer = null;
		while (this.queue.length > 0 && !this.stopped) {
			const queued = this.queue.length;
			const sent = this.trySend(this.queue);
			if (sent < 0) return;
			if (sent === 0) {
				if (++this.headAttempts < MAX_ATTEMPTS_PER_DATAGRAM) break;
				this.dropHead();
				continue;
			}
			for (let i = 0; i < sent; i++) {
				const datagram = this.queue[i] as Uint8Array;
				this.bytes -= datagram.length;
				this.accounting.sent(datagram);
			}
			this.queue.splice(0, sent);
			this.headAttempts = 0;
			if (sent < queued) break;
		}
		if (this.queue.length === 0) this.notifyEmpty();
		else this.armRetry();
	};

	private dropHead(): void {
		const head = this.queue.shift();
		this.headAttempts = 0;
		if (head === undefined) return;
		this.bytes -= head.length;
		this.accounting.dropped(head);
	}

	/** Bun reports writability through `drain`; the timer also retries in case that event does not come. */
	private armRetry(): void {
		if (this.retryTimer === null && !this.stopped) this.retryTimer = setTimeout(this.pump, RETRY_INTERVAL_MS);
	}

	private notifyEmpty(): void {
		const waiters = this.emptyWaiters;
		this.emptyWaiters = [];
		for (const waiter of waiters) waiter();
	}
}
