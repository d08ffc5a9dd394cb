import { describe, expect, test } from "bun:test";
import { runHttp, summary } from "./http-support.ts";
import { Conversation } from "./packet-builder.ts";

const CLIENT = { address: "192.0.2.1", port: 51000 };
const SERVER = { address: "192.0.2.80", port: 8080 };

function conversation(): Conversation {
	return new Conversation(CLIENT, SERVER).handshake();
}

const ok = (body: string, extra = "") =>
	`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;

describe("framing", () => {
	test("a GET with a Content-Length response gives one complete exchange with every field", () => {
		const c = conversation()
			.send(0, "GET /index.html?x=1 HTTP/1.1\r\nHost: example.test\r\nUser-Agent: t\r\n\r\n")
			.wait(1000)
			.send(1, ok("hello world", "Server: s\r\n"))
			.fin(0)
			.fin(1);
		const { exchanges, bodies } = runHttp(c.packets);
		expect(exchanges).toHaveLength(1);
		const e = exchanges[0]!;
		expect(e.client).toEqual(CLIENT);
		expect(e.server).toEqual(SERVER);
		expect(e.request).toMatchObject({
			method: "GET",
			url: "/index.html?x=1",
			host: "example.test",
			version: "HTTP/1.1",
			headers: [
				["Host", "example.test"],
				["User-Agent", "t"],
			],
			bodyBytes: 0,
			complete: true,
		});
		expect(e.response).toMatchObject({
			status: 200,
			reason: "OK",
			contentLength: 11,
			bodyBytes: 11,
			missingBytes: 0,
			complete: true,
		});
		expect(e.missing).toBe(false);
		expect(bodies.get("0/0/response")).toBe("hello world");
		const first = c.packets[3]!;
		expect(e.request!.firstByte).toEqual({ sec: first.tsSec, usec: first.tsUsec });
		expect(e.response!.firstByte.usec).not.toBe(e.request!.firstByte.usec);
	});

	test("keep-alive and pipelined requests pair in order", () => {
		const c = conversation()
			.send(0, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n")
			.send(1, ok("A"))
			.send(
				0,
				"GET /b HTTP/1.1\r\nHost: h\r\n\r\nGET /c HTTP/1.1\r\nHost: h\r\n\r\nHEAD /d HTTP/1.1\r\nHost: h\r\n\r\n",
			)
			.send(1, `${ok("BB")}${ok("CCC")}HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n`)
			.send(0, "GET /e HTTP/1.1\r\nHost: h\r\n\r\n")
			.send(1, ok("E"));
		const { exchanges } = runHttp(c.packets);
		expect(exchanges.map(summary)).toEqual([
			"GET /a => 200 1",
			"GET /b => 200 2",
			"GET /c => 200 3",
			"HEAD /d => 200 0",
			"GET /e => 200 1",
		]);
		expect(exchanges.map((e) => e.index)).toEqual([0, 1, 2, 3, 4]);
		expect(exchanges[3]!.response!.contentLength).toBe(1000);
	});

	test("chunked bodies are decoded across any segmentation, extensions and trailers included", () => {
		const response =
			"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nB\r\n, chunked!!\r\n0\r\nX-Trailer: t\r\n\r\n";
		for (const mss of [1, 3, 7, 1460]) {
			const c = conversation()
				.send(0, "GET / HTTP/1.1\r\n\r\n")
				.send(1, response, mss)
				.send(0, "GET /next HTTP/1.1\r\n\r\n")
				.send(1, ok("n"));
			const { exchanges, bodies } = runHttp(c.packets);
			expect(exchanges.map(summary)).toEqual(["GET / => 200 16", "GET /next => 200 1"]);
			expect(exchanges[0]!.response!.chunked).toBe(true);
			expect(bodies.get("0/0/response")).toBe("hello, chunked!!");
		}
	});

	test("a chunked request body is read and the next request follows", () => {
		const c = conversation()
			.send(
				0,
				"POST /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /x HTTP/1.1\r\n\r\n",
			)
			.send(1, `${ok("1")}${ok("2")}`);
		const { exchanges, bodies } = runHttp(c.packets);
		expect(exchanges.map(summary)).toEqual(["POST /up => 200 1", "GET /x => 200 1"]);
		expect(bodies.get("0/0/request")).toBe("abc");
	});

	test("a response without length ends with the connection", () => {
		const c = conversation()
			.send(0, "GET /old HTTP/1.0\r\n\r\n")
			.send(1, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end", 4)
			.fin(1)
			.fin(0);
		const { exchanges } = runHttp(c.packets);
		expect(exchanges.map(summary)).toEqual(["GET /old => 200 13"]);
		expect(exchanges[0]!.response!.complete).toBe(true);
	});

	test("a response without length cut by RST is not complete", () => {
		const c = conversation()
			.send(0, "GET / HTTP/1.1\r\n\r\n")
			.send(1, "HTTP/1.1 200 OK\r\n\r\npartial")
			.reset(1);
		const { exchanges } = runHttp(c.packets);
		expect(exchanges.map(summary)).toEqual(["GET / => 200 7"]);
		expect(exchanges[0]!.response!.complete).toBe(false);
	});

	test("204, 304 and 1xx responses have no body; interim responses belong to the exchange", () => {
		const c = conversation()
			.send(0, "DELETE /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\nIf-None-Match: x\r\n\r\n")
			.send(1, "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\nHTTP/1.1 304 Not Modified\r\n\r\n")
			.send(0, "POST /c HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
			.send(1, "HTTP/1.1 100 Continue\r\n\r\n")
			.send(0, "data")
			.send(1, "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n")
			.send(1, ok("done"));
		const { exchanges } = runHttp(c.packets);
		expect(exchanges.map(summary)).toEqual(["DELETE /a => 204 0", "GET /b => 304 0", "POST /c => 200 4"]);
		expect(exchanges[2]!.interim.map((i) => i.status)).toEqual([100, 103]);
		expect(exchanges[2]!.request!.bodyBytes).toBe(4);
	});

	test("101 Switching Protocols ends HTTP parsing on the connection", () => {
		const c = conversation()
			.send(0, "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
			.send(1, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello")
			.send(0, "GET /not-http HTTP/1.1\r\n\r\n");
		const { exchanges, analyzer } = runHttp(c.packets);
		expect(exchanges.map(summary)).toEqual(["GET /ws => 101 0"]);
		expect(analyzer.stats.exchanges).toBe(1);
	});

	test("an absolute-form target gives the host when there is no Host header", () => {
		const c = conversation().send(0, "GET http://proxy.test:8080/p HTTP/1.1\r\n\r\n").send(1, ok(""));
		expect(runHttp(c.packets).exchanges[0]!.request!.host).toBe("proxy.test:8080");
	});
});

describe("disorder and loss", () => {
	test("a response reassembled before its request still pairs with it", () => {
		const c = conversation().send(0, "GET /late HTTP/1.1\r\n\r\n").send(1, ok("x")).fin(0).fin(1);
		const p = c.packets;
		const swapped = [p[0]!, p[1]!, p[2]!, p[4]!, p[3]!, ...p.slice(5)];
		const { exchanges } = runHttp(swapped);
		expect(exchanges.map(summary)).toEqual(["GET /late => 200 1"]);
		expect(exchanges[0]!.missing).toBe(false);
	});

	test("a gap inside a Content-Length body is counted and the connection stays in sync", () => {
		const c = conversation()
			.send(0, "GET /big HTTP/1.1\r\n\r\n")
			.send(1, ok("0123456789".repeat(10)), 25)
			.send(0, "GET /next HTTP/1.1\r\n\r\n")
			.send(1, ok("n"));
		const lost = c.packets.filter((_, i) => i !== 6); // a middle segment of the first response
		const { exchanges } = runHttp(lost);
		expect(exchanges.map(summary)).toEqual(["GET /big => 200 75 (missing)", "GET /next => 200 1"]);
		expect(exchanges[0]!.response!.missingBytes).toBe(25);
		expect(exchanges[0]!.response!.complete).toBe(true);
	});

	test("a lost request is reported as a response without request, and pairing recovers", () => {
		const c = conversation()
			.send(0, "GET /1 HTTP/1.1\r\n\r\n")
			.send(1, ok("1"))
			.send(0, "GET /2 HTTP/1.1\r\n\r\n")
			.send(1, ok("22"))
			.send(0, "GET /3 HTTP/1.1\r\n\r\n")
			.send(1, ok("333"))
			.fin(0)
			.fin(1);
		const lost = c.packets.filter((_, i) => i !== 5); // GET /2
		const { exchanges } = runHttp(lost);
		expect(exchanges.map(summary)).toEqual(["GET /1 => 200 1", "- => 200 2 (missing)", "GET /3 => 200 3"]);
	});

	test("a lost response leaves its request unanswered and the next response pairs correctly", () => {
		const c = conversation()
			.send(0, "GET /1 HTTP/1.1\r\n\r\n")
			.send(1, ok("1"))
			.send(0, "GET /2 HTTP/1.1\r\n\r\n")
			.send(1, ok("22"))
			.send(0, "GET /3 HTTP/1.1\r\n\r\n")
			.send(1, ok("333"))
			.fin(0)
			.fin(1);
		const lost = c.packets.filter((_, i) => i !== 6); // the response to /2
		const { exchanges } = runHttp(lost);
		expect(exchanges.map(summary)).toEqual(["GET /1 => 200 1", "GET /2 => - (missing)", "GET /3 => 200 3"]);
	});

	test("a flow picked up mid-body resynchronises at the next message", () => {
		const c = conversation()
			.send(0, "POST /a HTTP/1.1\r\nContent-Length: 30\r\n\r\n")
			.send(0, "x".repeat(30))
			.send(1, ok("a"))
			.send(0, "GET /b HTTP/1.1\r\n\r\n")
			.send(1, ok("b"));
		const { exchanges } = runHttp(c.packets.slice(4));
		expect(exchanges.map(summary)).toEqual(["- => 200 1 (missing)", "GET /b => 200 1"]);
	});

	test("a head split into one-byte segments and delivered out of order parses", () => {
		const c = conversation().send(0, "GET /tiny HTTP/1.1\r\nHost: h\r\n\r\n", 1).send(1, ok("t"), 2);
		const p = c.packets;
		const head = p.slice(0, 3);
		const rest = p.slice(3).reverse();
		const { exchanges } = runHttp([...head, ...rest]);
		expect(exchanges.map(summary)).toEqual(["GET /tiny => 200 1"]);
		expect(exchanges[0]!.missing).toBe(false);
	});
});
