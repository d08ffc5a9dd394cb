// Rotating capture files like tcpdump: -C (size), -G (seconds), -W (ring of files, or a file limit with -G).

import { unlinkSync } from "node:fs";
import { counterWidth, rotatedFileName } from "./rotation-names.ts";
import { type Sink, type SinkStats, type StreamInfo, streamKey } from "./sink.ts";

export interface RotationOptions {
	/** -C: start a new file once the current one is larger than this many bytes. */
	maxFileBytes?: number;
	/** -G: start a new file on the first packet this many seconds after the current one was opened. */
	intervalSeconds?: number;
	/** -W: with -C, a ring of this many files; with -G alone, stop after this many files. */
	maxFiles?: number;
	/** Milliseconds since the epoch (injected for tests). */
	now?: () => number;
	/** Called once when -G with -W has produced its last file; later packets are counted as dropped. */
	onLimitReached?: () => void;
}

/** The per-file sink the rotation opens for each name (a pcap or pcapng sink over a new file). */
export interface RotatableSink extends Sink {
	/** Bytes of the current file, pending ones included. */
	readonly fileBytes: number;
	readonly packetsInFile: number;
}

const REOPEN_DELAY_MS = 1000;

function removeFile(path: string): void {
	try {
		unlinkSync(path);
	} catch {
		// Already gone: nothing to protect.
	}
}

export class RotatingSink implements Sink {
	readonly #streams: StreamInfo[] = [];
	readonly #ids = new Map<string, number>();
	#current: RotatableSink | null = null;
	#innerIds: number[] = [];
	#counter = 0;
	#timeFiles = 0;
	#openedAt = 0;
	#closedStats: SinkStats = {
		packetsWritten: 0,
		bytesWritten: 0,
		packetsDropped: 0,
		filesOpened: 0,
		lastError: null,
	};
	readonly #pendingCloses = new Set<Promise<void>>();
	#closing: RotatableSink[] = [];
	#dropped = 0;
	#failedAt = -1;
	#lastError: string | null = null;
	#stopped = false;
	readonly #now: () => number;
	readonly #width: number;

	constructor(
		private readonly template: string,
		private readonly openSink: (path: string) => RotatableSink,
		private readonly options: RotationOptions,
	) {
		this.#now = options.now ?? Date.now;
		// tcpdump pads the counter only in a -C ring (-W with -C).
		this.#width =
			options.maxFileBytes !== undefined && options.maxFiles !== undefined
				? counterWidth(options.maxFiles)
				: 0;
	}

	addStream(info: StreamInfo): number {
		const key = streamKey(info);
		const known = this.#ids.get(key);
		if (known !== undefined) return known;
		if (this.#current === null && !this.#stopped && this.#failedAt < 0) this.#open();
		// Register with the current file first so that a refusal (SinkStreamError) leaves no trace.
		if (this.#current !== null) this.#innerIds[this.#streams.length] = this.#current.addStream(info);
		const id = this.#streams.length;
		this.#streams.push(info);
		this.#ids.set(key, id);
		return id;
	}

	write(streamId: number, tsSec: number, tsUsec: number, len: number, data: Uint8Array): void {
		if (this.#current === null || this.#needsRotation()) this.#rotate();
		const current = this.#current;
		if (current === null) {
			this.#dropped++;
			return;
		}
		current.write(this.#innerIds[streamId]!, tsSec, tsUsec, len, data);
	}

	async flush(): Promise<void> {
		await Promise.all([...this.#pendingCloses, this.#current?.flush()]);
	}

	async close(): Promise<void> {
		this.#stopped = true;
		const current = this.#current;
		if (current !== null) this.#retire(current);
		this.#current = null;
		await Promise.all(this.#pendingCloses);
	}

	stats(): SinkStats {
		const closed = this.#closedStats;
		const live = [this.#current, ...this.#closing]
			.filter((s): s is RotatableSink => s !== null)
			.map((s) => s.stats());
		const sum = (pick: (s: SinkStats) => number) => live.reduce((total, s) => total + pick(s), 0);
		return {
			packetsWritten: closed.packetsWritten + sum((s) => s.packetsWritten),
			bytesWritten: closed.bytesWritten + sum((s) => s.bytesWritten),
			packetsDropped: closed.packetsDropped + this.#dropped + sum((s) => s.packetsDropped),
			filesOpened: closed.filesOpened + sum((s) => s.filesOpened),
			lastError: live.find((s) => s.lastError !== null)?.lastError ?? closed.lastError ?? this.#lastError,
		};
	}

	fileOf(streamId: number): string | null {
		const inner = this.#innerIds[streamId];
		return this.#current === null || inner === undefined ? null : this.#current.fileOf(inner);
	}

	#needsRotation(): boolean {
		const current = this.#current!;
		const { maxFileBytes, intervalSeconds } = this.options;
		if (intervalSeconds !== undefined && this.#now() - this.#openedAt >= intervalSeconds * 1000) return true;
		return maxFileBytes !== undefined && current.packetsInFile > 0 && current.fileBytes > maxFileBytes;
	}

	#rotate(): void {
		if (this.#stopped) return;
		const current = this.#current;
		if (current === null) {
			if (this.#failedAt >= 0 && this.#now() - this.#failedAt < REOPEN_DELAY_MS) return;
			this.#open();
			return;
		}
		const timeUp =
			this.options.intervalSeconds !== undefined &&
			this.#now() - this.#openedAt >= this.options.intervalSeconds * 1000;
		this.#retire(current);
		this.#current = null;
		if (timeUp) {
			this.#timeFiles++;
			this.#counter = 0;
			if (
				this.options.maxFileBytes === undefined &&
				this.options.maxFiles !== undefined &&
				this.#timeFiles >= this.options.maxFiles
			) {
				this.#stopped = true;
				this.options.onLimitReached?.();
				return;
			}
		} else if (this.options.maxFiles !== undefined) {
			this.#counter = (this.#counter + 1) % this.options.maxFiles;
		} else {
			this.#counter++;
		}
		this.#open();
	}

	#open(): void {
		const time = this.options.intervalSeconds === undefined ? null : new Date(this.#now());
		const path = rotatedFileName(this.template, this.#counter, this.#width, time);
		this.#openedAt = this.#now();
		// A ring (or -G without % in the name) reuses a name whose previous file may still be writing its tail:
		// unlink it, so those late writes land in the old inode instead of inside the new file.
		if (this.#closing.some((old) => old.fileOf(0) === path)) removeFile(path);
		const sink = this.openSink(path);
		try {
			this.#innerIds = this.#streams.map((info) => sink.addStream(info));
		} catch (error) {
			this.#failedAt = this.#now();
			this.#lastError = (error as Error).message;
			void sink.close();
			return;
		}
		this.#failedAt = -1;
		this.#current = sink;
	}

	#retire(sink: RotatableSink): void {
		this.#closing.push(sink);
		const closing: Promise<void> = sink.close().then(() => {
			const s = sink.stats();
			const closed = this.#closedStats;
			this.#closedStats = {
				packetsWritten: closed.packetsWritten + s.packetsWritten,
				bytesWritten: closed.bytesWritten + s.bytesWritten,
				packetsDropped: closed.packetsDropped + s.packetsDropped,
				filesOpened: closed.filesOpened + s.filesOpened,
				lastError: closed.lastError ?? s.lastError,
			};
			this.#closing = this.#closing.filter((other) => other !== sink);
			this.#pendingCloses.delete(closing);
		});
		this.#pendingCloses.add(closing);
	}
}
