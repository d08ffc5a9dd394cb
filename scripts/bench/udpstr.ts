// The udpstr case (ours only; libpcap's client cannot read udpstr): our collector receives, the daemon's own counters give the wire bytes, compared with the format's floor.

import type { NetNamespace } from "../../test/integration/harness/namespace.ts";
import { type BenchDaemon, ourCommand } from "./daemons.ts";
import { CpuMeter } from "./measure.ts";
import { sendFrames } from "./traffic.ts";

export interface UdpstrResult {
	frameSize: number;
	pps: number;
	injected: number;
	delivered: number;
	lostInTransit: number;
	cpuPerMillion: number;
	/** IP+UDP+udpstr bytes on the wire per frame, and the same for the best segmentation the format allows. */
	wireBytesPerFrame: number;
	floorBytesPerFrame: number;
	floorRatio: number;
}

const DATAGRAM = 1472;
const MAX_RECORDS = 15;

/** 20 B per record + caplen, 8 B udpstr header + 28 B IPv4/UDP per datagram, with as few datagrams as the format allows. */
export function udpstrFloorBytes(records: number, caplen: number): number {
	const recordBytes = records * (20 + caplen);
	const datagrams = Math.max(Math.ceil(records / MAX_RECORDS), Math.ceil(recordBytes / (DATAGRAM - 8)));
	return recordBytes + datagrams * (8 + 28);
}

function field(log: string, name: string): number {
	const all = [...log.matchAll(new RegExp(`capture ended \\([^)]*\\b${name}=(\\d+)`, "g"))];
	return Number(all.at(-1)?.[1] ?? Number.NaN);
}

export async function runUdpstr(
	ns: NetNamespace,
	daemon: BenchDaemon,
	port: number,
	trafgenConfig: string,
	frameSize: number,
	pps: number,
	packets: number,
): Promise<UdpstrResult> {
	const collector = ns.spawn([
		...ourCommand(),
		"collect",
		"--connect",
		`rpcap://127.0.0.1:${port}/v1`,
		"--transport",
		"udpstr",
		"-w",
		"/dev/null",
		"--view",
		"json",
		"--stats-interval",
		"0.2",
		"udp and dst port 9",
	]);
	let latest: { state?: string; packets?: number; lost_packets?: number } = {};
	void (async () => {
		let buffered = "";
		for await (const chunk of collector.stdout) {
			buffered += new TextDecoder().decode(chunk);
			const lines = buffered.split("\n");
			buffered = lines.pop() ?? "";
			for (const line of lines) if (line.startsWith('{"type":"sensor"')) latest = JSON.parse(line);
		}
	})();
	const until = async (predicate: () => boolean, ms: number) => {
		const deadline = Date.now() + ms;
		while (!predicate() && Date.now() < deadline) await Bun.sleep(20);
	};
	await until(() => latest.state === "capturing", 15_000);
	const cpu = new CpuMeter(daemon.pid);
	const injected = await sendFrames(ns, trafgenConfig, packets, pps);
	await until(() => (latest.packets ?? 0) + (latest.lost_packets ?? 0) >= injected, 10_000);
	const cpuSeconds = cpu.stop();
	collector.kill("SIGTERM");
	await collector.exited;
	await until(
		() => daemon.log().includes("capture ended") && !Number.isNaN(field(daemon.log(), "datagrams")),
		5000,
	);
	const emitted = field(daemon.log(), "packets");
	const wire = field(daemon.log(), "dataBytes") + 28 * field(daemon.log(), "datagrams");
	const caplen = frameSize;
	return {
		frameSize,
		pps,
		injected,
		delivered: latest.packets ?? 0,
		lostInTransit: latest.lost_packets ?? 0,
		cpuPerMillion: (cpuSeconds * 1e6) / Math.max(1, latest.packets ?? 0),
		wireBytesPerFrame: wire / emitted,
		floorBytesPerFrame: udpstrFloorBytes(emitted, caplen) / emitted,
		floorRatio: wire / udpstrFloorBytes(emitted, caplen),
	};
}
