// Rows, rates, session binding and the three renderings of the same counters (table, JSON lines, Prometheus).

import { describe, expect, test } from "bun:test";
import {
	buildReport,
	type CollectorReport,
	type PacketReceiver,
	RateTracker,
	type ReceiverCounters,
	renderJsonLines,
	renderPrometheus,
	renderTable,
	SensorRegistry,
	SensorRow,
	SessionBinding,
	SessionError,
	type Sink,
	type SinkStats,
	type StreamInfo,
	serveMetrics,
	zeroCounters,
} from "../../../src/collector/index.ts";

function fixedReceiver(counters: Partial<ReceiverCounters>): PacketReceiver {
	return { counters: () => ({ ...zeroCounters(), ...counters }), finish() {} };
}

class RecordingSink implements Sink {
	readonly streams: StreamInfo[] = [];
	readonly writes: [number, number, number, number, number][] = [];
	addStream(info: StreamInfo): number {
		this.streams.push(info);
		return this.streams.length - 1;
	}
	write(id: number, tsSec: number, tsUsec: number, len: number, data: Uint8Array): void {
		this.writes.push([id, tsSec, tsUsec, len, data.length]);
	}
	async flush(): Promise<void> {}
	async close(): Promise<void> {}
	stats(): SinkStats {
		return {
			packetsWritten: this.writes.length,
			bytesWritten: 1234,
			packetsDropped: 3,
			filesOpened: 1,
			lastError: null,
		};
	}
	fileOf(id: number): string | null {
		return `/tmp/out-${id}.pcapng`;
	}
}

describe("SensorRow and RateTracker", () => {
	test("counters add up across captures; the live receiver is included until it is replaced", () => {
		const row = new SensorRow("s", "eth0", "passive", "tcp");
		row.setReceiver(fixedReceiver({ packets: 10, bytes: 1000, lostRecords: 1 }));
		expect(row.counters()).toMatchObject({ packets: 10, bytes: 1000, lostRecords: 1 });
		row.setReceiver(null);
		row.setReceiver(fixedReceiver({ packets: 5, bytes: 50, lostDatagrams: 2 }));
		expect(row.counters()).toMatchObject({ packets: 15, bytes: 1050, lostRecords: 1, lostDatagrams: 2 });
		expect(row.captures).toBe(2);
	});

	test("rates are per key over the time since its previous sample", () => {
		const rates = new RateTracker();
		expect(rates.sample("a", 1000, 0, 0)).toEqual({ pps: 0, mbps: 0 });
		expect(rates.sample("a", 3000, 2000, 2_500_000)).toEqual({ pps: 1000, mbps: 10 });
		expect(rates.sample("b", 3000, 5, 5)).toEqual({ pps: 0, mbps: 0 });
	});
});

describe("SessionBinding", () => {
	test("the stream goes to the sink with sensor and interface; records are written with their timestamps", () => {
		const registry = new SensorRegistry();
		const sink = new RecordingSink();
		const binding = new SessionBinding(registry, sink, "10.0.0.5", "active", "udpstr", null);
		binding.interfaceChosen({ name: "eth0", description: "NIC", reason: "preselected" });
		const write = binding.openStream({
			iface: "eth0",
			description: "NIC",
			dlt: 1,
			linktype: 1,
			snaplen: 9000,
			filter: "tcp",
		});
		write(7, 8, 3, 60, 1, new Uint8Array(3));
		expect(sink.streams).toEqual([
			{ sensor: "10.0.0.5", iface: "eth0", description: "NIC", linktype: 1, snaplen: 9000, filter: "tcp" },
		]);
		expect(sink.writes).toEqual([[0, 7, 8, 60, 3]]);
		expect(registry.rows.map((r) => [r.sensor, r.iface, r.streamId])).toEqual([["10.0.0.5", "eth0", 0]]);
	});

	test("an active sensor that comes back continues its row; the row stays as down after a failure", () => {
		const registry = new SensorRegistry();
		const sink = new RecordingSink();
		const first = new SessionBinding(registry, sink, "10.0.0.5", "active", "tcp", null);
		first.interfaceChosen({ name: "eth0", description: "", reason: "preselected" });
		first.state("capturing");
		first.receiver(fixedReceiver({ packets: 42 }), "tcp");
		first.receiver(null, "tcp");
		first.ended({
			reason: "failed",
			error: new SessionError("capture", "The sensor closed the control connection"),
		});
		expect(registry.rows[0]!.state).toBe("down");
		expect(registry.rows[0]!.lastError).toBe("The sensor closed the control connection");
		const again = new SessionBinding(registry, sink, "10.0.0.5", "active", "tcp", null);
		expect(registry.rows.length).toBe(2);
		again.interfaceChosen({ name: "eth0", description: "", reason: "preselected" });
		expect(registry.rows.length).toBe(1);
		expect(again.row).toBe(registry.rows[0]!);
		expect(again.row.counters().packets).toBe(42);
		expect(again.row.lastError).toBeNull();
		const failing = new SessionBinding(registry, sink, "10.0.0.6", "active", "tcp", null);
		failing.ended({ reason: "failed", error: new SessionError("auth", "Authentication failed", 18) });
		expect(failing.row.state).toBe("error");
	});
});

function sampleReport(): CollectorReport {
	const registry = new SensorRegistry();
	const row = registry.add(new SensorRow('sen"sor', "eth0", "passive", "udpstr"));
	row.state = "capturing";
	row.streamId = 0;
	row.sensorStats = { ifRecv: 100, ifDrop: 2, krnlDrop: 3, svrCapt: 95 };
	row.setReceiver(
		fixedReceiver({ packets: 90, bytes: 9000, lostRecords: 5, lostDatagrams: 2, malformed: 1 }),
	);
	const down = registry.add(new SensorRow("10.0.0.9", "", "active", "tcp"));
	down.state = "error";
	down.lastError = "Authentication failed";
	const rates = new RateTracker();
	buildReport(registry, new RecordingSink(), rates, 1000);
	row.setReceiver(null);
	row.setReceiver(fixedReceiver({ packets: 100 }));
	return buildReport(registry, new RecordingSink(), rates, 2000);
}

describe("renderings", () => {
	test("table: one row per sensor with state, rate, sensor drops, gaps and file; then output and errors", () => {
		const lines = renderTable(sampleReport());
		expect(lines[0]).toMatch(
			/^SENSOR\s+IFACE\s+STATE\s+DATA\s+PPS\s+MBIT\/S\s+PACKETS\s+SENSOR DROPS\s+GAPS\s+FILE$/,
		);
		expect(lines[1]).toMatch(
			/^sen"sor\s+eth0\s+capturing\s+udpstr\s+100\s+0\.00\s+190\s+5\s+5 \(2 dgrams\) \+1 bad\s+\/tmp\/out-0\.pcapng$/,
		);
		expect(lines[2]).toMatch(/^10\.0\.0\.9\s+-\s+error\s+tcp\s+0\s+0\.00\s+0\s+-\s+0\s+-$/);
		expect(lines[3]).toBe("written 0 packets, 0.0 MB in 1 file(s), 3 DROPPED at the output");
		expect(lines[4]).toBe("10.0.0.9: Authentication failed");
	});

	test("JSON lines: one object per sensor and one for the output", () => {
		const [first, second, output] = renderJsonLines(sampleReport()).map((line) => JSON.parse(line));
		expect(first).toMatchObject({
			type: "sensor",
			sensor: 'sen"sor',
			iface: "eth0",
			state: "capturing",
			transport: "udpstr",
			packets: 190,
			pps: 100,
			lost_packets: 5,
			lost_datagrams: 2,
			malformed: 1,
			sensor_ifdrop: 2,
			sensor_krnldrop: 3,
			file: "/tmp/out-0.pcapng",
		});
		expect(second).toMatchObject({
			sensor: "10.0.0.9",
			state: "error",
			error: "Authentication failed",
			sensor_ifrecv: null,
		});
		expect(output).toMatchObject({ type: "output", packets_dropped: 3, bytes_written: 1234 });
	});

	test("Prometheus text: HELP/TYPE per metric, escaped labels, sensor gauges only once known", () => {
		const text = renderPrometheus(sampleReport());
		expect(text).toContain("# TYPE rpcapd_collect_packets_total counter");
		expect(text).toContain(
			'rpcapd_collect_packets_total{sensor="sen\\"sor",iface="eth0",transport="udpstr"} 190',
		);
		expect(text).toContain(
			'rpcapd_collect_lost_datagrams_total{sensor="sen\\"sor",iface="eth0",transport="udpstr"} 2',
		);
		expect(text).toContain('rpcapd_collect_up{sensor="10.0.0.9",iface="",transport="tcp"} 0');
		expect(text).toContain(
			'rpcapd_collect_sensor_krnldrop{sensor="sen\\"sor",iface="eth0",transport="udpstr"} 3',
		);
		expect(text).not.toContain('rpcapd_collect_sensor_krnldrop{sensor="10.0.0.9"');
		expect(text).toContain("rpcapd_collect_output_packets_dropped_total 3");
		for (const line of text.trim().split("\n")) {
			expect(line).toMatch(/^(# (HELP|TYPE) rpcapd_collect_\w+ .+|rpcapd_collect_\w+(\{[^}]*\})? \d+)$/);
		}
	});

	test("the metrics server answers GET /metrics with the text format", async () => {
		const server = serveMetrics("127.0.0.1", 0, () => "rpcapd_collect_up 1\n");
		try {
			const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
			expect(response.headers.get("content-type")).toContain("text/plain; version=0.0.4");
			expect(await response.text()).toBe("rpcapd_collect_up 1\n");
			expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
		} finally {
			server.stop();
		}
	});
});
