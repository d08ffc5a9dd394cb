import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { endpointText } from "../../../src/reassembly/index.ts";
import { captureHttpTraffic } from "./support/http-capture.ts";
import { describeCapture, rewriteCapture } from "./support/pcap-rewriter.ts";
import { type ExchangeLine, type ReassembleOutput, reassembleInto } from "./support/reassemble-run.ts";
import { followStreams, httpMessages, type TsharkHttpStream } from "./support/tshark.ts";

const workDirectory = mkdtempSync("/tmp/rpcapd-reassembly-");
const pcap = join(workDirectory, "http.pcap");
let original: ReassembleOutput;

beforeAll(async () => {
	await captureHttpTraffic(pcap);
	original = await reassembleInto(pcap, join(workDirectory, "original"));
}, 60_000);

afterAll(() => rmSync(workDirectory, { recursive: true, force: true }));

/** The exchanges in the shape tshark reports them. */
function asTshark(exchanges: readonly ExchangeLine[]): Map<number, TsharkHttpStream> {
	const streams = new Map<number, TsharkHttpStream>();
	for (const e of exchanges) {
		let entry = streams.get(e.stream);
		if (entry === undefined) {
			entry = { requests: [], requestLengths: [], statuses: [], responseLengths: [] };
			streams.set(e.stream, entry);
		}
		if (e.request !== null) {
			entry.requests.push(`${e.method} ${e.url}`);
			if (e.request.contentLength !== null) entry.requestLengths.push(e.request.contentLength);
		}
		entry.statuses.push(...e.interim.map((i) => i.status));
		if (e.response !== null) {
			entry.statuses.push(e.status!);
			if (e.response.contentLength !== null) entry.responseLengths.push(e.response.contentLength);
		}
	}
	return streams;
}

/** An exchange without what depends on its position in the connection (index, body file names). */
function withoutIndex(e: ExchangeLine): unknown {
	const { index: _index, ...rest } = e;
	const strip = (m: Record<string, unknown> | null) => {
		if (m === null) return null;
		const { bodyFile: _bodyFile, ...kept } = m;
		return kept;
	};
	return { ...rest, request: strip(e.request), response: strip(e.response) };
}

describe("a real capture (Bun.serve, curl, pipelining client) compared with tshark", () => {
	test("every stream's bytes equal tshark -z follow,tcp,raw", () => {
		expect(original.streams).toHaveLength(8);
		const followed = followStreams(pcap, original.streams.length);
		expect(followed.size).toBe(original.streams.length);
		for (const stream of original.streams) {
			const theirs = followed.get(stream.stream)!;
			expect(theirs.node0).toBe(endpointText(stream.client));
			expect(theirs.node1).toBe(endpointText(stream.server));
			expect(stream.clientToServer.gapCount + stream.serverToClient.gapCount).toBe(0);
			expect(Buffer.from(original.streamBytes(stream.stream, "c2s")).equals(theirs.fromNode0)).toBe(true);
			expect(Buffer.from(original.streamBytes(stream.stream, "s2c")).equals(theirs.fromNode1)).toBe(true);
			expect(stream.clientToServer.bytes).toBe(theirs.fromNode0.length);
			expect(stream.serverToClient.bytes).toBe(theirs.fromNode1.length);
		}
		expect(original.streams.some((s) => s.client.address === "::1")).toBe(true);
	});

	test("the exchanges equal the requests and responses of tshark -Y http", () => {
		const theirs = httpMessages(pcap, [8081]);
		expect(asTshark(original.exchanges)).toEqual(theirs);
		expect(original.exchanges).toHaveLength(6 + 1 + 1 + 1 + 1 + 1 + 1 + 6);
		expect(original.exchanges.every((e) => !e.missing && e.request !== null && e.response !== null)).toBe(
			true,
		);
		expect(original.summary.http).toMatchObject({
			requestsWithoutResponse: 0,
			responsesWithoutRequest: 0,
			lostSync: 0,
			bufferedBytes: 0,
		});
	});

	test("bodies are decoded and written: chunked, large, close-delimited, request bodies", () => {
		const byUrl = (url: string) => original.exchanges.find((e) => e.url === url)!;
		const chunked = byUrl("/chunked");
		expect(chunked.response!.chunked).toBe(true);
		const chunkedText = `first chunk\nsecond, a bit longer chunk\n${"x".repeat(5000)}\nlast\n`;
		expect(new TextDecoder().decode(original.body(chunked.response!.bodyFile!))).toBe(chunkedText);
		const large = byUrl("/large");
		expect(large.response!.bodyBytes).toBe(3_000_000);
		const body = original.body(large.response!.bodyFile!);
		expect(body.length).toBe(3_000_000);
		expect(body.every((b, i) => b === ((i * 7 + (i >> 10)) & 0xff))).toBe(true);
		expect(byUrl("/close").response!.bodyBytes).toBe("this body ends when the connection closes\n".length);
		expect(byUrl("/upload").request!.bodyBytes).toBe(10_000);
		expect(byUrl("/upload").interim.map((i) => i.status)).toEqual([100]);
		expect(byUrl("/echo").request!.bodyBytes).toBe(20_000);
		expect(original.exchanges.find((e) => e.method === "HEAD")!.response!.bodyBytes).toBe(0);
	});
});

describe("the same capture rewritten by our pcap rewriter", () => {
	test("reordered and duplicated segments (pcapng, SLL2) give the same streams and exchanges", async () => {
		const rewritten = join(workDirectory, "shuffled.pcapng");
		writeFileSync(
			rewritten,
			rewriteCapture(readFileSync(pcap), {
				seed: 7,
				reorderWindow: 4,
				duplicateRate: 0.25,
				asPcapngSll2: true,
			}),
		);
		const shuffled = await reassembleInto(rewritten, join(workDirectory, "shuffled"));
		expect(shuffled.summary.tcp.outOfOrderSegments).toBeGreaterThan(0);
		expect(shuffled.summary.tcp.duplicateBytes).toBeGreaterThan(0);
		expect(shuffled.summary.tcp.gaps).toBe(0);
		expect(shuffled.summary.tcp.conflictingOverlaps).toBe(0);
		expect(shuffled.exchanges).toEqual(original.exchanges);
		for (const stream of original.streams) {
			for (const suffix of ["c2s", "s2c"] as const) {
				expect(
					Buffer.from(shuffled.streamBytes(stream.stream, suffix)).equals(
						original.streamBytes(stream.stream, suffix),
					),
				).toBe(true);
			}
		}
	});

	test("dropped segments become marked gaps; every exchange not touched by them is unchanged", async () => {
		const large = original.exchanges.find((e) => e.url === "/large")!;
		const keepAlive = original.exchanges.find((e) => e.url === "/empty")!;
		const facts = describeCapture(readFileSync(pcap));
		const droppedBody = facts.find((f) => f.dstPort === large.client.port && f.dataIndex === 5)!;
		const droppedRequest = facts.find((f) => f.srcPort === keepAlive.client.port && f.dataIndex === 2)!;
		const dropped = new Set([droppedBody.index, droppedRequest.index]);
		const rewritten = join(workDirectory, "lossy.pcap");
		writeFileSync(
			rewritten,
			rewriteCapture(readFileSync(pcap), { seed: 1, drop: (f) => dropped.has(f.index) }),
		);
		const lossy = await reassembleInto(rewritten, join(workDirectory, "lossy"));

		const largeStream = lossy.streams.find((s) => s.client.port === large.client.port)!;
		expect(largeStream.serverToClient.gapBytes).toBe(droppedBody.payloadLength);
		expect(largeStream.serverToClient.gaps).toHaveLength(1);
		const keepAliveStream = lossy.streams.find((s) => s.client.port === keepAlive.client.port)!;
		expect(keepAliveStream.clientToServer.gaps).toEqual([
			{
				offset: facts
					.filter((f) => f.srcPort === keepAlive.client.port && f.dataIndex >= 0 && f.dataIndex < 2)
					.reduce((n, f) => n + f.payloadLength, 0),
				length: droppedRequest.payloadLength,
			},
		]);

		const lossyLarge = lossy.exchanges.find((e) => e.url === "/large")!;
		expect(lossyLarge.missing).toBe(true);
		expect(lossyLarge.response!.missingBytes).toBe(droppedBody.payloadLength);
		expect(lossyLarge.response!.bodyBytes).toBe(3_000_000 - droppedBody.payloadLength);
		const orphan = lossy.exchanges.filter((e) => e.request === null);
		expect(orphan).toHaveLength(1);
		expect(orphan[0]).toMatchObject({ status: 204, missing: true });

		// Exchanges of the connection with the hole come out when it is filled (at the end), so compare sorted.
		const touched = (e: ExchangeLine) =>
			(e.stream === large.stream && e.url === "/large") ||
			(e.stream === keepAlive.stream && e.url === "/empty");
		const untouched = (exchanges: ExchangeLine[]) =>
			exchanges
				.filter((e) => !touched(e) && e.request !== null)
				.sort((a, b) => a.stream - b.stream || a.index - b.index)
				.map(withoutIndex);
		expect(untouched(lossy.exchanges)).toEqual(untouched(original.exchanges));
	});
});
