import { describe, expect, test } from "bun:test";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import {
	DEFAULT_KEEPALIVE,
	readSendBufferSize,
	readTcpSocketSettings,
	SocketOptionError,
	SocketOptionValueError,
	setReceiveBufferSize,
	setSendBufferSize,
	setTcpKeepalive,
	setTcpUserTimeout,
	socketOptionsSupported,
	tcpBytesAcked,
} from "../../../ffi/socket-options.ts";

function fdOf(socket: Socket): number {
	return (socket as unknown as { _handle: { fd: number } })._handle.fd;
}

async function pair(): Promise<{ server: Socket; client: Socket; close(): void }> {
	const accepted = Promise.withResolvers<Socket>();
	const listener = createServer((socket) => accepted.resolve(socket));
	await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
	const client = connect((listener.address() as AddressInfo).port, "127.0.0.1");
	const server = await accepted.promise;
	listener.close();
	return {
		server,
		client,
		close() {
			server.destroy();
			client.destroy();
		},
	};
}

describe("socket options (Linux)", () => {
	test("are supported on this platform", () => {
		expect(socketOptionsSupported()).toBe(process.platform === "linux");
	});

	test("keepalive defaults: idle 60 s, interval 10 s, 6 probes", async () => {
		expect(DEFAULT_KEEPALIVE).toEqual({ idleSeconds: 60, intervalSeconds: 10, count: 6 });
		const sockets = await pair();
		const fd = fdOf(sockets.server);
		expect(readTcpSocketSettings(fd)?.keepalive).toBe(false);
		expect(setTcpKeepalive(fd)).toBe(true);
		expect(setTcpUserTimeout(fd, 45_000)).toBe(true);
		expect(readTcpSocketSettings(fd)).toMatchObject({
			keepalive: true,
			keepIdleSeconds: 60,
			keepIntervalSeconds: 10,
			keepCount: 6,
			userTimeoutMs: 45_000,
		});
		sockets.close();
	});

	test("send and receive buffers: forced as root, the kernel reports double the request", async () => {
		const sockets = await pair();
		const fd = fdOf(sockets.server);
		const size = setSendBufferSize(fd, 8 << 20);
		expect(size).toBe(readSendBufferSize(fd) as number);
		expect(size).toBeGreaterThanOrEqual(process.getuid?.() === 0 ? 16 << 20 : 4096);
		expect(setReceiveBufferSize(fd, 1 << 20)).toBeGreaterThanOrEqual(
			process.getuid?.() === 0 ? 2 << 20 : 4096,
		);
		sockets.close();
	});

	test("tcpBytesAcked follows what the peer acknowledged", async () => {
		const sockets = await pair();
		const fd = fdOf(sockets.server);
		let received = 0;
		sockets.client.on("data", (chunk: Buffer) => {
			received += chunk.length;
		});
		const before = tcpBytesAcked(fd) as number;
		sockets.server.write(new Uint8Array(100_000));
		while (received < 100_000) await Bun.sleep(2);
		await Bun.sleep(10);
		expect((tcpBytesAcked(fd) as number) - before).toBe(100_000);
		sockets.close();
	});

	test("a bad descriptor is a typed error carrying errno and the OS text", () => {
		try {
			setTcpKeepalive(1_000_000);
			throw new Error("expected SocketOptionError");
		} catch (error) {
			expect(error).toBeInstanceOf(SocketOptionError);
			const failure = error as SocketOptionError;
			expect(failure.errno).toBe(9);
			expect(failure.option).toBe("SO_KEEPALIVE");
			expect(failure.message).toBe("Cannot set SO_KEEPALIVE on socket 1000000: Bad file descriptor");
		}
		expect(() => tcpBytesAcked(1_000_000)).toThrow(SocketOptionError);
	});

	test("out-of-range values are rejected before any call", () => {
		expect(() => setTcpKeepalive(0, { idleSeconds: 0, intervalSeconds: 10, count: 6 })).toThrow(
			SocketOptionValueError,
		);
		expect(() => setTcpKeepalive(0, { idleSeconds: 60, intervalSeconds: 10, count: 128 })).toThrow(
			"Invalid TCP_KEEPCNT value 128",
		);
		expect(() => setTcpUserTimeout(0, -1)).toThrow(SocketOptionValueError);
		expect(() => setSendBufferSize(0, 0)).toThrow(SocketOptionValueError);
	});
});
