// Ready-made assembly for the CLI and the collector: frames in; stream files, HTTP JSON lines and bodies out.

import { mkdirSync } from "node:fs";
import { HttpAnalyzer, type HttpAnalyzerOptions } from "./http/http-analyzer.ts";
import type { HttpStats } from "./http/http-output.ts";
import type { ReassemblerOptions } from "./reassembler-options.ts";
import { AppendFiles } from "./sinks/append-files.ts";
import { HttpFiles } from "./sinks/http-files.ts";
import { StreamFiles } from "./sinks/stream-files.ts";
import type { ReassemblyStats } from "./stats.ts";
import type { StreamListener } from "./stream-listener.ts";
import { StreamTee } from "./stream-tee.ts";
import { TcpReassembler } from "./tcp-reassembler.ts";

export interface ReassemblyPipelineOptions extends ReassemblerOptions {
	/** File for one JSON line per HTTP exchange ("-": standard output). */
	httpPath?: string;
	/** Directory for HTTP bodies (created); implies HTTP analysis. */
	bodiesDirectory?: string;
	/** Directory for stream files and streams.jsonl (created). */
	streamsDirectory?: string;
	http?: HttpAnalyzerOptions;
	/** Descriptors the stream and body files may keep open together (default 64). */
	maxOpenFiles?: number;
}

/**
 * Live use (the collector), per capture session:
 *
 *     const http = new ReassemblyPipeline({ httpPath: "exchanges.jsonl", streamsDirectory: "streams" });
 *     for each packet: http.push(linktype, tsSec, tsUsec, data)   // data is only read during the call
 *     every second:    http.tickLive()                            // timeouts, and exchanges written out
 *     at the end:      http.close()
 *
 * push() and the ticks never throw for packet contents; tcpStats/httpStats are live counters.
 */
export class ReassemblyPipeline {
	readonly reassembler: TcpReassembler<unknown>;
	readonly #analyzer: HttpAnalyzer | undefined;
	readonly #httpFiles: HttpFiles | undefined;
	readonly #streamFiles: StreamFiles | undefined;
	readonly #files: AppendFiles;
	#closed = false;
	/** Capture time of the newest packet, and the wall-clock time (ms) it was pushed. */
	#lastPacketTime = Number.NEGATIVE_INFINITY;
	#lastPacketWallMs = 0;

	constructor(options: ReassemblyPipelineOptions) {
		this.#files = new AppendFiles({ maxOpen: options.maxOpenFiles ?? 64 });
		const listeners: StreamListener<unknown>[] = [];
		if (options.streamsDirectory !== undefined) {
			mkdirSync(options.streamsDirectory, { recursive: true });
			this.#streamFiles = new StreamFiles(options.streamsDirectory, this.#files);
			listeners.push(this.#streamFiles);
		}
		if (options.httpPath !== undefined || options.bodiesDirectory !== undefined) {
			if (options.bodiesDirectory !== undefined) mkdirSync(options.bodiesDirectory, { recursive: true });
			this.#httpFiles = new HttpFiles({
				jsonlPath: options.httpPath,
				bodiesDirectory: options.bodiesDirectory,
				files: this.#files,
			});
			this.#analyzer = new HttpAnalyzer(this.#httpFiles, options.http);
			listeners.push(this.#analyzer);
		}
		const listener = listeners.reduce<StreamListener<unknown> | undefined>(
			(joined, next) =>
				joined === undefined ? next : (new StreamTee(joined, next) as StreamListener<unknown>),
			undefined,
		);
		this.reassembler = new TcpReassembler(listener ?? NO_LISTENER, options);
	}

	push(linktype: number, tsSec: number, tsUsec: number, data: Uint8Array): void {
		const time = tsSec + tsUsec / 1e6;
		if (time >= this.#lastPacketTime) {
			this.#lastPacketTime = time;
			this.#lastPacketWallMs = Date.now();
		}
		this.reassembler.push(linktype, tsSec, tsUsec, data);
	}

	/** Runs the timeouts at this capture time and writes out finished exchanges. */
	tick(tsSec: number, tsUsec: number): void {
		this.reassembler.tick(tsSec, tsUsec);
		this.#httpFiles?.flush();
	}

	/**
	 * tick() for a live feed: capture time moves on from the newest packet's timestamp by the wall-clock
	 * time since it arrived, so that a sensor clock set differently from ours does not expire flows early.
	 */
	tickLive(wallMs: number = Date.now()): void {
		if (this.#lastPacketTime === Number.NEGATIVE_INFINITY) return;
		const now = this.#lastPacketTime + Math.max(0, wallMs - this.#lastPacketWallMs) / 1000;
		const sec = Math.floor(now);
		this.tick(sec, Math.min(999_999, Math.round((now - sec) * 1e6)));
	}

	/** Ends every flow, writes everything out and closes the files. */
	close(): void {
		if (this.#closed) return;
		this.#closed = true;
		this.reassembler.close();
		this.#httpFiles?.finishAll();
		this.#streamFiles?.finishAll();
		this.#files.closeAll();
	}

	get tcpStats(): ReassemblyStats {
		return this.reassembler.stats;
	}

	get httpStats(): HttpStats | undefined {
		return this.#analyzer?.stats;
	}
}

const NO_LISTENER: StreamListener<unknown> = {
	open: () => undefined,
	data: () => {},
	gap: () => {},
	end: () => {},
	close: () => {},
};
