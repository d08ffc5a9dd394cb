// A stand-in for an active-mode collector on loopback: accepts the daemon's control connections, records them, and optionally answers each with scripted bytes.

import { createServer, type Server, type Socket } from "node:net";

export interface CollectorConnection {
	socket: Socket;
	openedAt: number;
	closedAt: number | null;
	received: Buffer[];
}

export class FakeCollector {
	readonly connections: CollectorConnection[] = [];
	private server: Server | null = null;

	constructor(private readonly onConnection?: (c: CollectorConnection) => void) {}

	async listen(port = 0, host = "127.0.0.1"): Promise<number> {
		this.server = createServer((socket) => {
			const c: CollectorConnection = { socket, openedAt: performance.now(), closedAt: null, received: [] };
			this.connections.push(c);
			socket.on("data", (d: Buffer) => c.received.push(d));
			socket.on("close", () => {
				c.closedAt = performance.now();
			});
			socket.on("error", () => {});
			this.onConnection?.(c);
		});
		await new Promise<void>((resolve) => this.server?.listen(port, host, resolve));
		const address = this.server.address();
		if (!address || typeof address !== "object") throw new Error("no address");
		return address.port;
	}

	get open(): CollectorConnection[] {
		return this.connections.filter((c) => c.closedAt === null);
	}

	async close(): Promise<void> {
		for (const c of this.connections) c.socket.destroy();
		await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
	}
}

export async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!predicate()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await Bun.sleep(20);
	}
}
