// A point-in-time report of every sensor and the sink: what the live view, JSON lines and metrics all show.

import type { Sink, SinkStats } from "../sink/sink.ts";
import type { Rate, RateTracker } from "./rates.ts";
import type { SensorRegistry, SensorSnapshot } from "./sensor-row.ts";

export interface SensorReport extends SensorSnapshot {
	rate: Rate;
	/** Drops the sensor itself reported (ifdrop + krnldrop), null before its first STATS_REPLY. */
	sensorDrops: number | null;
}

export interface CollectorReport {
	/** ms since the epoch. */
	time: number;
	sensors: SensorReport[];
	sink: SinkStats;
}

export function buildReport(
	registry: SensorRegistry,
	sink: Sink,
	rates: RateTracker,
	time: number,
): CollectorReport {
	const sensors = registry.rows.map((row, index): SensorReport => {
		const snapshot = row.snapshot(row.streamId === null ? null : sink.fileOf(row.streamId));
		const key = `${index}\u0000${row.sensor}\u0000${row.iface}`;
		const stats = snapshot.sensorStats;
		return {
			...snapshot,
			rate: rates.sample(key, time, snapshot.counters.packets, snapshot.counters.bytes),
			sensorDrops: stats === null ? null : stats.ifDrop + stats.krnlDrop,
		};
	});
	return { time, sensors, sink: sink.stats() };
}
