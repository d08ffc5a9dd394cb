// Builds the sink the command line asks for: format, stdout, --split and tcpdump-style rotation.

import { accessSync, constants } from "node:fs";
import { dirname } from "node:path";
import { CollectorOptionError } from "../errors.ts";
import { type ByteOutput, openFileOutput, standardOutput } from "./byte-output.ts";
import type { FormatSink, FormatSinkOptions } from "./format-sink.ts";
import { PcapSink } from "./pcap-sink.ts";
import { PcapngSink } from "./pcapng-sink.ts";
import { RotatingSink, type RotationOptions } from "./rotating-sink.ts";
import { splitFileName } from "./rotation-names.ts";
import type { Sink, StreamInfo } from "./sink.ts";
import { SplitSink } from "./split-sink.ts";

export type CaptureFormatName = "pcap" | "pcapng";

export interface SinkOptions extends FormatSinkOptions {
	/** File name (a template with --split, -G), or "-" for standard output. */
	path: string;
	format: CaptureFormatName;
	split: boolean;
	rotation: RotationOptions;
	/** Bound on bytes queued for the operating system per file. */
	maxQueuedBytes?: number;
}

function isRotating(rotation: RotationOptions): boolean {
	return rotation.maxFileBytes !== undefined || rotation.intervalSeconds !== undefined;
}

/** Checks combinations before anything is opened; throws CollectorOptionError. */
export function validateSinkOptions(options: SinkOptions): void {
	const { rotation } = options;
	if (options.path === "") throw new CollectorOptionError("The output file name is empty");
	if (options.path === "-" && (options.split || isRotating(rotation))) {
		throw new CollectorOptionError("Standard output (-w -) cannot be split or rotated");
	}
	checkDirectory(options.path);
	if (rotation.maxFiles !== undefined && !isRotating(rotation)) {
		throw new CollectorOptionError("-W needs -C or -G");
	}
	const positive = (value: number | undefined, what: string) => {
		if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
			throw new CollectorOptionError(`${what} must be a positive number, got ${value}`);
		}
	};
	positive(rotation.maxFileBytes, "-C");
	positive(rotation.intervalSeconds, "-G");
	if (rotation.maxFiles !== undefined && !(Number.isInteger(rotation.maxFiles) && rotation.maxFiles > 0)) {
		throw new CollectorOptionError(`-W must be a positive integer, got ${rotation.maxFiles}`);
	}
}

/** Files are created when their first sensor arrives: say now, not then, that their directory is unusable. */
function checkDirectory(path: string): void {
	if (path === "-") return;
	const directory = dirname(path);
	if (/[{%]/.test(directory)) return;
	try {
		accessSync(directory, constants.W_OK);
	} catch (error) {
		throw new CollectorOptionError(
			`Cannot write capture files in "${directory}": ${(error as Error).message}`,
		);
	}
}

function formatSink(options: SinkOptions, openOutput: () => ByteOutput): FormatSink {
	const formatOptions: FormatSinkOptions = {
		...(options.handoffBytes === undefined ? {} : { handoffBytes: options.handoffBytes }),
		...(options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize }),
	};
	return options.format === "pcap"
		? new PcapSink(openOutput, formatOptions)
		: new PcapngSink(openOutput, formatOptions);
}

/** The sink for `options`; files are created when their first stream arrives. */
export function createSink(options: SinkOptions): Sink {
	validateSinkOptions(options);
	const fileSink = (path: string) => formatSink(options, () => openFileOutput(path, options.maxQueuedBytes));
	if (options.path === "-") return formatSink(options, () => standardOutput(options.maxQueuedBytes));
	const perTemplate = (template: string): Sink =>
		isRotating(options.rotation)
			? new RotatingSink(template, fileSink, options.rotation)
			: fileSink(template);
	if (!options.split) return perTemplate(options.path);
	const used = new Set<string>();
	return new SplitSink((info: StreamInfo) => {
		const base = splitFileName(options.path, info);
		let name = base;
		for (let n = 2; used.has(name); n++) name = `${base}-${n}`;
		used.add(name);
		return perTemplate(name);
	});
}
