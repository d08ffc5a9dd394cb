// Test support: runs the reassemble command's core on a file and reads back what it wrote.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type ReassembleSummary, runReassemble } from "../../../../src/cli/reassemble-command.ts";

export interface StreamLine {
	stream: number;
	client: { address: string; port: number };
	server: { address: string; port: number };
	reason: string;
	clientToServer: DirectionLine;
	serverToClient: DirectionLine;
}

interface DirectionLine {
	file: string | null;
	bytes: number;
	gapCount: number;
	gapBytes: number;
	gaps: { offset: number; length: number }[];
}

export interface ExchangeLine {
	stream: number;
	index: number;
	client: { address: string; port: number };
	method: string | null;
	url: string | null;
	status: number | null;
	missing: boolean;
	request:
		| ({ contentLength: number | null; bodyBytes: number; missingBytes: number; bodyFile?: string } & Record<
				string,
				unknown
		  >)
		| null;
	response:
		| ({
				contentLength: number | null;
				bodyBytes: number;
				missingBytes: number;
				bodyFile?: string;
				chunked: boolean;
		  } & Record<string, unknown>)
		| null;
	interim: { status: number }[];
}

export interface ReassembleOutput {
	directory: string;
	summary: ReassembleSummary;
	streams: StreamLine[];
	exchanges: ExchangeLine[];
	/** Bytes of one direction of a stream as written ("c2s" or "s2c"). */
	streamBytes(stream: number, suffix: "c2s" | "s2c"): Uint8Array;
	body(name: string): Uint8Array;
}

function readLines<T>(path: string): T[] {
	return readFileSync(path, "utf8")
		.split("\n")
		.filter((l) => l !== "")
		.map((l) => JSON.parse(l) as T);
}

export async function reassembleInto(
	file: string,
	directory: string,
	options = {},
): Promise<ReassembleOutput> {
	const streamsDirectory = join(directory, "streams");
	const bodiesDirectory = join(directory, "bodies");
	const httpPath = join(directory, "http.jsonl");
	const summary = await runReassemble({ file, streamsDirectory, bodiesDirectory, httpPath, ...options });
	const streams = readLines<StreamLine>(join(streamsDirectory, "streams.jsonl")).sort(
		(a, b) => a.stream - b.stream,
	);
	return {
		directory,
		summary,
		streams,
		exchanges: readLines<ExchangeLine>(httpPath),
		streamBytes(stream, suffix) {
			const path = join(streamsDirectory, `stream-${stream}.${suffix}`);
			return existsSync(path) ? new Uint8Array(readFileSync(path)) : new Uint8Array(0);
		},
		body: (name) => new Uint8Array(readFileSync(join(bodiesDirectory, name))),
	};
}
