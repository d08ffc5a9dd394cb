// The same counters in the Prometheus text exposition format (version 0.0.4).

import type { CollectorReport, SensorReport } from "./report.ts";

interface Metric {
	name: string;
	type: "counter" | "gauge";
	help: string;
	value(report: SensorReport): number | null;
}

const SENSOR_METRICS: Metric[] = [
	{
		name: "up",
		type: "gauge",
		help: "1 while the sensor is capturing",
		value: (r) => (r.state === "capturing" ? 1 : 0),
	},
	{
		name: "packets_total",
		type: "counter",
		help: "Packets received and written",
		value: (r) => r.counters.packets,
	},
	{
		name: "bytes_total",
		type: "counter",
		help: "Captured bytes received (sum of caplen)",
		value: (r) => r.counters.bytes,
	},
	{
		name: "lost_packets_total",
		type: "counter",
		help: "Packets lost in transit (npkt gaps, records cut by lost datagrams)",
		value: (r) => r.counters.lostRecords,
	},
	{
		name: "lost_datagrams_total",
		type: "counter",
		help: "udpstr datagrams lost in transit (seqno gaps)",
		value: (r) => r.counters.lostDatagrams,
	},
	{
		name: "late_datagrams_total",
		type: "counter",
		help: "Datagrams that arrived out of order and were dropped",
		value: (r) => r.counters.lateDatagrams,
	},
	{
		name: "malformed_total",
		type: "counter",
		help: "Malformed data messages or datagrams, dropped",
		value: (r) => r.counters.malformed,
	},
	{
		name: "foreign_datagrams_total",
		type: "counter",
		help: "Datagrams from other addresses, dropped",
		value: (r) => r.counters.foreignDatagrams,
	},
	{
		name: "captures_total",
		type: "counter",
		help: "Captures started with the sensor",
		value: (r) => r.captures,
	},
	{
		name: "sensor_ifrecv",
		type: "gauge",
		help: "Packets the sensor's interface received (STATS ifrecv)",
		value: (r) => r.sensorStats?.ifRecv ?? null,
	},
	{
		name: "sensor_ifdrop",
		type: "gauge",
		help: "Packets the sensor's interface dropped (STATS ifdrop)",
		value: (r) => r.sensorStats?.ifDrop ?? null,
	},
	{
		name: "sensor_krnldrop",
		type: "gauge",
		help: "Packets the sensor's kernel dropped (STATS krnldrop)",
		value: (r) => r.sensorStats?.krnlDrop ?? null,
	},
	{
		name: "sensor_svrcapt",
		type: "gauge",
		help: "Packets the sensor sent in this capture (STATS svrcapt)",
		value: (r) => r.sensorStats?.svrCapt ?? null,
	},
];

const PREFIX = "rpcapd_collect_";

function label(value: string): string {
	return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

export function renderPrometheus(report: CollectorReport): string {
	const out: string[] = [];
	for (const metric of SENSOR_METRICS) {
		const name = `${PREFIX}${metric.name}`;
		out.push(`# HELP ${name} ${metric.help}`, `# TYPE ${name} ${metric.type}`);
		for (const sensor of report.sensors) {
			const value = metric.value(sensor);
			if (value === null) continue;
			const labels = `sensor="${label(sensor.sensor)}",iface="${label(sensor.iface)}",transport="${sensor.transport}"`;
			out.push(`${name}{${labels}} ${value}`);
		}
	}
	const sink = report.sink;
	const output: [string, string, number][] = [
		["output_packets_written_total", "Packets written to capture files", sink.packetsWritten],
		["output_bytes_written_total", "Bytes of capture files written", sink.bytesWritten],
		["output_packets_dropped_total", "Packets the output could not write", sink.packetsDropped],
		["output_files_opened_total", "Capture files opened", sink.filesOpened],
	];
	for (const [suffix, help, value] of output) {
		const name = `${PREFIX}${suffix}`;
		out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${value}`);
	}
	return `${out.join("\n")}\n`;
}
