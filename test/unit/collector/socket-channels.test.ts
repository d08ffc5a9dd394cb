// Real loopback sockets: control dial (refused, cancelled, TLS stalls), the active-mode data listener's address check.

import { afterAll, describe, expect, test } from "bun:test";
import { connect, createServer, type Server, type Socket } from "node:net";
import { socketTransport } from "../../../src/collector/control/control-transport.ts";
import { socketStream } from "../../../src/collector/control/socket-stream.ts";
import { dialControl, SessionError, socketDataChannels } from "../../../src/collector/index.ts";

const servers: Server[] = [];
afterAll(() => {
	for (const server of servers) server.close();
});

/** A TCP server that accepts and then says nothing. */
function silentServer(): Promise<number> {
	return new Promise((resolve) => {
		const server = createServer(() => {});
		servers.push(server);
		server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
	});
}

describe("dialControl", () => {
	test("a connected plain dial becomes a transport with both endpoints", async () => {
		const port = await silentServer();
		const transport = await dialControl("127.0.0.1", port, null);
		expect(transport.remoteAddress).toBe("127.0.0.1");
		expect(transport.localAddress).toBe("127.0.0.1");
		expect(transport.remotePort).toBe(port);
		expect(transport.secure).toBe(false);
		transport.close();
	});

	test("refused: SessionError(connect) naming the target", async () => {
		const port = await silentServer();
		servers.pop()!.close();
		await Bun.sleep(10);
		const error = await dialControl("127.0.0.1", port, null).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(SessionError);
		expect((error as SessionError).stage).toBe("connect");
		expect((error as SessionError).message).toStartWith(`Cannot connect to 127.0.0.1:${port}: `);
	});

	test("a TLS handshake that never completes times out, or is cancelled by the signal", async () => {
		const port = await silentServer();
		const timedOut = await dialControl("127.0.0.1", port, { verify: false }, undefined, 50).catch(
			(e: unknown) => e,
		);
		expect((timedOut as SessionError).stage).toBe("tls");
		expect((timedOut as Error).message).toBe(`Cannot connect to 127.0.0.1:${port}: no answer within 0.05 s`);
		const controller = new AbortController();
		const pending = dialControl("127.0.0.1", port, { verify: false }, controller.signal).catch(
			(e: unknown) => e,
		);
		setTimeout(() => controller.abort(), 20);
		expect(((await pending) as Error).message).toBe(`Cannot connect to 127.0.0.1:${port}: cancelled`);
	});
});

describe("socketDataChannels.listenStream", () => {
	test("only the sensor's address may deliver data; the first such connection is taken", async () => {
		const listener = await socketDataChannels.listenStream("127.0.0.1", "127.0.0.2", 2000, null);
		const stranger = connect({ host: "127.0.0.1", port: listener.port, localAddress: "127.0.0.1" });
		const strangerClosed = new Promise<void>((resolve) => stranger.on("close", () => resolve()));
		stranger.on("error", () => {});
		await strangerClosed;
		const sensor = connect({ host: "127.0.0.1", port: listener.port, localAddress: "127.0.0.2" });
		const channel = await listener.accepted;
		expect(channel.remoteAddress).toBe("127.0.0.2");
		const received: number[] = [];
		channel.setHandlers({ data: (chunk) => received.push(...chunk), end: () => {} });
		sensor.write(Uint8Array.of(1, 2, 3));
		await Bun.sleep(20);
		expect(received).toEqual([1, 2, 3]);
		sensor.destroy();
		channel.close();
	});

	test("nobody connecting within the bound rejects with SessionError(data)", async () => {
		const listener = await socketDataChannels.listenStream("127.0.0.1", "127.0.0.1", 30, null);
		const error = await listener.accepted.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(SessionError);
		expect((error as SessionError).message).toBe("Data connection was not established within 0.03 s");
	});
});

describe("socketStream (control connections and TCP data channels)", () => {
	test("data and the end that came before setHandlers are delivered to it, the end exactly once", async () => {
		const server = createServer();
		servers.push(server);
		await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
		const accepted = new Promise<Socket>((resolve) => server.once("connection", resolve));
		const peer = connect({ host: "127.0.0.1", port: (server.address() as { port: number }).port });
		const stream = socketStream(await accepted);
		peer.end(Uint8Array.of(7, 8, 9));
		await Bun.sleep(50);
		const received: number[] = [];
		const ends: (Error | null)[] = [];
		stream.setHandlers({ data: (chunk) => received.push(...chunk), end: (error) => ends.push(error) });
		await Bun.sleep(20);
		stream.close();
		await Bun.sleep(20);
		expect(received).toEqual([7, 8, 9]);
		expect(ends).toEqual([null]);
	});

	test("a transport over it writes to the peer and reports the peer's close once", async () => {
		const server = createServer();
		servers.push(server);
		await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
		const accepted = new Promise<Socket>((resolve) => server.once("connection", resolve));
		const peer = connect({ host: "127.0.0.1", port: (server.address() as { port: number }).port });
		const peerReceived: number[] = [];
		peer.on("data", (chunk: Buffer) => peerReceived.push(...chunk));
		const transport = socketTransport(await accepted, false);
		const ends: (Error | null)[] = [];
		transport.setHandlers({ data: () => {}, end: (error) => ends.push(error) });
		transport.write(Uint8Array.of(1, 2));
		await Bun.sleep(20);
		peer.destroy();
		await Bun.sleep(50);
		transport.write(Uint8Array.of(3));
		transport.close();
		await Bun.sleep(20);
		expect(peerReceived).toEqual([1, 2]);
		expect(ends).toEqual([null]);
	});
});
