// A CaptureSource driven by the test: it runs the installed BPF program and the sampling on frames the test emits.

import {
	type BatchSink,
	type CaptureCounters,
	CaptureError,
	type CaptureOptions,
	type CaptureSource,
	type InterfaceStats,
	type Sampling,
} from "../../src/capture/source.ts";
import type { Clock } from "../../src/daemon/session-types.ts";
import {
	type BpfInstruction,
	bpfProgramFromHostBytes,
	PACKET_MESSAGE_OVERHEAD,
	writePacketHeader,
} from "../../src/protocol/index.ts";
import { runBpf } from "../unit/protocol/bpf-interpreter.ts";

/** Faults a source can be told to show. */
export interface SourceBehaviour {
	/** start() throws CaptureError with this text. */
	startError: string | null;
	/** setFilter() throws CaptureError with this text (the kernel refuses the program). */
	setFilterError: string | null;
	/** stats() throws CaptureError with this text (I5). */
	statsError: string | null;
	/** stop() never resolves (J3: a capture thread that will not stop). */
	stopHangs: boolean;
	/** stop() rejects with CaptureError with this text. */
	stopError: string | null;
}

export const normalBehaviour: SourceBehaviour = {
	startError: null,
	setFilterError: null,
	statsError: null,
	stopHangs: false,
	stopError: null,
};

export interface EmitOptions {
	/** Capture timestamp of every frame, in seconds (default: the clock). */
	timestampSec?: number;
	timestampUsec?: number;
}

export class ScriptedCaptureSource implements CaptureSource {
	readonly bufferSize: number;
	readonly behaviour: SourceBehaviour;
	/** Every program installed, host order, in order (only the last one when keepFilterHistory is off). */
	readonly filters: Uint8Array[] = [];
	/** Off for long runs: keeping every program would make the fake itself grow. */
	keepFilterHistory = true;
	readonly samplingCalls: Sampling[] = [];
	interfaceStats: InterfaceStats = { recv: 0, drop: 0, ifdrop: 0 };
	startCount = 0;
	stopCount = 0;
	/** start() was called after stop(): a capture restarted after its teardown. */
	startedAfterStop = false;
	private sink: BatchSink | null = null;
	private sampling: Sampling = { method: 0, value: 0 };
	private sampleCount = 0;
	private lastSampleMs: number | null = null;
	private readonly count: CaptureCounters = { emitted: 0, seen: 0, sampledOut: 0, truncated: 0 };

	constructor(
		readonly device: string,
		readonly options: CaptureOptions,
		readonly linktype: number,
		behaviour: Partial<SourceBehaviour>,
		private readonly clock: Clock,
		private readonly timeline: string[],
		bufferSize = 2 * 1024 * 1024,
	) {
		this.behaviour = { ...normalBehaviour, ...behaviour };
		this.bufferSize = bufferSize;
	}

	get started(): boolean {
		return this.sink !== null;
	}

	get stopped(): boolean {
		return this.stopCount > 0;
	}

	/** The program in force now (decoded from host order). */
	get currentFilter(): BpfInstruction[] | null {
		const last = this.filters.at(-1);
		return last ? bpfProgramFromHostBytes(last) : null;
	}

	start(sink: BatchSink): void {
		if (this.behaviour.startError !== null) throw new CaptureError(this.behaviour.startError);
		if (this.stopped) this.startedAfterStop = true;
		this.startCount++;
		this.sink = sink;
		this.timeline.push(`capture ${this.device} start`);
	}

	setFilter(program: Uint8Array): void {
		if (this.behaviour.setFilterError !== null) throw new CaptureError(this.behaviour.setFilterError);
		if (!this.keepFilterHistory) this.filters.length = 0;
		this.filters.push(program.slice());
	}

	setSampling(sampling: Sampling): void {
		this.samplingCalls.push({ ...sampling });
		this.sampling = { ...sampling };
		this.sampleCount = 0;
		this.lastSampleMs = null;
	}

	counters(): CaptureCounters {
		return { ...this.count };
	}

	stats(): InterfaceStats {
		if (this.behaviour.statsError !== null) throw new CaptureError(this.behaviour.statsError);
		return { ...this.interfaceStats };
	}

	stop(): Promise<void> {
		this.stopCount++;
		this.timeline.push(`capture ${this.device} stop`);
		if (this.behaviour.stopHangs) return new Promise<void>(() => {});
		this.sink = null;
		if (this.behaviour.stopError !== null) return Promise.reject(new CaptureError(this.behaviour.stopError));
		this.timeline.push(`capture ${this.device} stopped`);
		return Promise.resolve();
	}

	/**
	 * Offers frames to the capture as the kernel would: the installed filter decides and cuts, then sampling,
	 * then snaplen; the survivors go to the sink as one batch of PACKET records. Returns how many were emitted.
	 */
	emitPackets(frames: readonly Uint8Array[], options: EmitOptions = {}): number {
		const sink = this.sink;
		if (!sink) return 0;
		const program = this.currentFilter;
		const kept: { frame: Uint8Array; caplen: number }[] = [];
		for (const frame of frames) {
			this.interfaceStats.recv++;
			const snap = program ? runBpf(program, frame) : frame.length;
			if (snap === 0) continue;
			this.count.seen++;
			if (!this.sampledIn()) {
				this.count.sampledOut++;
				continue;
			}
			const caplen = Math.min(frame.length, snap, this.options.snaplen);
			if (caplen < frame.length) this.count.truncated++;
			kept.push({ frame, caplen });
		}
		if (kept.length === 0) return 0;
		const total = kept.reduce((n, k) => n + PACKET_MESSAGE_OVERHEAD + k.caplen, 0);
		const records = new Uint8Array(total);
		const view = new DataView(records.buffer);
		const nowMs = this.clock.now();
		let at = 0;
		for (const { frame, caplen } of kept) {
			const npkt = ++this.count.emitted;
			const sec = options.timestampSec ?? Math.floor(nowMs / 1000);
			const usec = options.timestampUsec ?? Math.floor((nowMs % 1000) * 1000);
			writePacketHeader(view, at, caplen, frame.length, sec >>> 0, usec, npkt);
			records.set(frame.subarray(0, caplen), at + PACKET_MESSAGE_OVERHEAD);
			at += PACKET_MESSAGE_OVERHEAD + caplen;
		}
		sink.onBatch(records, kept.length);
		return kept.length;
	}

	/** Hands pre-framed records to the sink as they are (data-path pass-through checks). */
	emitRecords(records: Uint8Array, packets: number): void {
		this.count.emitted += packets;
		this.sink?.onBatch(records, packets);
	}

	/** The capture fails for good (read error): the source stops and reports it. */
	fail(message: string): void {
		const sink = this.sink;
		this.sink = null;
		sink?.onError(new CaptureError(message));
	}

	// rpcap-protocol.md §9: 1 = the first of every N packets; 2 = the first packet after N ms have elapsed.
	private sampledIn(): boolean {
		const { method, value } = this.sampling;
		if (method === 1 && value > 0) return this.sampleCount++ % value === 0;
		if (method === 2 && value > 0) {
			const now = this.clock.now();
			if (this.lastSampleMs !== null && now - this.lastSampleMs < value) return false;
			this.lastSampleMs = now;
			return true;
		}
		return true;
	}
}
