import { afterAll, describe, expect, test } from "bun:test";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { readTcpSocketSettings } from "../../../../ffi/socket-options.ts";
import { socketFd } from "../../../../src/daemon/data/ip-endpoint.ts";
import type { DataFailure } from "../../../../src/daemon/data/sender.ts";
import { TcpDataSender } from "../../../../src/daemon/data/tcp-sender.ts";
import { tlsServerHandshake } from "../../../../src/daemon/data/tls-server-handshake.ts";
import { removeTestTlsMaterial, testTlsContext } from "../../../conformance/support/data-sender-harness.ts";
import { buildBatch, waitUntil } from "../../../conformance/support/packet-batches.ts";

afterAll(() => removeTestTlsMaterial());

/** A connected pair over 127.0.0.1: `daemon` is the side a sender writes to, `client` receives. */
async function socketPair(): Promise<{ daemon: Socket; client: Socket }> {
	const accepted = Promise.withResolvers<Socket>();
	const server = createServer((socket) => accepted.resolve(socket));
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const client = connect((server.address() as AddressInfo).port, "127.0.0.1");
	client.on("error", () => {});
	const daemon = await accepted.promise;
	server.close();
	return { daemon, client };
}

describe("TCP data sender", () => {
	test("applies keepalive (60 s / 10 s / 6) and a user timeout to the data socket", async () => {
		const { daemon, client } = await socketPair();
		const sender = new TcpDataSender(daemon);
		const settings = readTcpSocketSettings(socketFd(daemon) as number);
		expect(settings).toMatchObject({
			keepalive: true,
			keepIdleSeconds: 60,
			keepIntervalSeconds: 10,
			keepCount: 6,
			userTimeoutMs: 120_000,
		});
		await sender.close(100);
		client.destroy();
	});

	test("keepalive parameters are configurable", async () => {
		const { daemon, client } = await socketPair();
		const sender = new TcpDataSender(daemon, {
			keepalive: { idleSeconds: 5, intervalSeconds: 2, count: 3 },
			userTimeoutMs: 11_000,
		});
		expect(readTcpSocketSettings(socketFd(daemon) as number)).toMatchObject({
			keepIdleSeconds: 5,
			keepIntervalSeconds: 2,
			keepCount: 3,
			userTimeoutMs: 11_000,
		});
		await sender.close(100);
		client.destroy();
	});

	test("K12: a client that stops reading → bounded queue, drops counted, then one 'stalled' failure", async () => {
		const { daemon, client } = await socketPair();
		client.pause();
		const queueLimitBytes = 1 << 20;
		const sender = new TcpDataSender(daemon, { queueLimitBytes, stallTimeoutMs: 300 });
		const failures: DataFailure[] = [];
		sender.onFailure((failure) => failures.push(failure));
		const batch = buildBatch(
			1,
			Array.from({ length: 64 }, () => 1500),
		);
		const started = performance.now();
		let maxQueued = 0;
		while (failures.length === 0 && performance.now() - started < 3000) {
			sender.sendBatch(batch.bytes, batch.packets);
			maxQueued = Math.max(maxQueued, sender.counters().queuedBytes);
			await Bun.sleep(2);
		}
		const elapsed = performance.now() - started;
		expect(failures).toEqual([{ kind: "stalled", message: "Data connection stalled" }]);
		expect(elapsed).toBeGreaterThanOrEqual(300);
		expect(elapsed).toBeLessThan(1500);
		expect(maxQueued).toBeLessThanOrEqual(queueLimitBytes + batch.bytes.length);
		const counters = sender.counters();
		expect(counters.packetsDropped).toBeGreaterThan(0);
		expect(counters.queuedBytes).toBe(0);
		await sender.close(100);
		await Bun.sleep(20);
		expect(failures).toHaveLength(1);
		client.destroy();
	});

	test("a slow reader that makes progress is not declared stalled", async () => {
		const { daemon, client } = await socketPair();
		client.pause();
		const sender = new TcpDataSender(daemon, { stallTimeoutMs: 200 });
		const failures: DataFailure[] = [];
		sender.onFailure((failure) => failures.push(failure));
		const batch = buildBatch(
			1,
			Array.from({ length: 100 }, () => 9000),
		);
		for (let i = 0; i < 20; i++) sender.sendBatch(batch.bytes, batch.packets);
		expect(sender.counters().queuedBytes).toBeGreaterThan(0);
		// Read a little every 50 ms for 600 ms: there is always pending data, and always progress.
		for (let i = 0; i < 12; i++) {
			await Bun.sleep(50);
			client.read(64 * 1024);
		}
		expect(failures).toEqual([]);
		await sender.close(0);
		client.destroy();
	});

	test("close() with a client that never reads is bounded by the flush timeout and counts the rest", async () => {
		const { daemon, client } = await socketPair();
		client.pause();
		const sender = new TcpDataSender(daemon);
		const batch = buildBatch(
			1,
			Array.from({ length: 100 }, () => 9000),
		);
		for (let i = 0; i < 20; i++) sender.sendBatch(batch.bytes, batch.packets);
		const started = performance.now();
		await sender.close(200);
		expect(performance.now() - started).toBeLessThan(600);
		const counters = sender.counters();
		expect(counters.packetsSent + counters.packetsDropped).toBe(20 * 100);
		expect(counters.packetsDropped).toBeGreaterThan(0);
		client.destroy();
	});

	test("J7: the client resetting an idle data connection fails the channel as peer-closed", async () => {
		const { daemon, client } = await socketPair();
		const sender = new TcpDataSender(daemon);
		const failures: DataFailure[] = [];
		sender.onFailure((failure) => failures.push(failure));
		client.resetAndDestroy();
		await waitUntil(() => failures.length > 0, 1000);
		expect(failures).toEqual([{ kind: "peer-closed", message: "Data connection closed by peer" }]);
	});

	test("a failure that happened before onFailure was registered is still delivered, once", async () => {
		const { daemon, client } = await socketPair();
		const sender = new TcpDataSender(daemon);
		client.end();
		await Bun.sleep(50);
		const failures: DataFailure[] = [];
		sender.onFailure((failure) => failures.push(failure));
		await Bun.sleep(5);
		expect(failures).toEqual([{ kind: "peer-closed", message: "Data connection closed by peer" }]);
	});

	test("server-opens TLS: batches wait for the handshake the client starts later, then flow", async () => {
		const { daemon, client } = await socketPair();
		const handshake = tlsServerHandshake(daemon, testTlsContext(), 2000);
		const sender = new TcpDataSender(handshake.socket, { handshake: handshake.secured, tcpSocket: daemon });
		expect(sender.local).toEqual({ address: "127.0.0.1", port: daemon.localPort as number });
		expect(sender.remote).toEqual({ address: "127.0.0.1", port: daemon.remotePort as number });
		expect(readTcpSocketSettings(socketFd(daemon) as number)?.keepalive).toBe(true);
		const batch = buildBatch(1, [10, 20, 30]);
		sender.sendBatch(batch.bytes, batch.packets);
		await Bun.sleep(50);
		const secureClient = tlsConnect({ socket: client, rejectUnauthorized: false });
		let received = 0;
		secureClient.on("data", (chunk: Buffer) => {
			received += chunk.length;
		});
		await waitUntil(() => received === batch.bytes.length, 2000);
		expect(received).toBe(batch.bytes.length);
		await sender.close(500);
		expect(sender.counters().packetsSent).toBe(3);
		secureClient.destroy();
	});

	test("server-opens TLS: a client that never starts the handshake fails the channel (L7)", async () => {
		const { daemon, client } = await socketPair();
		const handshake = tlsServerHandshake(daemon, testTlsContext(), 200);
		const sender = new TcpDataSender(handshake.socket, { handshake: handshake.secured });
		const failures: DataFailure[] = [];
		sender.onFailure((failure) => failures.push(failure));
		const batch = buildBatch(1, [10]);
		sender.sendBatch(batch.bytes, batch.packets);
		await waitUntil(() => failures.length > 0, 2000);
		expect(failures).toEqual([
			{ kind: "handshake", message: "Data connection TLS handshake did not complete within 0.2 s" },
		]);
		expect(sender.counters()).toMatchObject({ packetsSent: 0, packetsDropped: 1 });
		client.destroy();
	});
});
