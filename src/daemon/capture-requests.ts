// STARTCAP, UPDATEFILTER, STATS, ENDCAP and SETSAMPLING for one session (rpcap-protocol.md §7–§11), with at most one capture at a time.

import { CaptureError, type CaptureOptions, type CaptureSource, type Sampling } from "../capture/source.ts";
import {
	type DecodedStartcapRequest,
	decodeSetSamplingRequest,
	decodeStartcapRequest,
	decodeUpdateFilterRequest,
	ErrorCode,
	encodeEmptyMessage,
	encodeStartcapReply,
	encodeStatsReply,
	MAX_SNAPLEN,
	MessageType,
	RpcapError,
	StartcapFlag,
	type StatsReply,
} from "../protocol/index.ts";
import type { DataFailure, DataSender } from "./data/sender.ts";
import type { OpenedDevice } from "./interface-requests.ts";
import { RunningCapture } from "./running-capture.ts";
import { type SessionDeps, systemClock } from "./session-types.ts";

const ZERO_STATS: StatsReply = { ifRecv: 0, ifDrop: 0, krnlDrop: 0, svrCapt: 0 };
// rpcap-protocol.md §11.3: the largest caplen whose PACKET still fits one UDP datagram.
const CLASSIC_UDP_MAX_CAPLEN = { 4: 65479, 6: 65499 } as const;

export interface CaptureRequestHooks {
	reply(bytes: Uint8Array): void;
	/** An unsolicited ERROR on the control connection (9 or late 12). */
	asyncError(code: number, text: string): void;
	/** True while the control connection is still open (for the data-EOF grace period). */
	controlOpen(): boolean;
}

export class CaptureRequests {
	device: OpenedDevice | null = null;
	private capture: RunningCapture | null = null;
	private finalStats: StatsReply = ZERO_STATS;
	private sampling: Sampling = { method: 0, value: 0 };
	private teardown: Promise<void> | null = null;

	constructor(
		private readonly deps: SessionDeps,
		private readonly hooks: CaptureRequestHooks,
	) {}

	get capturing(): boolean {
		return this.capture !== null;
	}

	async startCapture(payload: Uint8Array, version: number): Promise<void> {
		const request = decodeStartcapRequest(payload);
		if (this.capture) {
			throw new RpcapError(ErrorCode.STARTCAPTURE, "A capture is already running; send ENDCAP first");
		}
		const device = this.device;
		if (!device) throw new RpcapError(ErrorCode.STARTCAPTURE, "No capture device was specified");
		const info = this.deps.channel.info;
		const dgram = (request.flags & StartcapFlag.DGRAM) !== 0;
		if (dgram && info.tls) {
			throw new RpcapError(ErrorCode.STARTCAPTURE, "UDP data transport is not supported with TLS");
		}
		if (!request.filter.ok) throw new RpcapError(ErrorCode.STARTCAPTURE, request.filter.error.message);
		const serverOpens = dgram || (request.flags & StartcapFlag.SERVEROPEN) !== 0 || info.mode === "active";
		if (serverOpens && request.portData === 0)
			throw new RpcapError(ErrorCode.STARTCAPTURE, "Client data port is 0");
		const udpstr = dgram && this.udpstrEnabled();
		const snaplen = this.effectiveSnaplen(request, dgram && !udpstr);

		let capture: RunningCapture;
		let source: CaptureSource | undefined;
		try {
			source = this.deps.backend.open(device.name, this.captureOptions(request, snaplen));
			capture = new RunningCapture(
				{
					backend: this.deps.backend,
					source,
					snaplen,
					log: this.deps.log,
					excludeSelf: this.deps.policy.excludeSelf,
					controlFlow: { protocol: "tcp", local: info.local, remote: info.peer },
					clock: this.deps.clock,
				},
				request.filter.program,
			);
			capture.applyFilter();
			if (this.sampling.method !== 0) capture.setSampling(this.sampling);
		} catch (error) {
			// rpcap-protocol.md §7.8 step 7: nothing is left open when the filter cannot be installed.
			source?.stop().catch(() => {});
			throw new RpcapError(ErrorCode.STARTCAPTURE, error instanceof Error ? error.message : String(error));
		}
		this.capture = capture;
		try {
			await this.connectData(capture, request, { dgram, udpstr, serverOpens }, version);
		} catch (error) {
			this.capture = null;
			await capture.end(this.deps.policy);
			if (error instanceof RpcapError) throw error;
			throw new RpcapError(ErrorCode.STARTCAPTURE, error instanceof Error ? error.message : String(error));
		}
	}

	private async connectData(
		capture: RunningCapture,
		request: DecodedStartcapRequest,
		mode: { dgram: boolean; udpstr: boolean; serverOpens: boolean },
		version: number,
	): Promise<void> {
		const { channel, dataChannels } = this.deps;
		const info = channel.info;
		const asStartcapError = (error: unknown) =>
			new RpcapError(ErrorCode.STARTCAPTURE, error instanceof Error ? error.message : String(error));
		if (mode.dgram || mode.serverOpens) {
			let sender: DataSender;
			try {
				sender = mode.dgram
					? await dataChannels.openUdp({ peer: info.peer, port: request.portData, udpstr: mode.udpstr })
					: await dataChannels.connectTcp({ peer: info.peer, port: request.portData, tls: info.tls });
			} catch (error) {
				throw asStartcapError(error);
			}
			// The session ended while connecting (bad-inputs J6): the late data connection must not start the capture.
			if (this.capture !== capture) return void sender.close(0);
			this.attach(capture, sender);
			this.hooks.reply(encodeStartcapReply({ bufferSize: capture.source.bufferSize, portData: 0 }, version));
			return;
		}
		let pending: Awaited<ReturnType<typeof dataChannels.listenTcp>>;
		try {
			pending = await dataChannels.listenTcp({ local: info.local, peer: info.peer, tls: info.tls });
		} catch (error) {
			throw asStartcapError(error);
		}
		if (this.capture !== capture) return pending.cancel();
		capture.onEnd(() => pending.cancel());
		capture.expectDataFlow({
			protocol: "tcp",
			local: pending.local,
			remote: { address: info.peer.address, port: null },
		});
		this.hooks.reply(
			encodeStartcapReply({ bufferSize: capture.source.bufferSize, portData: pending.port }, version),
		);
		pending.accepted.then(
			(sender) => {
				if (this.capture !== capture) return void sender.close(0);
				try {
					this.attach(capture, sender);
				} catch (error) {
					// §7.8 step 10: failing after the reply is an asynchronous ERROR 12 (and never an unhandled rejection).
					this.hooks.asyncError(
						ErrorCode.STARTCAPTURE,
						error instanceof Error ? error.message : String(error),
					);
					void this.endCurrent();
				}
			},
			(error: unknown) => {
				if (this.capture !== capture) return;
				this.hooks.asyncError(ErrorCode.STARTCAPTURE, error instanceof Error ? error.message : String(error));
				void this.endCurrent();
			},
		);
	}

	private attach(capture: RunningCapture, sender: DataSender): void {
		capture.attach(
			sender,
			(failure) => this.onDataFailure(capture, failure),
			(message) => {
				if (this.capture !== capture) return;
				this.hooks.asyncError(ErrorCode.READEX, message);
				void this.endCurrent();
			},
		);
		this.deps.log.info("capture started", {
			device: this.device?.name,
			data: `${sender.transport} to ${sender.remote.address}:${sender.remote.port}`,
		});
	}

	private onDataFailure(capture: RunningCapture, failure: DataFailure): void {
		if (this.capture !== capture) return;
		void this.endCurrent();
		if (failure.kind !== "peer-closed") {
			this.hooks.asyncError(
				failure.kind === "handshake" ? ErrorCode.STARTCAPTURE : ErrorCode.READEX,
				failure.message,
			);
			return;
		}
		// A passive libpcap client closes the data socket around its CLOSE: only complain if the control
		// connection is still open after the grace period (rpcap-protocol.md §18.5).
		(this.deps.clock ?? systemClock).setTimeout(() => {
			if (this.hooks.controlOpen()) this.hooks.asyncError(ErrorCode.READEX, failure.message);
		}, this.deps.policy.dataCloseGraceMs);
	}

	private udpstrEnabled(): boolean {
		const mode = this.deps.policy.udpstr;
		return mode === "on" || (mode === "auto" && this.deps.channel.info.mode === "active");
	}

	private effectiveSnaplen(request: DecodedStartcapRequest, classicUdp: boolean): number {
		let snaplen = request.snaplen;
		if (snaplen === 0 || snaplen > MAX_SNAPLEN) {
			this.deps.log.info("snaplen clamped", { requested: request.snaplen, used: MAX_SNAPLEN });
			snaplen = MAX_SNAPLEN;
		}
		const udpMax = CLASSIC_UDP_MAX_CAPLEN[this.deps.channel.info.family];
		if (classicUdp && snaplen > udpMax) snaplen = udpMax;
		return snaplen;
	}

	private captureOptions(request: DecodedStartcapRequest, snaplen: number): CaptureOptions {
		const policy = this.deps.policy;
		const inbound = (request.flags & StartcapFlag.INBOUND) !== 0;
		const outbound = (request.flags & StartcapFlag.OUTBOUND) !== 0;
		const readTimeout =
			request.readTimeout > 0 ? Math.min(request.readTimeout, policy.flushMs) : policy.flushMs;
		return {
			snaplen,
			promisc: (request.flags & StartcapFlag.PROMISC) !== 0,
			readTimeoutMs: Math.max(1, readTimeout),
			bufferSize: policy.captureBufferSize,
			immediate: policy.immediate,
			direction: inbound === outbound ? "inout" : inbound ? "in" : "out",
		};
	}

	updateFilter(payload: Uint8Array, version: number): Uint8Array {
		if (!this.capture)
			throw new RpcapError(ErrorCode.UPDATEFILTER, "Device not opened. Cannot update filter");
		const program = decodeUpdateFilterRequest(payload);
		try {
			this.capture.applyFilter(program);
		} catch (error) {
			throw new RpcapError(
				ErrorCode.UPDATEFILTER,
				error instanceof CaptureError ? error.message : String(error),
			);
		}
		return encodeEmptyMessage(MessageType.UPDATEFILTER_REPLY, version);
	}

	stats(version: number): Uint8Array {
		let stats = this.finalStats;
		if (this.capture) {
			try {
				stats = this.capture.liveStats();
			} catch (error) {
				throw new RpcapError(ErrorCode.GETSTATS, error instanceof Error ? error.message : String(error));
			}
		}
		if (this.deps.policy.logStats) this.deps.log.info("stats", { ...stats, running: this.capture !== null });
		return encodeStatsReply(stats, version);
	}

	setSampling(payload: Uint8Array, version: number): Uint8Array {
		const request = decodeSetSamplingRequest(payload);
		let sampling: Sampling = { method: request.method as Sampling["method"], value: request.value };
		if (sampling.method !== 0 && sampling.value === 0) {
			this.deps.log.warn("sampling value 0 received; little-endian libpcap clients always send 0", {
				method: sampling.method,
			});
			sampling = { method: 0, value: 0 };
		}
		this.sampling = sampling;
		this.capture?.setSampling(sampling);
		return encodeEmptyMessage(MessageType.SETSAMPLING_REPLY, version);
	}

	async endCapture(version: number): Promise<Uint8Array> {
		if (!this.capture)
			throw new RpcapError(ErrorCode.ENDCAPTURE, "Device not opened. Cannot close the capture");
		await this.endCurrent();
		return encodeEmptyMessage(MessageType.ENDCAP_REPLY, version);
	}

	/** Tears the current capture down (idempotent); the final counters answer later STATS. */
	endCurrent(): Promise<void> {
		const capture = this.capture;
		if (!capture) return this.teardown ?? Promise.resolve();
		this.capture = null;
		this.teardown = capture.end(this.deps.policy).then((final) => {
			this.finalStats = final;
			const data = capture.dataCounters();
			this.deps.log.info("capture ended", {
				packets: final.svrCapt,
				drops: final.krnlDrop,
				...(data
					? { dataBytes: data.bytesSent, datagrams: data.datagramsSent, sendDrops: data.packetsDropped }
					: {}),
			});
		});
		return this.teardown;
	}
}
