// The TTY live view: a table of sensors redrawn in place.

import type { CollectorReport, SensorReport } from "./report.ts";

const HEADERS = [
	"SENSOR",
	"IFACE",
	"STATE",
	"DATA",
	"PPS",
	"MBIT/S",
	"PACKETS",
	"SENSOR DROPS",
	"GAPS",
	"FILE",
];

function count(value: number): string {
	return value >= 10_000_000 ? `${(value / 1e6).toFixed(1)}M` : String(value);
}

/** Gaps in transit: packets lost (npkt gaps and cut records), plus lost udpstr datagrams when there are any. */
export function gapText(report: SensorReport): string {
	const c = report.counters;
	const extra = c.lateDatagrams + c.malformed + c.foreignDatagrams;
	let text = count(c.lostRecords);
	if (c.lostDatagrams > 0) text += ` (${count(c.lostDatagrams)} dgrams)`;
	if (extra > 0) text += ` +${count(extra)} bad`;
	return text;
}

function cells(report: SensorReport): string[] {
	return [
		report.sensor,
		report.iface || "-",
		report.state,
		report.transport,
		report.rate.pps.toFixed(0),
		report.rate.mbps.toFixed(2),
		count(report.counters.packets),
		report.sensorDrops === null ? "-" : count(report.sensorDrops),
		gapText(report),
		report.file ?? "-",
	];
}

/** The table as lines (no trailing newline), columns padded to their widest cell, plus sink and error lines. */
export function renderTable(report: CollectorReport): string[] {
	const rows = [HEADERS, ...report.sensors.map(cells)];
	const widths = HEADERS.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
	const lines = rows.map((row) =>
		row
			.map((cell, column) => cell.padEnd(widths[column]!))
			.join("  ")
			.trimEnd(),
	);
	if (report.sensors.length === 0) lines.push("(no sensors yet)");
	const sink = report.sink;
	let summary = `written ${count(sink.packetsWritten)} packets, ${(sink.bytesWritten / 1e6).toFixed(1)} MB in ${sink.filesOpened} file(s)`;
	if (sink.packetsDropped > 0) summary += `, ${count(sink.packetsDropped)} DROPPED at the output`;
	lines.push(summary);
	if (sink.lastError !== null) lines.push(`output error: ${sink.lastError}`);
	for (const sensor of report.sensors) {
		if (sensor.lastError !== null && (sensor.state === "down" || sensor.state === "error")) {
			lines.push(`${sensor.sensor}${sensor.iface ? `/${sensor.iface}` : ""}: ${sensor.lastError}`);
		}
	}
	return lines;
}

/**
 * Redraws the table in place on a terminal (cursor up over the previous drawing, clear, draw); elsewhere prints
 * each table after a blank line.
 */
export class LiveTable {
	#previousLines = 0;

	constructor(
		private readonly write: (text: string) => void,
		private readonly inPlace: boolean,
	) {}

	draw(report: CollectorReport): void {
		const lines = renderTable(report);
		let before = "";
		if (this.#previousLines > 0) before = this.inPlace ? `\x1b[${this.#previousLines}F\x1b[J` : "\n";
		this.write(`${before}${lines.join("\n")}\n`);
		this.#previousLines = lines.length;
	}
}
