// Detects a send queue that holds data but makes no progress for a whole timeout (rpcap-protocol.md §14.2, K12).

export interface StallWatchProbe {
	/** True while data waits to be sent. */
	pending(): boolean;
	/** A number that changes whenever the send side made progress (bytes acknowledged, chunks flushed). */
	progress(): number;
	/** Called once when `timeoutMs` passed with data pending and no progress; the watch has stopped. */
	stalled(): void;
}

/** Polls only while armed (data pending): at a quarter of the timeout, at most once a second. */
export class StallWatch {
	private timer: ReturnType<typeof setInterval> | null = null;
	private lastMark = 0;
	private lastProgressAt = 0;
	private readonly intervalMs: number;

	constructor(
		private readonly timeoutMs: number,
		private readonly probe: StallWatchProbe,
	) {
		this.intervalMs = Math.min(1000, Math.max(5, Math.floor(timeoutMs / 4)));
	}

	/** Starts watching if not already; the clock starts now. */
	arm(): void {
		if (this.timer !== null) return;
		this.lastMark = this.probe.progress();
		this.lastProgressAt = performance.now();
		this.timer = setInterval(this.check, this.intervalMs);
	}

	stop(): void {
		if (this.timer === null) return;
		clearInterval(this.timer);
		this.timer = null;
	}

	private readonly check = (): void => {
		if (!this.probe.pending()) {
			this.stop();
			return;
		}
		const mark = this.probe.progress();
		const now = performance.now();
		if (mark !== this.lastMark) {
			this.lastMark = mark;
			this.lastProgressAt = now;
		} else if (now - this.lastProgressAt >= this.timeoutMs) {
			this.stop();
			this.probe.stalled();
		}
	};
}
