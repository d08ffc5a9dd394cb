// `rpcapd reassemble FILE`: TCP streams and HTTP/1.x exchanges from a pcap or pcapng file, with a progress bar.

import { statSync } from "node:fs";
import { defineCommand } from "citty";
import { CaptureFormatError, CaptureReader } from "../formats/index.ts";
import {
	DEFAULT_REASSEMBLER_OPTIONS,
	type HttpStats,
	parseByteSize as parseByteSizeText,
	ReassemblyPipeline,
	type ReassemblyPipelineOptions,
	type ReassemblyStats,
} from "../reassembly/index.ts";

/** A failure of the reassemble command, reported as one line. */
export class ReassembleCommandError extends Error {
	override readonly name = "ReassembleCommandError";
}

export interface ReassembleRequest extends ReassemblyPipelineOptions {
	file: string;
	/** Called with bytes read and the file's size while reading. */
	onProgress?: (bytesRead: number, totalBytes: number, stats: ReassemblyStats) => void;
}

export interface ReassembleSummary {
	tcp: ReassemblyStats;
	http: HttpStats | undefined;
	/** Set when the file ends inside a record: everything before it was used. */
	truncated: string | undefined;
}

/** Reads the whole file through the pipeline (the testable core of the command). */
export async function runReassemble(request: ReassembleRequest): Promise<ReassembleSummary> {
	let totalBytes: number;
	try {
		totalBytes = statSync(request.file).size;
	} catch (error) {
		throw new ReassembleCommandError(
			`Cannot read capture file "${request.file}": ${(error as Error).message}`,
		);
	}
	const pipeline = new ReassemblyPipeline(request);
	const reader = new CaptureReader();
	let truncated: string | undefined;
	try {
		for await (const chunk of Bun.file(request.file).stream()) {
			reader.push(chunk);
			drain(reader, pipeline);
			request.onProgress?.(reader.offset, totalBytes, pipeline.tcpStats);
		}
		reader.end();
		try {
			drain(reader, pipeline);
		} catch (error) {
			if (!(error instanceof CaptureFormatError && error.code === "truncated")) throw error;
			truncated = error.message;
		}
	} catch (error) {
		if (error instanceof CaptureFormatError) {
			throw new ReassembleCommandError(`Cannot read capture file "${request.file}": ${error.message}`);
		}
		throw error;
	} finally {
		pipeline.close();
	}
	return { tcp: pipeline.tcpStats, http: pipeline.httpStats, truncated };
}

function drain(reader: CaptureReader, pipeline: ReassemblyPipeline): void {
	for (let record = reader.next(); record !== undefined; record = reader.next()) {
		pipeline.push(record.linktype, record.tsSec, record.tsUsec, record.data);
	}
}

/** "1048576", "64k", "16M", "1G" (powers of 1024) to a byte count. */
export function parseByteSize(name: string, text: string): number {
	const bytes = parseByteSizeText(text);
	if (bytes === null) throw new ReassembleCommandError(`Invalid ${name} "${text}": expected bytes, e.g. 64M`);
	return bytes;
}

function parseCount(name: string, text: string, allowFraction = false): number {
	const value = Number(text);
	if (
		text.trim() === "" ||
		!Number.isFinite(value) ||
		value < 0 ||
		(!allowFraction && !Number.isInteger(value))
	) {
		throw new ReassembleCommandError(
			`Invalid ${name} "${text}": expected a ${allowFraction ? "" : "whole "}number`,
		);
	}
	return value;
}

const BAR_WIDTH = 30;

/** One-line progress on a terminal, redrawn at most every 100 ms. */
export function progressLine(bytesRead: number, totalBytes: number, stats: ReassemblyStats): string {
	const fraction = totalBytes > 0 ? Math.min(1, bytesRead / totalBytes) : 1;
	const filled = Math.round(fraction * BAR_WIDTH);
	const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
	return (
		`[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ` +
		`${mib(bytesRead)}/${mib(totalBytes)} MiB  ${stats.packets} packets  ${stats.flowsCreated} flows`
	);
}

export function summaryText(summary: ReassembleSummary): string {
	const t = summary.tcp;
	const lines = [
		`${t.packets} packets, ${t.tcpSegments} TCP segments, ${t.flowsCreated} flows ` +
			`(${t.flowsClosed} closed, ${t.flowsExpired} idle, ${t.flowsEvicted} evicted, ${t.flowsFlushed} open at end)`,
		`${t.bytesDelivered} bytes reassembled, ${t.gaps} gaps (${t.gapBytes} bytes missing), ` +
			`${t.bufferLimitGaps} forced by buffer limits, ${t.conflictingOverlaps} conflicting overlaps`,
	];
	if (summary.http !== undefined) {
		const h = summary.http;
		lines.push(
			`${h.exchanges} HTTP exchanges (${h.requestsWithoutResponse} without response, ` +
				`${h.responsesWithoutRequest} without request)`,
		);
	}
	if (summary.truncated !== undefined) lines.push(`Warning: ${summary.truncated}`);
	return lines.join("\n");
}

export const reassembleCommand = defineCommand({
	meta: {
		name: "reassemble",
		description: "Reassemble TCP streams and HTTP/1.x exchanges from a pcap or pcapng file",
	},
	args: {
		file: { type: "positional", description: "Capture file (pcap or pcapng)", required: true },
		streams: {
			type: "string",
			description: "Directory for stream files (stream-N.c2s/.s2c) and streams.jsonl",
		},
		http: { type: "string", description: "File for one JSON line per HTTP exchange (- for standard output)" },
		bodies: { type: "string", description: "Directory for HTTP bodies (<stream>-<index>.request/.response)" },
		"max-flows": {
			type: "string",
			description: `Flows tracked at once (default ${DEFAULT_REASSEMBLER_OPTIONS.maxFlows})`,
		},
		"max-buffer": {
			type: "string",
			description: "Out-of-order bytes held over all flows, e.g. 256M (default 256M)",
		},
		"max-flow-buffer": { type: "string", description: "Out-of-order bytes held per flow (default 8M)" },
		"idle-timeout": {
			type: "string",
			description: "Seconds without packets before a flow ends (default 300)",
		},
		quiet: { type: "boolean", description: "No progress bar and no summary" },
	},
	async run({ args }) {
		const options: ReassembleRequest = { file: args.file };
		if (args.streams !== undefined) options.streamsDirectory = args.streams;
		if (args.http !== undefined) options.httpPath = args.http;
		if (args.bodies !== undefined) options.bodiesDirectory = args.bodies;
		if (args["max-flows"] !== undefined) options.maxFlows = parseCount("--max-flows", args["max-flows"]);
		if (args["max-buffer"] !== undefined)
			options.maxBufferBytes = parseByteSize("--max-buffer", args["max-buffer"]);
		if (args["max-flow-buffer"] !== undefined) {
			options.maxFlowBufferBytes = parseByteSize("--max-flow-buffer", args["max-flow-buffer"]);
		}
		if (args["idle-timeout"] !== undefined) {
			options.idleTimeout = parseCount("--idle-timeout", args["idle-timeout"], true);
		}
		const showProgress = !args.quiet && process.stderr.isTTY === true;
		if (showProgress) {
			let lastDraw = 0;
			options.onProgress = (bytesRead, totalBytes, stats) => {
				const now = performance.now();
				if (now - lastDraw < 100 && bytesRead < totalBytes) return;
				lastDraw = now;
				process.stderr.write(`\r${progressLine(bytesRead, totalBytes, stats)}\x1b[K`);
			};
		}
		const summary = await runReassemble(options);
		if (showProgress) process.stderr.write("\r\x1b[K");
		if (!args.quiet) process.stderr.write(`${summaryText(summary)}\n`);
	},
});
