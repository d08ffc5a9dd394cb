// One row of the live view: a sensor's interface, its state and counters, cumulative across reconnections.

import type { StatsReply } from "../../protocol/index.ts";
import {
	addCounters,
	type PacketReceiver,
	type ReceiverCounters,
	zeroCounters,
} from "../data/packet-receiver.ts";
import type { DataTransport, SessionMode } from "../session/session-types.ts";

export type SensorState =
	| "connecting"
	| "authenticating"
	| "opening"
	| "starting"
	| "capturing"
	| "stopping"
	| "down"
	| "error";

export interface SensorSnapshot {
	sensor: string;
	/** "" until the session has chosen one. */
	iface: string;
	mode: SessionMode;
	state: SensorState;
	transport: DataTransport;
	/** Capture file of the stream, "-" for standard output, null before the first stream. */
	file: string | null;
	/** Sessions that reached the capturing state. */
	captures: number;
	lastError: string | null;
	/** The sensor's own counters from its last STATS_REPLY (rpcap-protocol.md §10), or null. */
	sensorStats: StatsReply | null;
	counters: ReceiverCounters;
}

export class SensorRow {
	state: SensorState = "connecting";
	lastError: string | null = null;
	transport: DataTransport;
	sensorStats: StatsReply | null = null;
	captures = 0;
	/** The sink stream of this row, once announced. */
	streamId: number | null = null;
	#finished: ReceiverCounters = zeroCounters();
	#receiver: PacketReceiver | null = null;

	constructor(
		readonly sensor: string,
		public iface: string,
		readonly mode: SessionMode,
		transport: DataTransport,
	) {
		this.transport = transport;
	}

	/** True while a session is bound to the row (it is not down). */
	get connected(): boolean {
		return this.state !== "down" && this.state !== "error";
	}

	/** A new capture's receiver; null folds the last one's final counters into the totals. */
	setReceiver(receiver: PacketReceiver | null): void {
		if (this.#receiver !== null) this.#finished = addCounters(this.#finished, this.#receiver.counters());
		this.#receiver = receiver;
		if (receiver !== null) this.captures++;
	}

	counters(): ReceiverCounters {
		return this.#receiver === null
			? { ...this.#finished }
			: addCounters(this.#finished, this.#receiver.counters());
	}

	/** Takes over another row's totals (a reconnecting sensor first seen under a provisional row). */
	absorb(other: SensorRow): void {
		this.#finished = addCounters(this.#finished, other.counters());
		this.captures += other.captures;
	}

	snapshot(file: string | null): SensorSnapshot {
		return {
			sensor: this.sensor,
			iface: this.iface,
			mode: this.mode,
			state: this.state,
			transport: this.transport,
			file,
			captures: this.captures,
			lastError: this.lastError,
			sensorStats: this.sensorStats,
			counters: this.counters(),
		};
	}
}

/** Every row, in the order sensors were first seen. */
export class SensorRegistry {
	readonly #rows: SensorRow[] = [];

	get rows(): readonly SensorRow[] {
		return this.#rows;
	}

	add(row: SensorRow): SensorRow {
		this.#rows.push(row);
		return row;
	}

	/** A disconnected row of the same sensor, interface and mode: where a returning sensor continues. */
	findDown(sensor: string, iface: string, mode: SessionMode): SensorRow | undefined {
		return this.#rows.find(
			(row) => row.sensor === sensor && row.iface === iface && row.mode === mode && !row.connected,
		);
	}

	remove(row: SensorRow): void {
		const index = this.#rows.indexOf(row);
		if (index >= 0) this.#rows.splice(index, 1);
	}
}
