// Turns reassembled TCP streams into HTTP/1.x exchanges: a StreamListener with one HttpConnection per flow.

import type { Direction, DirectionEnd, FlowInfo, StreamListener } from "../stream-listener.ts";
import { type ConnectionLimits, HttpConnection } from "./http-connection.ts";
import { type HttpOutput, type HttpStats, newHttpStats } from "./http-output.ts";
import { MemoryBudget } from "./memory-budget.ts";

export interface HttpAnalyzerOptions {
	/** Largest message head accepted (default 64 KiB). */
	maxHeadBytes?: number;
	/** Response bytes held while waiting for the request they answer (default 1 MiB per connection). */
	maxHeldBytes?: number;
	/** Requests waiting for their response per connection (default 1024). */
	maxPendingRequests?: number;
	/**
	 * Bytes held over all connections (heads being read, lines, responses waiting for requests; default
	 * 64 MiB). Past it a head being read is dropped (sync is lost) and a waiting response stops waiting.
	 */
	maxBufferedBytes?: number;
}

export class HttpAnalyzer implements StreamListener<HttpConnection> {
	readonly #stats: HttpStats = newHttpStats();
	readonly #limits: ConnectionLimits;
	readonly #budget: MemoryBudget;

	constructor(
		private readonly output: HttpOutput,
		options: HttpAnalyzerOptions = {},
	) {
		this.#budget = new MemoryBudget(options.maxBufferedBytes ?? 64 * 1024 * 1024);
		this.#limits = {
			budget: this.#budget,
			maxHeadBytes: options.maxHeadBytes ?? 64 * 1024,
			maxHeldBytes: options.maxHeldBytes ?? 1024 * 1024,
			maxPendingRequests: options.maxPendingRequests ?? 1024,
		};
	}

	/** Counters; bufferedBytes and bufferLimitHits are read from the budget when asked. */
	get stats(): HttpStats {
		this.#stats.bufferedBytes = this.#budget.used;
		this.#stats.bufferLimitHits = this.#budget.refused;
		return this.#stats;
	}

	open(flow: FlowInfo): HttpConnection {
		return new HttpConnection(flow, this.output, this.#stats, this.#limits);
	}

	data(
		connection: HttpConnection,
		direction: Direction,
		bytes: Uint8Array,
		tsSec: number,
		tsUsec: number,
		ackOffset: number,
	): void {
		(direction === 0 ? connection.requests : connection.responses).feed(bytes, tsSec, tsUsec, ackOffset);
	}

	gap(connection: HttpConnection, direction: Direction, length: number, tsSec: number, tsUsec: number): void {
		(direction === 0 ? connection.requests : connection.responses).gap(length, tsSec, tsUsec);
	}

	end(
		connection: HttpConnection,
		direction: Direction,
		how: DirectionEnd,
		tsSec: number,
		tsUsec: number,
	): void {
		(direction === 0 ? connection.requests : connection.responses).finish(how === "fin", tsSec, tsUsec);
		if (direction === 0) connection.clientFinished();
	}

	close(connection: HttpConnection): void {
		connection.close();
	}
}
