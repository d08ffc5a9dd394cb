// Test support: what tshark says about a capture — each TCP stream's bytes (follow,tcp,raw) and its HTTP messages.

import { spawnSync } from "bun";

function tshark(args: string[]): string {
	const result = spawnSync(["tshark", ...args], { stdout: "pipe", stderr: "pipe" });
	if (result.exitCode !== 0) throw new Error(`tshark ${args.join(" ")} failed: ${result.stderr.toString()}`);
	return result.stdout.toString();
}

export interface FollowedStream {
	stream: number;
	/** "127.0.0.1:40000" or "[::1]:40000", as tshark prints them. */
	node0: string;
	node1: string;
	/** Bytes sent by node 0 and by node 1. */
	fromNode0: Uint8Array;
	fromNode1: Uint8Array;
}

/** `tshark -q -z follow,tcp,raw,N` for every stream N < count, in one run. */
export function followStreams(pcap: string, count: number): Map<number, FollowedStream> {
	const args = ["-r", pcap, "-q"];
	for (let n = 0; n < count; n++) args.push("-z", `follow,tcp,raw,${n}`);
	const streams = new Map<number, FollowedStream>();
	for (const block of tshark(args).split(/={60,}\n/)) {
		const filter = /Filter: tcp\.stream eq (\d+)/.exec(block);
		if (filter === null) continue;
		const node0 = /Node 0: (\S+)/.exec(block)?.[1] ?? "";
		const node1 = /Node 1: (\S+)/.exec(block)?.[1] ?? "";
		const hex0: string[] = [];
		const hex1: string[] = [];
		for (const line of block.split("\n")) {
			if (/^\t[0-9a-f]+$/.test(line)) hex1.push(line.slice(1));
			else if (/^[0-9a-f]+$/.test(line)) hex0.push(line);
		}
		const stream = Number(filter[1]);
		streams.set(stream, {
			stream,
			node0,
			node1,
			fromNode0: Buffer.from(hex0.join(""), "hex"),
			fromNode1: Buffer.from(hex1.join(""), "hex"),
		});
	}
	return streams;
}

export interface TsharkHttpStream {
	/** "METHOD URI" per request, in order. */
	requests: string[];
	/** Content-Length header values of the requests that have one. */
	requestLengths: number[];
	/** Status codes, interim ones included, in order. */
	statuses: number[];
	responseLengths: number[];
}

/** `tshark -Y http` with the fields compared: method, URI, status and Content-Length, grouped by stream. */
export function httpMessages(pcap: string, httpPorts: number[]): Map<number, TsharkHttpStream> {
	const args = ["-r", pcap, "-Y", "http", "-T", "fields", "-E", "separator=|", "-E", "aggregator=;"];
	for (const port of httpPorts) args.push("-d", `tcp.port==${port},http`);
	for (const field of [
		"tcp.stream",
		"http.request.method",
		"http.request.uri",
		"http.response.code",
		"http.content_length_header",
	]) {
		args.push("-e", field);
	}
	const streams = new Map<number, TsharkHttpStream>();
	for (const line of tshark(args).split("\n")) {
		if (line.trim() === "") continue;
		const [stream = "", methods = "", uris = "", codes = "", lengths = ""] = line.split("|");
		const list = (text: string) => (text === "" ? [] : text.split(";"));
		let entry = streams.get(Number(stream));
		if (entry === undefined) {
			entry = { requests: [], requestLengths: [], statuses: [], responseLengths: [] };
			streams.set(Number(stream), entry);
		}
		const methodList = list(methods);
		const uriList = list(uris);
		methodList.forEach((method, i) => {
			entry.requests.push(`${method} ${uriList[i]}`);
		});
		entry.statuses.push(...list(codes).map(Number));
		(methodList.length > 0 ? entry.requestLengths : entry.responseLengths).push(...list(lengths).map(Number));
	}
	return streams;
}
