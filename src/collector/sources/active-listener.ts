// --listen: accepts any number of active sensors; TLS client handshake on each when --tls (§12.3, §13.4).

import { createServer, type Server, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { normalizeAddress } from "../control/addresses.ts";
import { type ControlTransport, socketTransport } from "../control/control-transport.ts";
import type { TlsClientSettings } from "../data/data-channels.ts";
import { tlsOptions } from "../data/socket-data-channels.ts";
import { CollectorOptionError } from "../errors.ts";
import { CONTROL_CONNECT_TIMEOUT_MS, tuneControlSocket } from "./dial-control.ts";

export interface ActiveListenerHooks {
	/** A sensor connected (and finished its TLS handshake). */
	sensor(transport: ControlTransport): void;
	/** A connection failed before it became a session (TLS handshake). */
	rejected(address: string, reason: string): void;
}

/** The default active-mode port (rpcap-protocol.md §0). */
export const DEFAULT_ACTIVE_PORT = 2003;

export class ActiveListener {
	private constructor(
		private readonly server: Server,
		private readonly handshakes: Set<Socket>,
		readonly port: number,
	) {}

	static listen(
		host: string,
		port: number,
		tls: TlsClientSettings | null,
		hooks: ActiveListenerHooks,
	): Promise<ActiveListener> {
		return new Promise((resolve, reject) => {
			const handshakes = new Set<Socket>();
			const server = createServer((socket) => {
				tuneControlSocket(socket);
				if (tls === null) {
					hooks.sensor(socketTransport(socket, false));
					return;
				}
				const address = normalizeAddress(socket.remoteAddress ?? "");
				const secure = tlsConnect({ socket, ...tlsOptions(tls) });
				handshakes.add(secure);
				const timer = setTimeout(
					() => secure.destroy(new Error("TLS handshake timed out")),
					CONTROL_CONNECT_TIMEOUT_MS,
				);
				const done = () => {
					clearTimeout(timer);
					handshakes.delete(secure);
				};
				secure.once("secureConnect", () => {
					done();
					secure.removeAllListeners("error");
					hooks.sensor(socketTransport(secure, true));
				});
				secure.once("error", (error) => {
					done();
					secure.destroy();
					hooks.rejected(address, `TLS handshake failed: ${error.message}`);
				});
			});
			server.once("error", (error) =>
				reject(new CollectorOptionError(`Cannot listen on ${host}:${port}: ${error.message}`)),
			);
			server.listen(port, host, () => {
				const address = server.address();
				const bound = typeof address === "object" && address !== null ? address.port : port;
				resolve(new ActiveListener(server, handshakes, bound));
			});
		});
	}

	/** Stops accepting; sessions already running are stopped by their owner. */
	close(): void {
		this.server.close();
		for (const socket of this.handshakes) socket.destroy();
		this.handshakes.clear();
	}
}
