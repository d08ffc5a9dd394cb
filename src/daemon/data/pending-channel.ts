// A data channel whose port is known before its sender exists (accept and TLS still to come), cancellable.

import { DATA_CHANNEL_CANCELLED, DataChannelError } from "./data-channel-error.ts";
import type { DataSender, SocketEndpoint } from "./sender.ts";

/** A client-opens channel the session announces now (STARTCAP_REPLY) and uses once `accepted` resolves. */
export interface PendingDataConnection {
	/** The listening port to put in STARTCAP_REPLY. */
	readonly port: number;
	/** The listening socket's address and port. */
	readonly local: SocketEndpoint;
	/** Resolves with the sender; rejects with a DataChannelError (accept timeout, TLS failure, cancel). */
	readonly accepted: Promise<DataSender>;
	/**
	 * Gives up on a channel that is not established yet: closes this capture's slot on the listener and any
	 * half-made connection, and rejects `accepted` with reason "cancelled". Once `accepted` has resolved the
	 * caller owns the sender (close it with `close()`), and cancel does nothing.
	 */
	cancel(): void;
}

export class PendingChannel implements PendingDataConnection {
	readonly accepted: Promise<DataSender>;
	private resolveSender: (sender: DataSender) => void = () => {};
	private rejectSender: (error: unknown) => void = () => {};
	private abortStep: () => void = () => {};
	private settled = false;

	constructor(readonly local: SocketEndpoint) {
		this.accepted = new Promise<DataSender>((resolve, reject) => {
			this.resolveSender = resolve;
			this.rejectSender = reject;
		});
		// A capture that cancels does not await its sender: the rejection must not surface as unhandled.
		this.accepted.catch(() => {});
	}

	get port(): number {
		return this.local.port;
	}

	/** What undoes the step in progress (withdraw from the listener, abort a handshake). */
	setAbort(abort: () => void): void {
		this.abortStep = abort;
	}

	deliver(sender: DataSender): void {
		if (this.settled) {
			void sender.close(0);
			return;
		}
		this.settled = true;
		this.resolveSender(sender);
	}

	fail(error: unknown): void {
		if (this.settled) return;
		this.settled = true;
		const abort = this.abortStep;
		this.abortStep = () => {};
		abort();
		this.rejectSender(error);
	}

	cancel(): void {
		this.fail(new DataChannelError("cancelled", DATA_CHANNEL_CANCELLED));
	}
}
