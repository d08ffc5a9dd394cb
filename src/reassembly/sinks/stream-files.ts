// Writes each reassembled direction to its own file and one index line per flow (endpoints, sizes, gaps).

import { join } from "node:path";
import { timestampSeconds } from "../http/http-exchange.ts";
import type { Direction, DirectionEnd, FlowEndReason, FlowInfo, StreamListener } from "../stream-listener.ts";
import { AppendFiles } from "./append-files.ts";

/** Gap positions listed per direction in the index; past this only the count and total grow. */
const MAX_LISTED_GAPS = 1000;
const DIRECTION_SUFFIX = ["c2s", "s2c"] as const;

interface DirectionRecord {
	bytes: number;
	/** Offsets in the written file where bytes are missing, with how many. */
	gaps: { offset: number; length: number }[];
	gapCount: number;
	gapBytes: number;
	end: DirectionEnd | null;
	written: boolean;
}

export interface StreamFileState {
	info: FlowInfo;
	directions: [DirectionRecord, DirectionRecord];
}

/**
 * Files in `directory`: `stream-<id>.c2s` (client to server) and `stream-<id>.s2c` with the bytes as captured,
 * missing bytes left out; `streams.jsonl` with one line per flow saying where bytes are missing (gaps[].offset
 * is the position in the file where they would have been).
 */
export class StreamFiles implements StreamListener<StreamFileState> {
	readonly #files: AppendFiles;
	readonly #indexPath: string;

	constructor(
		private readonly directory: string,
		files: AppendFiles = new AppendFiles(),
	) {
		this.#files = files;
		this.#indexPath = join(directory, "streams.jsonl");
	}

	open(info: FlowInfo): StreamFileState {
		const direction = (): DirectionRecord => ({
			bytes: 0,
			gaps: [],
			gapCount: 0,
			gapBytes: 0,
			end: null,
			written: false,
		});
		return { info, directions: [direction(), direction()] };
	}

	data(state: StreamFileState, direction: Direction, bytes: Uint8Array): void {
		const record = state.directions[direction];
		record.bytes += bytes.length;
		record.written = true;
		this.#files.append(this.#path(state.info, direction), bytes);
	}

	gap(state: StreamFileState, direction: Direction, length: number): void {
		const record = state.directions[direction];
		record.gapCount++;
		record.gapBytes += length;
		if (record.gaps.length < MAX_LISTED_GAPS) record.gaps.push({ offset: record.bytes, length });
	}

	end(state: StreamFileState, direction: Direction, how: DirectionEnd): void {
		state.directions[direction].end = how;
	}

	close(state: StreamFileState, reason: FlowEndReason, tsSec: number, tsUsec: number): void {
		const { info } = state;
		const files = state.directions.map((record, direction) => {
			const path = this.#path(info, direction as Direction);
			this.#files.finish(path);
			return record.written ? `stream-${info.id}.${DIRECTION_SUFFIX[direction]}` : null;
		});
		const line = {
			stream: info.id,
			client: info.client,
			server: info.server,
			midstream: info.midstream,
			start: timestampSeconds({ sec: info.startSec, usec: info.startUsec }),
			end: timestampSeconds({ sec: tsSec, usec: tsUsec }),
			reason,
			clientToServer: this.#directionJson(state.directions[0], files[0] ?? null),
			serverToClient: this.#directionJson(state.directions[1], files[1] ?? null),
		};
		this.#files.append(this.#indexPath, new TextEncoder().encode(`${JSON.stringify(line)}\n`));
	}

	/** Flushes and closes every file. */
	finishAll(): void {
		this.#files.closeAll();
	}

	#path(info: FlowInfo, direction: Direction): string {
		return join(this.directory, `stream-${info.id}.${DIRECTION_SUFFIX[direction]}`);
	}

	#directionJson(record: DirectionRecord, file: string | null) {
		return {
			file,
			bytes: record.bytes,
			end: record.end,
			gapCount: record.gapCount,
			gapBytes: record.gapBytes,
			gaps: record.gaps,
		};
	}
}
