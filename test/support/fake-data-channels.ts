// In-memory DataChannels: listeners, dials and UDP sockets that record every batch and fail on command.

import type {
	DataFailure,
	DataSender,
	DataSenderCounters,
	SocketEndpoint,
} from "../../src/daemon/data/sender.ts";
import { emptyCounters } from "../../src/daemon/data/sender.ts";
import type { Clock, DataChannels, PendingDataConnection } from "../../src/daemon/session-types.ts";
import { type CapturedPacket, decodePacket, HEADER_SIZE, readHeader } from "../../src/protocol/index.ts";

/** The typed error our fake channels fail with; its message is what the session must forward in ERROR 12. */
export class FakeDataChannelError extends Error {
	override readonly name = "FakeDataChannelError";
}

/** What the next listen/connect/openUdp does. */
export type ChannelScript =
	| { outcome: "ok" }
	| { outcome: "refuse"; message: string }
	| { outcome: "timeout"; afterMs: number; message: string }
	/** Succeeds, but only after `afterMs` on the clock (a slow connect). */
	| { outcome: "slow"; afterMs: number }
	| { outcome: "hang" };

export const PEER_CLOSED = "Data connection closed by peer";

export class RecordingDataSender implements DataSender {
	readonly batches: { records: Uint8Array; packets: number }[] = [];
	/** flushTimeoutMs of every close() call. */
	readonly closeCalls: number[] = [];
	closed = false;
	/** close() never resolves (a data socket that will not drain). */
	hangOnClose = false;
	batchesAfterClose = 0;
	private readonly counts: DataSenderCounters = emptyCounters();
	private handler: ((failure: DataFailure) => void) | null = null;
	private failure: DataFailure | null = null;

	constructor(
		readonly transport: "tcp" | "udp" | "udpstr",
		readonly local: SocketEndpoint,
		readonly remote: SocketEndpoint,
		private readonly timeline: string[],
	) {}

	sendBatch(records: Uint8Array, packets: number): void {
		if (this.closeCalls.length > 0) this.batchesAfterClose++;
		this.batches.push({ records: records.slice(), packets });
		this.counts.packetsSent += packets;
		this.counts.bytesSent += records.length;
	}

	close(flushTimeoutMs: number): Promise<void> {
		this.closeCalls.push(flushTimeoutMs);
		this.timeline.push(`data ${this.transport} close`);
		if (this.hangOnClose) return new Promise<void>(() => {});
		this.closed = true;
		this.timeline.push(`data ${this.transport} closed`);
		return Promise.resolve();
	}

	counters(): DataSenderCounters {
		return { ...this.counts };
	}

	onFailure(handler: (failure: DataFailure) => void): void {
		this.handler = handler;
		if (this.failure) queueMicrotask(() => this.deliver());
	}

	/** The client reset or closed the data connection. */
	peerClose(message = PEER_CLOSED): void {
		this.fail({ kind: "peer-closed", message });
	}

	/** The channel fails on its own (delivered once, asynchronously, like the real senders). */
	fail(failure: DataFailure): void {
		if (this.failure) return;
		this.failure = failure;
		this.timeline.push(`data ${this.transport} failed ${failure.kind}`);
		queueMicrotask(() => this.deliver());
	}

	/** Every PACKET record received, decoded. */
	packets(): CapturedPacket[] {
		const out: CapturedPacket[] = [];
		for (const { records } of this.batches) {
			for (let at = 0; at + HEADER_SIZE <= records.length; ) {
				const header = readHeader(records, at);
				out.push(decodePacket(records.subarray(at + HEADER_SIZE, at + HEADER_SIZE + header.payloadLength)));
				at += HEADER_SIZE + header.payloadLength;
			}
		}
		return out;
	}

	private deliver(): void {
		const { handler, failure } = this;
		if (!handler || !failure) return;
		this.handler = null;
		handler(failure);
	}
}

export class FakePendingDataConnection implements PendingDataConnection {
	readonly accepted: Promise<DataSender>;
	cancelled = false;
	settled = false;
	private resolveAccepted!: (sender: DataSender) => void;
	private rejectAccepted!: (error: Error) => void;

	constructor(
		readonly port: number,
		readonly local: SocketEndpoint,
		private readonly peer: SocketEndpoint,
		private readonly onAccept: (sender: RecordingDataSender) => void,
		private readonly timeline: string[],
	) {
		this.accepted = new Promise<DataSender>((resolve, reject) => {
			this.resolveAccepted = resolve;
			this.rejectAccepted = reject;
		});
		// Marked handled here: whether the session listens is what the tests check, not the runtime.
		this.accepted.catch(() => {});
	}

	/** The client connects from its control address; returns the sender the session gets. */
	accept(): RecordingDataSender {
		const sender = new RecordingDataSender(
			"tcp",
			this.local,
			{ address: this.peer.address, port: 50999 },
			this.timeline,
		);
		this.settled = true;
		this.timeline.push("data tcp accepted");
		this.onAccept(sender);
		this.resolveAccepted(sender);
		return sender;
	}

	/** The listener gives up (E15 timeout, TLS failure, …) with this text. */
	refuse(message: string): void {
		this.settled = true;
		this.timeline.push("data tcp accept failed");
		this.rejectAccepted(new FakeDataChannelError(message));
	}

	cancel(): void {
		this.cancelled = true;
		this.timeline.push("data tcp listener cancelled");
	}
}

export class FakeDataChannels implements DataChannels {
	readonly listens: {
		options: Parameters<DataChannels["listenTcp"]>[0];
		pending?: FakePendingDataConnection;
	}[] = [];
	readonly connects: Parameters<DataChannels["connectTcp"]>[0][] = [];
	readonly udpOpens: Parameters<DataChannels["openUdp"]>[0][] = [];
	readonly senders: RecordingDataSender[] = [];
	listenScript: ChannelScript = { outcome: "ok" };
	connectScript: ChannelScript = { outcome: "ok" };
	udpScript: ChannelScript = { outcome: "ok" };
	/** Client-opens listeners are connected to at once by the control peer. */
	autoAccept = false;
	private nextPort = 50000;

	constructor(
		private readonly clock: Clock,
		readonly timeline: string[] = [],
	) {}

	/** Outbound connections and UDP sockets made (never without an accepted server-opens/DGRAM STARTCAP). */
	get outboundCount(): number {
		return this.connects.length + this.udpOpens.length;
	}

	get lastSender(): RecordingDataSender | undefined {
		return this.senders.at(-1);
	}

	get lastPending(): FakePendingDataConnection | undefined {
		return this.listens.at(-1)?.pending;
	}

	listenTcp(options: Parameters<DataChannels["listenTcp"]>[0]): Promise<PendingDataConnection> {
		const entry: (typeof this.listens)[number] = { options };
		this.listens.push(entry);
		this.timeline.push("data tcp listen");
		return this.run(this.listenScript, () => {
			const port = this.nextPort++;
			const pending = new FakePendingDataConnection(
				port,
				{ address: options.local.address, port },
				options.peer,
				(sender) => this.senders.push(sender),
				this.timeline,
			);
			entry.pending = pending;
			if (this.autoAccept) queueMicrotask(() => pending.accept());
			return pending;
		});
	}

	connectTcp(options: Parameters<DataChannels["connectTcp"]>[0]): Promise<DataSender> {
		this.connects.push(options);
		this.timeline.push("data tcp connect");
		return this.run(this.connectScript, () => this.newSender("tcp", options.peer.address, options.port));
	}

	openUdp(options: Parameters<DataChannels["openUdp"]>[0]): Promise<DataSender> {
		this.udpOpens.push(options);
		this.timeline.push("data udp open");
		const transport = options.udpstr ? "udpstr" : "udp";
		return this.run(this.udpScript, () => this.newSender(transport, options.peer.address, options.port));
	}

	private newSender(transport: "tcp" | "udp" | "udpstr", address: string, port: number): RecordingDataSender {
		const local = { address: "127.0.0.1", port: this.nextPort++ };
		const sender = new RecordingDataSender(transport, local, { address, port }, this.timeline);
		this.senders.push(sender);
		return sender;
	}

	private run<T>(script: ChannelScript, succeed: () => T): Promise<T> {
		switch (script.outcome) {
			case "ok":
				return Promise.resolve(succeed());
			case "refuse":
				return Promise.reject(new FakeDataChannelError(script.message));
			case "hang":
				return new Promise<T>(() => {});
			case "timeout":
				return new Promise<T>((_, reject) => {
					this.clock.setTimeout(() => reject(new FakeDataChannelError(script.message)), script.afterMs);
				});
			case "slow":
				return new Promise<T>((resolve) => {
					this.clock.setTimeout(() => resolve(succeed()), script.afterMs);
				});
		}
	}
}
