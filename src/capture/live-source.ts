// Live capture on a libpcap handle: woken by the poll thread, drains whole batches per FFI call, never blocks the event loop.

import {
	DRAIN_STATE_FIELDS,
	DrainField,
	drainHelperError,
	drainWithHelper,
	drainWithNextEx,
	loadDrainHelper,
} from "../../ffi/batch-drain.ts";
import { type CaptureWaiter, startCaptureWaiter } from "../../ffi/capture-waiter.ts";
import { PcapError, type PcapHandle } from "../../ffi/pcap-handle.ts";
import {
	type BatchSink,
	type CaptureCounters,
	CaptureError,
	type CaptureSource,
	type InterfaceStats,
	type Sampling,
} from "./source.ts";

/** Big enough for thousands of small packets per FFI call and always for one full-snaplen packet. */
const BATCH_BYTES = 1 << 20;
/** Batches drained per wake-up before yielding back to the event loop (the waiter wakes us again at once). */
const BATCHES_PER_WAKE = 16;

export class LiveCaptureSource implements CaptureSource {
	readonly linktype: number;
	readonly bufferSize: number;
	private readonly state = new Uint32Array(DRAIN_STATE_FIELDS);
	private readonly buffer: Uint8Array;
	private readonly helper = loadDrainHelper();
	private waiter: CaptureWaiter | undefined;
	private sink: BatchSink | undefined;
	private stopped = false;
	private draining = false;
	private closeAfterDrain = false;

	constructor(
		private readonly handle: PcapHandle,
		snaplen: number,
		kernelBufferSize = 0,
	) {
		this.linktype = handle.datalink();
		// pcap_bufsize reports libpcap's read buffer (256 KiB with TPACKET_V3), not the ring we asked for. Clients
		// size their UDP receive buffer from this number, so report the larger one (design.md, packet path notes).
		this.bufferSize = Math.max(handle.bufferSize(), kernelBufferSize);
		this.state[DrainField.SNAPLEN] = snaplen;
		this.buffer = new Uint8Array(Math.max(BATCH_BYTES, 2 * (28 + snaplen)));
	}

	/** "cc" when batches come from the C helper, "next_ex" on the slow path, with the reason. */
	get drainPath(): string {
		return this.helper ? "cc" : `next_ex (${drainHelperError() ?? "no helper"})`;
	}

	start(sink: BatchSink): void {
		this.sink = sink;
		try {
			this.handle.setNonblocking();
		} catch (error) {
			throw new CaptureError(error instanceof Error ? error.message : String(error));
		}
		this.waiter = startCaptureWaiter(this.handle.selectableFd(), () => this.drainReady());
	}

	private drainOnce(): number {
		return this.helper
			? drainWithHelper(this.helper, this.handle.pointer, this.state, this.buffer, 0xffffffff)
			: drainWithNextEx(this.handle.pointer, this.state, this.buffer, 0xffffffff);
	}

	private drainReady(): void {
		if (this.stopped || !this.sink || this.draining) return;
		this.draining = true;
		try {
			for (let i = 0; i < BATCHES_PER_WAKE && !this.stopped; i++) {
				const bytes = this.drainOnce();
				if (bytes === -2 || bytes === 0) break;
				if (bytes < 0) {
					this.fail(`Error reading the packets: ${this.handle.lastError()}`);
					break;
				}
				const packets = this.state[DrainField.BATCH_PACKETS] ?? 0;
				if (packets > 0) this.sink?.onBatch(this.buffer.subarray(0, bytes), packets);
			}
		} finally {
			this.draining = false;
		}
		// A sink may stop the capture from inside onBatch: the handle is closed only once no drain is running.
		if (this.closeAfterDrain) this.handle.close();
		else this.waiter?.rearm();
	}

	private fail(message: string): void {
		const sink = this.sink;
		void this.stop();
		sink?.onError(new CaptureError(message));
	}

	setFilter(program: Uint8Array): void {
		try {
			this.handle.setFilterInstructions(program);
		} catch (error) {
			throw new CaptureError(error instanceof PcapError ? error.message : String(error));
		}
	}

	setSampling(sampling: Sampling): void {
		this.state[DrainField.SAMPLE_METHOD] = sampling.method;
		this.state[DrainField.SAMPLE_VALUE] = sampling.value;
		this.state[DrainField.SAMPLE_COUNT] = 0;
		this.state[DrainField.SAMPLE_STARTED] = 0;
	}

	counters(): CaptureCounters {
		return {
			emitted: this.state[DrainField.NPKT] ?? 0,
			seen: this.state[DrainField.SEEN] ?? 0,
			sampledOut: this.state[DrainField.SAMPLED_OUT] ?? 0,
			truncated: this.state[DrainField.TRUNCATED] ?? 0,
		};
	}

	stats(): InterfaceStats {
		if (this.handle.isClosed) throw new CaptureError("The capture has ended");
		try {
			return this.handle.stats();
		} catch (error) {
			throw new CaptureError(error instanceof Error ? error.message : String(error));
		}
	}

	async stop(): Promise<void> {
		if (this.stopped) return;
		this.waiter?.stop();
		this.waiter = undefined;
		// Forward what the kernel already holds: packets captured before ENDCAP belong to the capture.
		if (!this.handle.isClosed && !this.draining) this.drainReady();
		this.stopped = true;
		this.sink = undefined;
		if (this.draining) this.closeAfterDrain = true;
		else this.handle.close();
	}
}
