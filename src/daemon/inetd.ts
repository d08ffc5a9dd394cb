// inetd / systemd Accept=yes mode (-i under --compat=libpcap, --inetd): serve the one connection on stdin, then exit.

import { connect, createServer, type Socket } from "node:net";
import type { Logger } from "../observe/logger.ts";
import type { Daemon } from "./daemon.ts";

/**
 * Bun adopts an inherited socket only as a native socket (Bun.connect({ fd })), while TLS sniffing and the session
 * work on node:net sockets; a loopback pair bridges the two. The session is told the real addresses.
 */
export async function serveInetdConnection(daemon: Daemon, log: Logger): Promise<number> {
	let bridgeClient: Socket | null = null;
	const pending: Uint8Array[] = [];
	// Bun.connect adopts an fd at run time; its type declarations lack that overload (FdSocketOptions).
	const connectFd = Bun.connect as unknown as (options: {
		fd: number;
		socket: Parameters<typeof Bun.connect>[0]["socket"];
	}) => ReturnType<typeof Bun.connect>;
	const inherited = await connectFd({
		fd: 0,
		socket: {
			data(_socket, chunk) {
				if (bridgeClient) bridgeClient.write(chunk);
				else pending.push(new Uint8Array(chunk));
			},
			close() {
				bridgeClient?.end();
			},
			error(_socket, error) {
				log.debug("inetd socket error", { error: error.message });
				bridgeClient?.destroy();
			},
		},
	});
	const addresses = {
		local: { address: inherited.localAddress ?? "", port: inherited.localPort ?? 0 },
		peer: { address: inherited.remoteAddress ?? "", port: inherited.remotePort ?? 0 },
	};
	const ended = new Promise<void>((resolve) => {
		const server = createServer({ pauseOnConnect: true }, (socket) => {
			server.close();
			daemon.serve(socket, "passive", () => resolve(), { addresses });
		});
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			if (!address || typeof address !== "object") return;
			const client = connect(address.port, "127.0.0.1", () => {
				bridgeClient = client;
				for (const chunk of pending.splice(0)) client.write(chunk);
			});
			client.on("data", (chunk) => inherited.write(chunk));
			client.on("end", () => inherited.end());
			client.on("error", () => inherited.end());
		});
	});
	await ended;
	await daemon.stop();
	return 0;
}
