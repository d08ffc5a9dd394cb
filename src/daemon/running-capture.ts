// One capture of a session: the capture source wired to its data sender, live filter swaps, counters and a bounded teardown.

import type { CaptureBackend, CaptureSource, Sampling } from "../capture/source.ts";
import type { Logger } from "../observe/logger.ts";
import type { BpfProgram, StatsReply } from "../protocol/index.ts";
import type { DataFailure, DataSender, DataSenderCounters } from "./data/sender.ts";
import { composeCaptureFilter, type OwnFlow } from "./self-exclusion.ts";
import { type Clock, systemClock } from "./session-types.ts";

export interface RunningCaptureOptions {
	backend: CaptureBackend;
	source: CaptureSource;
	snaplen: number;
	log: Logger;
	excludeSelf: boolean;
	/** The control connection's own flow (always excluded when excludeSelf is on). */
	controlFlow: OwnFlow;
	/** Times the teardown bounds: the session's injected clock (default: the system clock). */
	clock?: Clock;
}

export interface TeardownBounds {
	stopCaptureMs: number;
	drainSendQueueMs: number;
}

function withTimeout(promise: Promise<void>, ms: number, clock: Clock): Promise<"done" | "timeout"> {
	let cancel: (() => void) | undefined;
	return Promise.race([
		promise.then(() => "done" as const),
		new Promise<"timeout">((resolve) => {
			cancel = clock.setTimeout(() => resolve("timeout"), ms);
		}),
	]).finally(() => cancel?.());
}

export class RunningCapture {
	private sender: DataSender | null = null;
	private dataFlow: OwnFlow | null = null;
	private clientProgram: BpfProgram;
	private ended = false;
	private readonly cleanups: (() => void)[] = [];
	private droppedAtStats = 0;

	constructor(
		private readonly options: RunningCaptureOptions,
		clientProgram: BpfProgram,
	) {
		this.clientProgram = clientProgram;
	}

	get source(): CaptureSource {
		return this.options.source;
	}

	get hasDataChannel(): boolean {
		return this.sender !== null;
	}

	/** The data channel's counters (wire bytes, datagrams, drops), for the end-of-capture log line. */
	dataCounters(): DataSenderCounters | null {
		return this.sender?.counters() ?? null;
	}

	/** Installs the client's program plus the exclusion of our own flows known so far. */
	applyFilter(program: BpfProgram = this.clientProgram): void {
		const flows: OwnFlow[] = [];
		if (this.options.excludeSelf) {
			flows.push(this.options.controlFlow);
			if (this.dataFlow) flows.push(this.dataFlow);
		}
		const o = this.options;
		let bytes: Uint8Array;
		try {
			bytes = composeCaptureFilter(o.backend, o.source.linktype, o.snaplen, program, flows);
		} catch (error) {
			// Link types without IP (nflog, dbus…) cannot carry our own traffic: the client's program alone is right.
			o.log.debug("self-traffic exclusion not applicable", { reason: (error as Error).message });
			bytes = composeCaptureFilter(o.backend, o.source.linktype, o.snaplen, program, []);
		}
		o.source.setFilter(bytes);
		this.clientProgram = program;
	}

	/** Runs when the capture ends (e.g. cancels a data listener still waiting for its client). */
	onEnd(cleanup: () => void): void {
		this.cleanups.push(cleanup);
	}

	/** Announces the data flow (for exclusion) before the data connection exists, e.g. a client-opens listener. */
	expectDataFlow(flow: OwnFlow): void {
		this.dataFlow = flow;
		this.applyFilter();
	}

	/** Connects the data sender and starts streaming packets into it. */
	attach(
		sender: DataSender,
		onFailure: (failure: DataFailure) => void,
		onCaptureError: (message: string) => void,
	): void {
		this.sender = sender;
		this.dataFlow = {
			protocol: sender.transport === "tcp" ? "tcp" : "udp",
			local: sender.local,
			remote: sender.remote,
		};
		this.applyFilter();
		sender.onFailure((failure) => {
			if (!this.ended) onFailure(failure);
		});
		this.options.source.start({
			onBatch: (records, packets) => sender.sendBatch(records, packets),
			onError: (error) => {
				if (!this.ended) onCaptureError(error.message);
			},
		});
	}

	setSampling(sampling: Sampling): void {
		this.options.source.setSampling(sampling);
	}

	/** STATS during the capture: live interface counters, svrcapt = records emitted (npkt of the last PACKET). */
	/**
	 * krnldrop also counts what the daemon itself dropped on the data channel (full send queue, send errors): the
	 * client sees every packet the capture path lost in STATS, not only the kernel's share.
	 */
	liveStats(): StatsReply {
		const s = this.options.source.stats();
		return {
			ifRecv: s.recv >>> 0,
			ifDrop: s.ifdrop >>> 0,
			krnlDrop: (s.drop + this.sendDrops()) >>> 0,
			svrCapt: this.options.source.counters().emitted >>> 0,
		};
	}

	private sendDrops(): number {
		return this.sender?.counters().packetsDropped ?? 0;
	}

	/**
	 * Stops capturing, forwards what is buffered, closes the data channel (TCP: EOF first) and releases the
	 * handle, each step bounded. Returns the final counters, taken just before the handle closes.
	 */
	async end(bounds: TeardownBounds): Promise<StatsReply> {
		if (this.ended) return { ifRecv: 0, ifDrop: 0, krnlDrop: 0, svrCapt: 0 };
		this.ended = true;
		for (const cleanup of this.cleanups.splice(0)) cleanup();
		let final: StatsReply = { ifRecv: 0, ifDrop: 0, krnlDrop: 0, svrCapt: 0 };
		try {
			final = this.liveStats();
			this.droppedAtStats = this.sendDrops();
		} catch {
			// keep zeros for the interface counters; svrcapt is filled in below
		}
		const clock = this.options.clock ?? systemClock;
		const stopped = await withTimeout(
			this.logFailure(this.options.source.stop(), "capture stop"),
			bounds.stopCaptureMs,
			clock,
		);
		if (stopped === "timeout") this.options.log.warn("capture did not stop in time; released anyway");
		final.svrCapt = this.options.source.counters().emitted >>> 0;
		if (this.sender) {
			const closed = await withTimeout(
				this.logFailure(this.sender.close(bounds.drainSendQueueMs), "data channel close"),
				bounds.drainSendQueueMs + 500,
				clock,
			);
			if (closed === "timeout") this.options.log.warn("data channel did not close in time");
			const c = this.sender.counters();
			// Drops during the final flush count too.
			final.krnlDrop = (final.krnlDrop + c.packetsDropped - this.droppedAtStats) >>> 0;
			if (c.packetsDropped > 0 || c.datagramsDropped > 0) {
				this.options.log.warn("packets dropped on the data channel", {
					packets: c.packetsDropped,
					datagrams: c.datagramsDropped,
				});
			}
		}
		return final;
	}

	/** A teardown step that fails is logged and the teardown goes on (never a rejected ENDCAP or session end). */
	private logFailure(step: Promise<void>, what: string): Promise<void> {
		return step.catch((error: unknown) => {
			this.options.log.warn(`${what} failed; released anyway`, {
				error: error instanceof Error ? error.message : String(error),
			});
		});
	}
}
