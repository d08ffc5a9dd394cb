// --split: one sink (one file, or one rotation) per sensor/interface stream.

import { type Sink, type SinkStats, type StreamInfo, streamKey } from "./sink.ts";

interface SplitEntry {
	sink: Sink;
	innerId: number;
}

export class SplitSink implements Sink {
	readonly #entries: SplitEntry[] = [];
	readonly #ids = new Map<string, number>();
	#closed = false;
	#droppedAfterClose = 0;

	/** `openSink` makes the sink of a new stream (its file name comes from the stream). */
	constructor(private readonly openSink: (info: StreamInfo) => Sink) {}

	addStream(info: StreamInfo): number {
		const key = streamKey(info);
		const known = this.#ids.get(key);
		if (known !== undefined) return known;
		const sink = this.openSink(info);
		const innerId = sink.addStream(info);
		const id = this.#entries.length;
		this.#entries.push({ sink, innerId });
		this.#ids.set(key, id);
		return id;
	}

	write(streamId: number, tsSec: number, tsUsec: number, len: number, data: Uint8Array): void {
		const entry = this.#entries[streamId];
		if (entry === undefined || this.#closed) {
			this.#droppedAfterClose++;
			return;
		}
		entry.sink.write(entry.innerId, tsSec, tsUsec, len, data);
	}

	async flush(): Promise<void> {
		await Promise.all(this.#entries.map((entry) => entry.sink.flush()));
	}

	async close(): Promise<void> {
		this.#closed = true;
		await Promise.all(this.#entries.map((entry) => entry.sink.close()));
	}

	stats(): SinkStats {
		const all = this.#entries.map((entry) => entry.sink.stats());
		const sum = (pick: (s: SinkStats) => number) => all.reduce((total, s) => total + pick(s), 0);
		return {
			packetsWritten: sum((s) => s.packetsWritten),
			bytesWritten: sum((s) => s.bytesWritten),
			packetsDropped: sum((s) => s.packetsDropped) + this.#droppedAfterClose,
			filesOpened: sum((s) => s.filesOpened),
			lastError: all.find((s) => s.lastError !== null)?.lastError ?? null,
		};
	}

	fileOf(streamId: number): string | null {
		const entry = this.#entries[streamId];
		return entry === undefined ? null : entry.sink.fileOf(entry.innerId);
	}
}
