import { afterAll, describe, expect, test } from "bun:test";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { createDataChannelFactory } from "../../../../src/daemon/data/channel-factory.ts";
import { acceptTimeoutMessage, DataChannelError } from "../../../../src/daemon/data/data-channel-error.ts";
import type { DataFailure, DataSender, SocketEndpoint } from "../../../../src/daemon/data/sender.ts";
import { createLogger, memorySink } from "../../../../src/observe/logger.ts";
import { removeTestTlsMaterial, testTlsContext } from "../../../conformance/support/data-sender-harness.ts";
import { buildBatch, waitUntil } from "../../../conformance/support/packet-batches.ts";
import { openBlackHole } from "./black-hole-listener.ts";

afterAll(() => removeTestTlsMaterial());

const LOCAL: SocketEndpoint = { address: "127.0.0.1", port: 2002 };
const PEER: SocketEndpoint = { address: "127.0.0.1", port: 50000 };

function memoryLogger() {
	const sink = memorySink();
	return { sink, logger: createLogger({ level: "debug", format: "text", sink }) };
}

/** Connects like a client would; resolves with the socket once connected, or the error code. */
function dial(port: number, host = "127.0.0.1", localAddress?: string): Promise<Socket | string> {
	return new Promise((resolve) => {
		const socket = connect({ port, host, ...(localAddress === undefined ? {} : { localAddress }) });
		socket.once("connect", () => resolve(socket));
		socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
	});
}

/** Resolves when the socket is closed by the other side (EOF or reset). */
function closedByPeer(socket: Socket): Promise<void> {
	return new Promise((resolve) => {
		socket.on("error", () => {});
		socket.once("close", () => resolve());
		socket.resume();
	});
}

async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const port = (server.address() as AddressInfo).port;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

async function rejection(promise: Promise<unknown>): Promise<DataChannelError> {
	try {
		await promise;
	} catch (error) {
		expect(error).toBeInstanceOf(DataChannelError);
		return error as DataChannelError;
	}
	throw new Error("expected a rejection");
}

/** Sends one batch through `sender` and checks it arrives on `client`. */
async function expectStream(sender: DataSender, client: Socket): Promise<void> {
	let received = 0;
	client.on("data", (chunk: Buffer) => {
		received += chunk.length;
	});
	const batch = buildBatch(1, [10, 200, 3000]);
	sender.sendBatch(batch.bytes, batch.packets);
	await waitUntil(() => received === batch.bytes.length, 1000);
	expect(received).toBe(batch.bytes.length);
}

describe("client-opens TCP", () => {
	test("E16: an intruder from another address is closed and logged; the control peer gets the stream", async () => {
		const { sink, logger } = memoryLogger();
		const factory = createDataChannelFactory({ logger, acceptTimeoutMs: 2000 });
		const pending = await factory.listenTcp({ local: LOCAL, peer: PEER, tls: false });
		expect(pending.port).toBeGreaterThan(0);
		expect(pending.local).toEqual({ address: "127.0.0.1", port: pending.port });
		const intruder = await dial(pending.port, "127.0.0.1", "127.0.0.2");
		if (typeof intruder === "string") throw new Error(`intruder could not connect: ${intruder}`);
		await closedByPeer(intruder);
		expect(
			sink.lines.some((line) => line.line.includes("unexpected address") && line.line.includes("127.0.0.2")),
		).toBe(true);
		const client = await dial(pending.port);
		if (typeof client === "string") throw new Error(`client could not connect: ${client}`);
		const sender = await pending.accepted;
		expect(sender.transport).toBe("tcp");
		expect(sender.local).toEqual({ address: "127.0.0.1", port: pending.port });
		expect(sender.remote).toEqual({ address: "127.0.0.1", port: client.localPort as number });
		await expectStream(sender, client);
		// The listener is gone once the capture has its connection.
		expect(await dial(pending.port)).toBe("ECONNREFUSED");
		await sender.close(100);
		client.destroy();
	});

	test("IPv4-mapped control addresses are normalised", async () => {
		const factory = createDataChannelFactory({ acceptTimeoutMs: 2000 });
		const pending = await factory.listenTcp({
			local: { address: "::ffff:127.0.0.1", port: 2002 },
			peer: { address: "::FFFF:127.0.0.1", port: 1 },
			tls: false,
		});
		expect(pending.local.address).toBe("127.0.0.1");
		const client = await dial(pending.port);
		if (typeof client === "string") throw new Error(client);
		const sender = await pending.accepted;
		expect(sender.remote.address).toBe("127.0.0.1");
		await sender.close(100);
		client.destroy();
	});

	test("IPv6 control connection: the listener is on ::1", async () => {
		const factory = createDataChannelFactory({ acceptTimeoutMs: 2000 });
		const pending = await factory.listenTcp({
			local: { address: "::1", port: 2002 },
			peer: { address: "::1", port: 1 },
			tls: false,
		});
		expect(pending.local.address).toBe("::1");
		const client = await dial(pending.port, "::1");
		if (typeof client === "string") throw new Error(client);
		const sender = await pending.accepted;
		await expectStream(sender, client);
		await sender.close(100);
		client.destroy();
	});

	test("E15: nobody connects → rejected after the accept bound, listener closed", async () => {
		const factory = createDataChannelFactory({ acceptTimeoutMs: 200 });
		const pending = await factory.listenTcp({ local: LOCAL, peer: PEER, tls: false });
		const started = performance.now();
		const error = await rejection(pending.accepted);
		const elapsed = performance.now() - started;
		expect(elapsed).toBeGreaterThanOrEqual(190);
		expect(elapsed).toBeLessThan(600);
		expect(error.reason).toBe("accept-timeout");
		expect(error.code).toBe(12);
		expect(error.message).toBe("Data connection was not established within 0.2 s");
		expect(acceptTimeoutMessage(10_000)).toBe("Data connection was not established within 10 s");
		expect(await dial(pending.port)).toBe("ECONNREFUSED");
	});

	test("cancel() rejects the pending sender and closes the listener", async () => {
		const factory = createDataChannelFactory({ acceptTimeoutMs: 5000 });
		const pending = await factory.listenTcp({ local: LOCAL, peer: PEER, tls: false });
		pending.cancel();
		const error = await rejection(pending.accepted);
		expect(error.reason).toBe("cancelled");
		expect(await dial(pending.port)).toBe("ECONNREFUSED");
	});

	test("E21: one fixed data port serves captures from different peers; the same peer twice is 'Data port busy'", async () => {
		const dataPort = await freePort();
		const factory = createDataChannelFactory({ dataPort, acceptTimeoutMs: 3000 });
		const peerA = { address: "127.0.0.1", port: 1 };
		const peerB = { address: "127.0.0.2", port: 1 };
		const pendingA = await factory.listenTcp({ local: LOCAL, peer: peerA, tls: false });
		const pendingB = await factory.listenTcp({ local: LOCAL, peer: peerB, tls: false });
		expect(pendingA.port).toBe(dataPort);
		expect(pendingB.port).toBe(dataPort);
		const busy = await rejection(factory.listenTcp({ local: LOCAL, peer: peerA, tls: false }));
		expect(busy.reason).toBe("busy");
		expect(busy.code).toBe(12);
		expect(busy.message).toBe("Data port busy");
		// B's client first: each connection goes to the capture waiting for its source address.
		const clientB = await dial(dataPort, "127.0.0.1", "127.0.0.2");
		const clientA = await dial(dataPort, "127.0.0.1", "127.0.0.1");
		if (typeof clientA === "string" || typeof clientB === "string") throw new Error("connect failed");
		const [senderA, senderB] = await Promise.all([pendingA.accepted, pendingB.accepted]);
		expect(senderA.remote.address).toBe("127.0.0.1");
		expect(senderB.remote.address).toBe("127.0.0.2");
		await expectStream(senderA, clientA);
		await expectStream(senderB, clientB);
		// Both slots used: the shared listener closes and the port can be bound again later.
		expect(await dial(dataPort)).toBe("ECONNREFUSED");
		const again = await factory.listenTcp({ local: LOCAL, peer: peerA, tls: false });
		expect(again.port).toBe(dataPort);
		again.cancel();
		await Promise.all([senderA.close(100), senderB.close(100)]);
		clientA.destroy();
		clientB.destroy();
	});

	test("a fixed data port taken by another program → ERROR 12 with the OS reason", async () => {
		const squatter = createServer();
		await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
		const dataPort = (squatter.address() as AddressInfo).port;
		const factory = createDataChannelFactory({ dataPort });
		const error = await rejection(factory.listenTcp({ local: LOCAL, peer: PEER, tls: false }));
		expect(error.reason).toBe("listen");
		expect(error.message).toBe(
			`Cannot listen for the data connection on 127.0.0.1:${dataPort}: Address already in use`,
		);
		squatter.close();
	});

	test("TLS: the daemon is the TLS server on the accepted connection", async () => {
		const factory = createDataChannelFactory({ tls: testTlsContext(), acceptTimeoutMs: 2000 });
		const pending = await factory.listenTcp({ local: LOCAL, peer: PEER, tls: true });
		const client = tlsConnect({ host: "127.0.0.1", port: pending.port, rejectUnauthorized: false });
		client.on("error", () => {});
		const sender = await pending.accepted;
		await expectStream(sender, client);
		await sender.close(200);
		client.destroy();
	});

	test("L7: TLS on and the client never starts the handshake → rejected after the handshake bound", async () => {
		const factory = createDataChannelFactory({
			tls: testTlsContext(),
			acceptTimeoutMs: 2000,
			tlsHandshakeTimeoutMs: 200,
		});
		const pending = await factory.listenTcp({ local: LOCAL, peer: PEER, tls: true });
		const client = await dial(pending.port);
		if (typeof client === "string") throw new Error(client);
		const error = await rejection(pending.accepted);
		expect(error.reason).toBe("tls");
		expect(error.code).toBe(12);
		expect(error.message).toBe("Data connection TLS handshake did not complete within 0.2 s");
		await closedByPeer(client);
	});

	test("TLS requested without a certificate configured → typed error", async () => {
		const factory = createDataChannelFactory();
		const error = await rejection(factory.listenTcp({ local: LOCAL, peer: PEER, tls: true }));
		expect(error.reason).toBe("tls");
	});
});

describe("server-opens TCP", () => {
	test("connects to the peer's port and streams", async () => {
		const accepted = Promise.withResolvers<Socket>();
		const collector = createServer((socket) => accepted.resolve(socket));
		await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
		const port = (collector.address() as AddressInfo).port;
		const factory = createDataChannelFactory();
		const sender = await factory.connectTcp({ peer: PEER, port, tls: false, local: LOCAL });
		const client = await accepted.promise;
		expect(sender.remote).toEqual({ address: "127.0.0.1", port });
		expect(sender.local.port).toBe(client.remotePort as number);
		await expectStream(sender, client);
		await sender.close(100);
		client.destroy();
		collector.close();
	});

	test("TLS: resolves before the handshake, which the client starts after the reply", async () => {
		const accepted = Promise.withResolvers<Socket>();
		const collector = createServer((socket) => accepted.resolve(socket));
		await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
		const port = (collector.address() as AddressInfo).port;
		const factory = createDataChannelFactory({ tls: testTlsContext() });
		const sender = await factory.connectTcp({ peer: PEER, port, tls: true });
		const failures: DataFailure[] = [];
		sender.onFailure((failure) => failures.push(failure));
		const raw = await accepted.promise;
		// Known before the handshake, for the self-traffic exclusion filter.
		expect(sender.local).toEqual({ address: "127.0.0.1", port: raw.remotePort as number });
		expect(sender.remote).toEqual({ address: "127.0.0.1", port });
		const client = tlsConnect({ socket: raw, rejectUnauthorized: false });
		await expectStream(sender, client);
		expect(failures).toEqual([]);
		await sender.close(200);
		client.destroy();
		collector.close();
	});

	test("E13: a closed port → ERROR 12 with the connect error", async () => {
		const port = await freePort();
		const factory = createDataChannelFactory();
		const error = await rejection(factory.connectTcp({ peer: PEER, port, tls: false }));
		expect(error.reason).toBe("connect");
		expect(error.code).toBe(12);
		expect(error.message).toBe(`Data connection to 127.0.0.1:${port} failed: Connection refused`);
	});

	test("E14: a port that drops SYNs → ERROR 12 within the connect bound", async () => {
		const blackHole = await openBlackHole();
		try {
			const factory = createDataChannelFactory({ connectTimeoutMs: 300 });
			const started = performance.now();
			const error = await rejection(factory.connectTcp({ peer: PEER, port: blackHole.port, tls: false }));
			const elapsed = performance.now() - started;
			expect(elapsed).toBeGreaterThanOrEqual(290);
			expect(elapsed).toBeLessThan(800);
			expect(error.reason).toBe("connect-timeout");
			expect(error.message).toBe(
				`Data connection to 127.0.0.1:${blackHole.port} was not established within 0.3 s`,
			);
		} finally {
			blackHole.close();
		}
	});

	test("E12: port 0 → 'Client data port is 0', for TCP and UDP", async () => {
		const factory = createDataChannelFactory();
		for (const attempt of [
			factory.connectTcp({ peer: PEER, port: 0, tls: false }),
			factory.openUdp({ peer: PEER, port: 0, udpstr: false }),
			factory.openUdp({ peer: PEER, port: 0, udpstr: true }),
		]) {
			const error = await rejection(attempt);
			expect(error.reason).toBe("port-zero");
			expect(error.code).toBe(12);
			expect(error.message).toBe("Client data port is 0");
		}
	});
});

describe("UDP", () => {
	test("classic or udpstr per request, a socket of the peer's family connected to the peer's port", async () => {
		const factory = createDataChannelFactory({ udpstr: { flushMs: 5 } });
		for (const family of [4, 6] as const) {
			const host = family === 4 ? "127.0.0.1" : "::1";
			const datagrams: Uint8Array[] = [];
			const receiver = await Bun.udpSocket({
				hostname: host,
				socket: { data: (_socket, data) => void datagrams.push(data.slice()) },
			});
			const peer = { address: host, port: 1 };
			const classic = await factory.openUdp({
				peer,
				port: receiver.port,
				udpstr: false,
				local: { address: host, port: 2002 },
			});
			const udpstr = await factory.openUdp({ peer, port: receiver.port, udpstr: true });
			expect(classic.transport).toBe("udp");
			expect(udpstr.transport).toBe("udpstr");
			expect(classic.remote).toEqual({ address: host, port: receiver.port });
			expect(udpstr.local.address).toBe(host);
			const batch = buildBatch(1, [10, 20]);
			classic.sendBatch(batch.bytes, batch.packets);
			udpstr.sendBatch(batch.bytes, batch.packets);
			await waitUntil(() => datagrams.length === 3, 1000);
			expect(datagrams.map((datagram) => datagram[1]).sort()).toEqual([110, 7, 7].sort());
			await Promise.all([classic.close(100), udpstr.close(100)]);
			receiver.close();
		}
	});

	test("K11: nobody listening (ICMP port unreachable) → one failure with the reason", async () => {
		const port = await freePort();
		const factory = createDataChannelFactory();
		const sender = await factory.openUdp({ peer: PEER, port, udpstr: true });
		const failures: DataFailure[] = [];
		sender.onFailure((failure) => failures.push(failure));
		let npkt = 1;
		await waitUntil(() => {
			const batch = buildBatch(
				npkt,
				Array.from({ length: 40 }, () => 100),
			);
			npkt += 40;
			sender.sendBatch(batch.bytes, batch.packets);
			return failures.length > 0;
		}, 2000);
		await Bun.sleep(20);
		expect(failures).toEqual([{ kind: "error", message: "send(udp) failed: Connection refused" }]);
		await sender.close(100);
	});
});
