// Dials a passive sensor's control port (plain or TLS), bounded in time, as a ControlTransport.

import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { setTcpKeepalive } from "../../../ffi/socket-options.ts";
import { formatHostPort, socketFd } from "../control/addresses.ts";
import { type ControlTransport, socketTransport } from "../control/control-transport.ts";
import type { TlsClientSettings } from "../data/data-channels.ts";
import { tlsOptions } from "../data/socket-data-channels.ts";
import { SessionError } from "../errors.ts";

/** Connect and TLS handshake bound. */
export const CONTROL_CONNECT_TIMEOUT_MS = 10_000;

/** TCP keepalive so a silently dead sensor is noticed (rpcap-protocol.md §14.2). */
export function tuneControlSocket(socket: Socket): void {
	const fd = socketFd(socket);
	if (fd === null) return;
	try {
		setTcpKeepalive(fd);
	} catch {
		// Keepalive is a bonus; the connection works without it.
	}
}

export function dialControl(
	host: string,
	port: number,
	tls: TlsClientSettings | null,
	signal?: AbortSignal,
	timeoutMs = CONTROL_CONNECT_TIMEOUT_MS,
): Promise<ControlTransport> {
	const target = formatHostPort(host, port);
	const socket = tls === null ? netConnect({ host, port }) : tlsConnect({ host, port, ...tlsOptions(tls) });
	const ready = tls === null ? "connect" : "secureConnect";
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => fail(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
		const onAbort = () => fail(new Error("cancelled"));
		signal?.addEventListener("abort", onAbort, { once: true });
		function fail(error: Error): void {
			clearTimeout(timer);
			signal?.removeEventListener("abort", onAbort);
			socket.off(ready, onReady);
			socket.on("error", () => {});
			socket.destroy();
			reject(
				new SessionError(tls === null ? "connect" : "tls", `Cannot connect to ${target}: ${error.message}`),
			);
		}
		function onReady(): void {
			clearTimeout(timer);
			signal?.removeEventListener("abort", onAbort);
			socket.off("error", fail);
			tuneControlSocket(socket);
			resolve(socketTransport(socket, tls !== null));
		}
		socket.once(ready, onReady);
		socket.once("error", fail);
		if (signal?.aborted) onAbort();
	});
}
