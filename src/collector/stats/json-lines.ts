// Off a TTY: one JSON line per sensor (and one for the output) per stats interval.

import type { CollectorReport, SensorReport } from "./report.ts";

function round(value: number, digits: number): number {
	const scale = 10 ** digits;
	return Math.round(value * scale) / scale;
}

export function sensorJson(report: SensorReport, time: string): Record<string, unknown> {
	const c = report.counters;
	const s = report.sensorStats;
	return {
		type: "sensor",
		time,
		sensor: report.sensor,
		iface: report.iface,
		mode: report.mode,
		state: report.state,
		transport: report.transport,
		file: report.file,
		packets: c.packets,
		bytes: c.bytes,
		pps: round(report.rate.pps, 1),
		mbps: round(report.rate.mbps, 3),
		lost_packets: c.lostRecords,
		lost_datagrams: c.lostDatagrams,
		late_datagrams: c.lateDatagrams,
		malformed: c.malformed,
		foreign_datagrams: c.foreignDatagrams,
		sensor_ifrecv: s?.ifRecv ?? null,
		sensor_ifdrop: s?.ifDrop ?? null,
		sensor_krnldrop: s?.krnlDrop ?? null,
		sensor_svrcapt: s?.svrCapt ?? null,
		captures: report.captures,
		error: report.lastError,
	};
}

/** The lines of one report, each a complete JSON object. */
export function renderJsonLines(report: CollectorReport): string[] {
	const time = new Date(report.time).toISOString();
	const lines = report.sensors.map((sensor) => JSON.stringify(sensorJson(sensor, time)));
	const sink = report.sink;
	lines.push(
		JSON.stringify({
			type: "output",
			time,
			packets_written: sink.packetsWritten,
			bytes_written: sink.bytesWritten,
			packets_dropped: sink.packetsDropped,
			files_opened: sink.filesOpened,
			error: sink.lastError,
		}),
	);
	return lines;
}
