import { describe, expect, test } from "bun:test";
import { contentLength, isChunked, parseHead } from "../../../src/reassembly/http/http-head.ts";
import { HttpAnalyzer, type HttpExchange } from "../../../src/reassembly/index.ts";
import { runHttp, summary } from "./http-support.ts";
import { Conversation } from "./packet-builder.ts";

const CLIENT = { address: "192.0.2.1", port: 51000 };
const SERVER = { address: "192.0.2.80", port: 8080 };
const encode = (text: string) => new TextEncoder().encode(text);

describe("head parsing", () => {
	test("folded lines are joined, junk lines skipped, names keep their case", () => {
		const head = parseHead(
			encode("HTTP/1.1 200 Fine\r\nX-Long: a\r\n  b\r\nnot a field\r\nContent-Length: 3\r\n\r\n"),
			"response",
		);
		expect(head).toMatchObject({
			status: 200,
			reason: "Fine",
			headers: [
				["X-Long", "a b"],
				["Content-Length", "3"],
			],
		});
	});

	test("a start line that is not HTTP/1.x gives no head", () => {
		expect(parseHead(encode("SSH-2.0-OpenSSH\r\n\r\n"), "request")).toBeUndefined();
		expect(parseHead(encode("HTTP/1.1 abc\r\n\r\n"), "response")).toBeUndefined();
	});

	test("Content-Length: repeated equal values count once, differing or bad values are invalid", () => {
		expect(contentLength([["Content-Length", "5, 5"]])).toBe(5);
		expect(
			contentLength([
				["content-length", "5"],
				["Content-Length", "6"],
			]),
		).toBe(-1);
		expect(contentLength([["Content-Length", "-1"]])).toBe(-1);
		expect(isChunked([["Transfer-Encoding", "gzip, chunked"]])).toBe(true);
		expect(isChunked([["Transfer-Encoding", "chunked, gzip"]])).toBe(false);
	});
});

describe("connection edge cases", () => {
	test("a gap inside chunk data keeps the decoder in step", () => {
		const response = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n${"c".repeat(100)}\r\n0\r\n\r\n`;
		const c = new Conversation(CLIENT, SERVER)
			.handshake()
			.send(0, "GET /c HTTP/1.1\r\n\r\n")
			.send(1, response, 40)
			.send(0, "GET /d HTTP/1.1\r\n\r\n")
			.send(1, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nd");
		const { exchanges } = runHttp(c.packets.filter((_, i) => i !== 6)); // bytes 40-79 of the response
		expect(exchanges.map(summary)).toEqual(["GET /c => 200 60 (missing)", "GET /d => 200 1"]);
		expect(exchanges[0]!.response).toMatchObject({ missingBytes: 40, complete: true });
	});

	test("CONNECT with 200 turns the connection into a tunnel", () => {
		const c = new Conversation(CLIENT, SERVER)
			.handshake()
			.send(0, "CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n")
			.send(1, "HTTP/1.1 200 Connection established\r\n\r\n")
			.send(0, "\x16\x03\x01 tls bytes\r\nGET /not-http HTTP/1.1\r\n\r\n")
			.send(1, "\x16\x03\x03 more tls");
		const { exchanges, analyzer } = runHttp(c.packets);
		expect(exchanges.map(summary)).toEqual(["CONNECT example.test:443 => 200 0"]);
		expect(exchanges[0]!.request!.host).toBe("example.test:443");
		expect(analyzer.stats.lostSync).toBe(0);
	});

	test("a response waiting for its request stops waiting past maxHeldBytes", () => {
		const exchanges: HttpExchange[] = [];
		const analyzer = new HttpAnalyzer({ exchange: (e) => exchanges.push(e) }, { maxHeldBytes: 10 });
		const flow = {
			id: 0,
			client: CLIENT,
			server: SERVER,
			family: 4,
			midstream: false,
			startSec: 1,
			startUsec: 0,
		};
		const connection = analyzer.open(flow);
		// The response claims the server had received 100 client bytes: its request is still to come.
		analyzer.data(connection, 1, encode("HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n"), 1, 0, 100);
		expect(exchanges).toHaveLength(0);
		analyzer.data(connection, 1, encode("x".repeat(30)), 1, 1, 100);
		expect(exchanges.map(summary)).toEqual(["- => 200 30"]);
		analyzer.close(connection);
		expect(analyzer.stats.responsesWithoutRequest).toBe(1);
	});

	test("a request never answered is reported when the flow ends", () => {
		const c = new Conversation(CLIENT, SERVER)
			.handshake()
			.send(0, "POST /x HTTP/1.1\r\nContent-Length: 2\r\n\r\nab")
			.fin(0)
			.fin(1);
		const { exchanges, analyzer } = runHttp(c.packets);
		expect(exchanges.map(summary)).toEqual(["POST /x => -"]);
		expect(exchanges[0]!.missing).toBe(false);
		expect(analyzer.stats.requestsWithoutResponse).toBe(1);
	});

	test("a stream that is not HTTP produces no exchange", () => {
		const c = new Conversation(CLIENT, { address: "192.0.2.80", port: 22 })
			.handshake()
			.send(1, "SSH-2.0-OpenSSH_9.2\r\n")
			.send(0, "SSH-2.0-client\r\n\x00\x00\x01\x0c binary stuff");
		const { exchanges } = runHttp(c.packets);
		expect(exchanges).toEqual([]);
	});
});

describe("memory", () => {
	test("heads being read share one budget; past it they are dropped, and closing gives everything back", () => {
		const exchanges: HttpExchange[] = [];
		const analyzer = new HttpAnalyzer({ exchange: (e) => exchanges.push(e) }, { maxBufferedBytes: 4096 });
		const connections = Array.from({ length: 20 }, (_, id) =>
			analyzer.open({
				id,
				client: CLIENT,
				server: SERVER,
				family: 4,
				midstream: false,
				startSec: 1,
				startUsec: 0,
			}),
		);
		// Every connection sends half of a large head, and never the rest.
		for (const connection of connections) {
			analyzer.data(
				connection,
				0,
				encode(`GET /${"a".repeat(600)} HTTP/1.1\r\nX: ${"b".repeat(600)}\r\n`),
				1,
				0,
				0,
			);
		}
		expect(analyzer.stats.bufferedBytes).toBeLessThanOrEqual(4096);
		expect(analyzer.stats.bufferLimitHits).toBeGreaterThan(0);
		expect(analyzer.stats.lostSync).toBeGreaterThan(0);
		for (const connection of connections) analyzer.close(connection);
		expect(analyzer.stats.bufferedBytes).toBe(0);
		expect(exchanges).toEqual([]);
	});
});
