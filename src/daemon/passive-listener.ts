// Passive-mode listeners: one socket per bind address (IPv6 ones v6-only), a connection limit, and each accepted socket handed on.

import { createServer, type Server, type Socket } from "node:net";
import type { Logger } from "../observe/logger.ts";
import { ErrorCode, encodeErrorMessage } from "../protocol/index.ts";

export class ListenError extends Error {
	override readonly name = "ListenError";
}

export interface PassiveListenerOptions {
	/** Empty: all addresses (a v6-only `::` socket and a `0.0.0.0` socket, or only the latter with ipv4Only). */
	addresses: readonly string[];
	port: number;
	ipv4Only: boolean;
	maxClients: number;
	log: Logger;
	onConnection(socket: Socket, release: () => void): void;
}

function bindTargets(options: PassiveListenerOptions): string[] {
	if (options.addresses.length > 0) return [...options.addresses];
	return options.ipv4Only ? ["0.0.0.0"] : ["::", "0.0.0.0"];
}

function listen(server: Server, host: string, port: number): Promise<void> {
	return new Promise((resolve, reject) => {
		server.once("error", reject);
		server.listen({ host, port, ipv6Only: host.includes(":") }, () => {
			server.off("error", reject);
			resolve();
		});
	});
}

export class PassiveListener {
	private readonly servers: Server[] = [];
	private clients = 0;

	constructor(private readonly options: PassiveListenerOptions) {}

	get activeClients(): number {
		return this.clients;
	}

	/** Binds every address; fails only when none could be bound ("Can't listen on any address"). */
	async start(): Promise<{ address: string; port: number }[]> {
		const bound: { address: string; port: number }[] = [];
		const failures: string[] = [];
		for (const host of bindTargets(this.options)) {
			const server = createServer({ pauseOnConnect: true }, (socket) => this.accept(socket));
			try {
				await listen(server, host, this.options.port);
				const address = server.address();
				if (address && typeof address === "object")
					bound.push({ address: address.address, port: address.port });
				this.servers.push(server);
			} catch (error) {
				failures.push(`${host}:${this.options.port}: ${(error as Error).message}`);
			}
		}
		for (const failure of failures) this.options.log.warn(`cannot listen on ${failure}`);
		if (bound.length === 0) throw new ListenError(`Cannot listen on any address (${failures.join("; ")})`);
		return bound;
	}

	private accept(socket: Socket): void {
		if (this.clients >= this.options.maxClients) {
			this.options.log.warn("connection refused: too many connections", { peer: socket.remoteAddress });
			socket.on("error", () => {});
			socket.end(encodeErrorMessage(ErrorCode.NETW, "Too many connections; try again later"));
			setTimeout(() => socket.destroy(), 2000).unref();
			return;
		}
		this.clients++;
		let released = false;
		this.options.onConnection(socket, () => {
			if (released) return;
			released = true;
			this.clients--;
		});
	}

	/**
	 * Stops accepting. Existing connections are the daemon's to end: server.close()'s callback waits for them all,
	 * so it is not awaited here (a capturing client would otherwise hold the shutdown forever).
	 */
	stop(): void {
		for (const server of this.servers) server.close();
		this.servers.length = 0;
	}
}
