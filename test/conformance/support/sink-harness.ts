// The Sink implementations the conformance suite runs against, each with a way to read back what it wrote.

import {
	closeSync,
	constants,
	mkdtempSync,
	openSync,
	readdirSync,
	readFileSync,
	readSync,
	rmSync,
	statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "bun";
import { FdByteOutput } from "../../../src/collector/sink/byte-output.ts";
import { PcapSink } from "../../../src/collector/sink/pcap-sink.ts";
import { pcapngInterfaceName } from "../../../src/collector/sink/pcapng-sink.ts";
import type { Sink, StreamInfo } from "../../../src/collector/sink/sink.ts";
import { createSink } from "../../../src/collector/sink/sink-factory.ts";
import { readCapture } from "../../../src/formats/index.ts";

/** One packet as found in the output; `stream` is "sensor/iface" when the output says which stream it came from. */
export interface WrittenPacket {
	stream: string | null;
	tsSec: number;
	tsUsec: number;
	len: number;
	data: Uint8Array;
}

export interface SinkRun {
	sink: Sink;
	/** Every packet in the output, files read in the order they were created. Call after flush() or close(). */
	readBack(): Promise<WrittenPacket[]>;
	/** Bytes of every output file together (what stats().bytesWritten must equal once flushed). */
	outputBytes(): number;
	cleanup(): Promise<void>;
}

export interface SinkImplementation {
	name: string;
	/** True when the output tells the streams apart (pcapng interfaces, one file per stream). */
	attributes: boolean;
	open(): SinkRun;
}

function tempDir(): string {
	return mkdtempSync(join(tmpdir(), "rpcapd-sink-"));
}

/** Files of `dir` in creation order: rotation appends 1, 2, … 10, so shorter names come first. */
function filesIn(dir: string): string[] {
	return readdirSync(dir)
		.filter((name) => name !== "fifo")
		.map((name) => join(dir, name))
		.sort((a, b) => a.length - b.length || a.localeCompare(b));
}

function packetsOf(bytes: Uint8Array, fileStream: string | null): WrittenPacket[] {
	if (bytes.length === 0) return [];
	const file = readCapture(bytes);
	if (file.truncated) throw file.truncated;
	return file.records.map((record) => {
		const iface = file.interfaces[record.interfaceId];
		const stream = file.format === "pcapng" ? (iface?.name ?? null) : fileStream;
		return { stream, tsSec: record.tsSec, tsUsec: record.tsUsec, len: record.len, data: record.data };
	});
}

function fileBackedRun(dir: string, sink: Sink, streamOfFile: (path: string) => string | null): SinkRun {
	return {
		sink,
		async readBack() {
			return filesIn(dir).flatMap((path) => packetsOf(readFileSync(path), streamOfFile(path)));
		},
		outputBytes: () => filesIn(dir).reduce((sum, path) => sum + statSync(path).size, 0),
		async cleanup() {
			await sink.close();
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

/** A real pipe (a FIFO) drained by the test, standing in for `-w - | tshark -r -`. */
function streamRun(): SinkRun {
	const dir = tempDir();
	const fifo = join(dir, "fifo");
	spawnSync(["mkfifo", fifo]);
	const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
	const writeFd = openSync(fifo, constants.O_WRONLY);
	const received: Uint8Array[] = [];
	let receivedBytes = 0;
	let stop = false;
	const buffer = new Uint8Array(1 << 16);
	const pump = (async () => {
		while (!stop) {
			let n = 0;
			try {
				n = readSync(readFd, buffer);
			} catch {
				n = 0;
			}
			if (n > 0) {
				received.push(buffer.slice(0, n));
				receivedBytes += n;
			} else await Bun.sleep(1);
		}
	})();
	const sink = new PcapSink(() => new FdByteOutput("-", writeFd, { ownsFd: false }), { handoffBytes: 8192 });
	const collect = async () => {
		await sink.flush();
		const target = sink.stats().bytesWritten;
		for (let i = 0; i < 2000 && receivedBytes < target; i++) await Bun.sleep(2);
		return Buffer.concat(received);
	};
	return {
		sink,
		async readBack() {
			return packetsOf(await collect(), null);
		},
		outputBytes: () => receivedBytes,
		async cleanup() {
			await sink.close();
			stop = true;
			await pump;
			closeSync(writeFd);
			closeSync(readFd);
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

export const sinkImplementations: SinkImplementation[] = [
	{
		name: "pcap file",
		attributes: false,
		open() {
			const dir = tempDir();
			const sink = createSink({ path: join(dir, "out.pcap"), format: "pcap", split: false, rotation: {} });
			return fileBackedRun(dir, sink, () => null);
		},
	},
	{
		name: "pcapng file",
		attributes: true,
		open() {
			const dir = tempDir();
			const sink = createSink({
				path: join(dir, "out.pcapng"),
				format: "pcapng",
				split: false,
				rotation: {},
				handoffBytes: 4096,
			});
			return fileBackedRun(dir, sink, () => null);
		},
	},
	{ name: "pcap stream (pipe)", attributes: false, open: streamRun },
	{
		name: "split pcap files",
		attributes: true,
		open() {
			const dir = tempDir();
			const sink = createSink({
				path: join(dir, "cap-{sensor}-{iface}.pcap"),
				format: "pcap",
				split: true,
				rotation: {},
			});
			const streamOf = (path: string) => {
				const match = /cap-(.+)-([^-]+)\.pcap$/.exec(path);
				return match ? `${match[1]}/${match[2]}` : null;
			};
			return fileBackedRun(dir, sink, streamOf);
		},
	},
	{
		name: "rotating pcapng files (-C)",
		attributes: true,
		open() {
			const dir = tempDir();
			const sink = createSink({
				path: join(dir, "ring.pcapng"),
				format: "pcapng",
				split: false,
				rotation: { maxFileBytes: 40_000 },
				handoffBytes: 16_384,
			});
			return fileBackedRun(dir, sink, () => null);
		},
	},
];

/** Test streams; sensor names are file-name safe so the split harness can map files back. */
export const streamA: StreamInfo = { sensor: "10.0.0.1", iface: "eth0", linktype: 1, snaplen: 262144 };
export const streamB: StreamInfo = {
	sensor: "10.0.0.2",
	iface: "eth1",
	description: "second",
	linktype: 1,
	snaplen: 65535,
	filter: "udp",
};

export function streamName(info: StreamInfo): string {
	return pcapngInterfaceName(info);
}
