import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AppendFiles, ReassemblyPipeline } from "../../../src/reassembly/index.ts";
import { Conversation, type ScriptedPacket } from "./packet-builder.ts";

let directory: string;
beforeEach(() => {
	directory = mkdtempSync("/tmp/rpcapd-sinks-");
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

const text = (path: string) => readFileSync(path, "latin1");
const lines = (path: string) =>
	text(path)
		.split("\n")
		.filter((l) => l !== "")
		.map((l) => JSON.parse(l));

function feed(pipeline: ReassemblyPipeline, packets: readonly ScriptedPacket[]): void {
	for (const p of packets) pipeline.push(1, p.tsSec, p.tsUsec, p.data);
	pipeline.close();
}

describe("AppendFiles", () => {
	test("more files than descriptors: every file gets all its bytes, in order; a first write truncates", () => {
		const files = new AppendFiles({ maxOpen: 2, bufferBytes: 1024 });
		const paths = [0, 1, 2, 3, 4].map((i) => join(directory, `f${i}`));
		writeFileSync(paths[0]!, "old content to be replaced");
		const expected = paths.map(() => "");
		for (let round = 0; round < 50; round++) {
			paths.forEach((path, i) => {
				const piece = `${i}:${round}:${"z".repeat((round * 37 + i * 11) % 1500)}|`;
				files.append(path, new TextEncoder().encode(piece));
				expected[i] += piece;
			});
		}
		files.closeAll();
		paths.forEach((path, i) => {
			expect(text(path)).toBe(expected[i]!);
		});
	});
});

describe("ReassemblyPipeline output files", () => {
	test("stream files hold each direction; streams.jsonl lists endpoints and where bytes are missing", () => {
		const c = new Conversation({ address: "10.0.0.1", port: 40000 }, { address: "10.0.0.2", port: 80 })
			.handshake()
			.send(0, "GET / HTTP/1.1\r\n\r\n")
			.send(1, "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", 100)
			.send(1, "aaaabbbbcccc", 4)
			.fin(1)
			.fin(0);
		const lossy = c.packets.filter((_, i) => i !== 6); // "bbbb"
		const pipeline = new ReassemblyPipeline({
			streamsDirectory: join(directory, "streams"),
			httpPath: join(directory, "http.jsonl"),
			bodiesDirectory: join(directory, "bodies"),
		});
		feed(pipeline, lossy);
		expect(text(join(directory, "streams", "stream-0.c2s"))).toBe("GET / HTTP/1.1\r\n\r\n");
		const head = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n";
		expect(text(join(directory, "streams", "stream-0.s2c"))).toBe(`${head}aaaacccc`);
		const [index] = lines(join(directory, "streams", "streams.jsonl"));
		expect(index).toMatchObject({
			stream: 0,
			client: { address: "10.0.0.1", port: 40000 },
			server: { address: "10.0.0.2", port: 80 },
			reason: "closed",
			clientToServer: { file: "stream-0.c2s", bytes: 18, gapCount: 0, end: "fin" },
			serverToClient: { file: "stream-0.s2c", bytes: head.length + 8, gapCount: 1, gapBytes: 4, end: "fin" },
		});
		expect(index.serverToClient.gaps).toEqual([{ offset: head.length + 4, length: 4 }]);
		const [exchange] = lines(join(directory, "http.jsonl"));
		expect(exchange).toMatchObject({ method: "GET", url: "/", status: 200, missing: true });
		expect(exchange.response).toMatchObject({ bodyBytes: 8, missingBytes: 4, bodyFile: "0-0.response" });
		expect(text(join(directory, "bodies", "0-0.response"))).toBe("aaaacccc");
		expect(readdirSync(join(directory, "bodies"))).toEqual(["0-0.response"]);
	});

	test("without outputs the pipeline still counts", () => {
		const c = new Conversation({ address: "10.0.0.1", port: 40000 }, { address: "10.0.0.2", port: 80 })
			.handshake()
			.send(0, "x");
		const pipeline = new ReassemblyPipeline({});
		feed(pipeline, c.packets);
		expect(pipeline.tcpStats.bytesDelivered).toBe(1);
		expect(pipeline.httpStats).toBeUndefined();
	});
});

describe("live ticks", () => {
	test("tickLive moves capture time on from the newest packet by the wall-clock time since it came", () => {
		const c = new Conversation({ address: "10.0.0.1", port: 40000 }, { address: "10.0.0.2", port: 80 })
			.handshake()
			.send(0, "x");
		const pipeline = new ReassemblyPipeline({ idleTimeout: 30 });
		pipeline.tickLive(); // nothing seen yet: nothing to do
		for (const p of c.packets) pipeline.push(1, p.tsSec, p.tsUsec, p.data);
		const arrived = Date.now();
		pipeline.tickLive(arrived + 10_000);
		expect(pipeline.tcpStats.flowsExpired).toBe(0);
		pipeline.tickLive(arrived + 31_000);
		expect(pipeline.tcpStats.flowsExpired).toBe(1);
		pipeline.close();
	});
});
