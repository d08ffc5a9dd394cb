// Client-opens TCP listener: hands each accepted connection to the capture waiting for that peer address (§13.5).

import { createServer, type Server, type Socket } from "node:net";
import type { Logger } from "../../observe/logger.ts";
import { DATA_PORT_BUSY, DataChannelError } from "./data-channel-error.ts";
import { normalizeIp } from "./ip-endpoint.ts";
import { osErrorText } from "./os-error-text.ts";

/**
 * One listening socket on (address, port). Several captures may wait on it at once (a fixed data port shared by
 * control connections), at most one per peer address. A connection from an address nobody waits for is closed at
 * once and logged, and takes no one's slot (bad-inputs.md E16).
 */
export class DataPortListener {
	private readonly waiters = new Map<string, (socket: Socket) => void>();
	private closed = false;

	private constructor(
		private readonly server: Server,
		readonly address: string,
		readonly port: number,
		private readonly logger: Logger | undefined,
		/** Called once when the listener closes (the owner forgets it). */
		private readonly onClosed: () => void,
	) {
		server.on("connection", (socket) => this.dispatch(socket));
	}

	/** Listens on `address:port` (0 = ephemeral); rejects with DataChannelError("listen") on failure. */
	static open(
		address: string,
		port: number,
		logger?: Logger,
		onClosed: () => void = () => {},
	): Promise<DataPortListener> {
		const host = normalizeIp(address);
		return new Promise((resolve, reject) => {
			const server = createServer({ allowHalfOpen: false });
			const onError = (error: unknown) => {
				server.close();
				const where = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
				reject(
					new DataChannelError(
						"listen",
						`Cannot listen for the data connection on ${where}: ${osErrorText(error)}`,
					),
				);
			};
			server.once("error", onError);
			// Backlog 1 like the reference: one connection per capture is expected.
			server.listen({ host, port, backlog: 1 }, () => {
				server.off("error", onError);
				server.on("error", (error) => logger?.warn("Data listener error", { reason: osErrorText(error) }));
				const bound = server.address();
				const boundPort = typeof bound === "object" && bound !== null ? bound.port : port;
				resolve(new DataPortListener(server, host, boundPort, logger, onClosed));
			});
		});
	}

	get isClosed(): boolean {
		return this.closed;
	}

	get waiting(): number {
		return this.waiters.size;
	}

	/**
	 * Waits for a connection from `peer`; returns a function that withdraws the wait. Throws DataChannelError("busy")
	 * when a capture from the same peer already waits here (E21).
	 */
	expect(peer: string, onSocket: (socket: Socket) => void): () => void {
		const key = normalizeIp(peer);
		if (this.closed || this.waiters.has(key)) throw new DataChannelError("busy", DATA_PORT_BUSY);
		this.waiters.set(key, onSocket);
		return () => {
			if (this.waiters.get(key) === onSocket) this.waiters.delete(key);
			if (this.waiters.size === 0) this.close();
		};
	}

	close(): void {
		if (this.closed) return;
		this.closed = true;
		this.waiters.clear();
		this.server.close();
		this.onClosed();
	}

	private dispatch(socket: Socket): void {
		const peer = normalizeIp(socket.remoteAddress ?? "");
		const waiter = this.waiters.get(peer);
		if (waiter === undefined) {
			this.logger?.warn("Closed a data connection from an unexpected address", {
				peer,
				peerPort: socket.remotePort,
				port: this.port,
			});
			socket.on("error", () => {});
			socket.destroy();
			return;
		}
		this.waiters.delete(peer);
		waiter(socket);
		if (this.waiters.size === 0) this.close();
	}
}
