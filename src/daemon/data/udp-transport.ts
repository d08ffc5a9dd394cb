// A connected UDP socket behind a small interface (Bun.udpSocket in the daemon, scripted fakes in tests).

import { setSendBufferSize } from "../../../ffi/socket-options.ts";
import type { Logger } from "../../observe/logger.ts";
import { ipFamily, normalizeIp } from "./ip-endpoint.ts";
import { osErrorText } from "./os-error-text.ts";
import type { SocketEndpoint } from "./sender.ts";

export interface DatagramTransportHandlers {
	/** The socket can take datagrams again after a partial `sendMany`. */
	drain(): void;
	/** An asynchronous socket error (e.g. ECONNREFUSED from an ICMP port unreachable, bad-inputs.md K11). */
	error(error: Error): void;
}

export interface DatagramTransport {
	readonly local: SocketEndpoint;
	readonly remote: SocketEndpoint;
	readonly family: 4 | 6;
	/** Sends in order; returns how many were accepted, stopping at the first the kernel did not take. */
	sendMany(datagrams: readonly Uint8Array[]): number;
	setHandlers(handlers: DatagramTransportHandlers): void;
	close(): void;
}

/** fork default (-u): 8 MiB, so bursts are absorbed by the kernel rather than our queue (extrahop-udpstr.md §8.3). */
export const DEFAULT_UDP_SEND_BUFFER_BYTES = 8 * 1024 * 1024;

export interface UdpTransportOptions {
	/** Source address to bind (the control connection's local address); default the wildcard of the family. */
	localAddress?: string;
	/** SO_SNDBUF(FORCE) for the socket (default 8 MiB); 0 keeps the OS default. */
	sendBufferBytes?: number;
	logger?: Logger;
}

const noHandlers: DatagramTransportHandlers = { drain() {}, error() {} };

/** Bun's error handler is called with the error as its only argument (Bun 1.4.4; its typings say otherwise). */
function errorArgument(args: readonly unknown[]): Error {
	for (const arg of args) if (arg instanceof Error) return arg;
	return new Error("Unknown UDP socket error");
}

/** A UDP socket of the peer's family, connected to `address:port`, with an ephemeral source port. */
export async function openUdpTransport(
	address: string,
	port: number,
	options: UdpTransportOptions = {},
): Promise<DatagramTransport> {
	const hostname = normalizeIp(address);
	const family = ipFamily(hostname);
	let handlers = noHandlers;
	const socket = await Bun.udpSocket({
		hostname:
			options.localAddress === undefined
				? family === 6
					? "::"
					: "0.0.0.0"
				: normalizeIp(options.localAddress),
		connect: { hostname, port },
		socket: {
			drain() {
				handlers.drain();
			},
			error(...args: unknown[]) {
				handlers.error(errorArgument(args));
			},
		},
	});
	const fd = (socket as unknown as { fd?: unknown }).fd;
	const sendBuffer = options.sendBufferBytes ?? DEFAULT_UDP_SEND_BUFFER_BYTES;
	if (typeof fd === "number" && sendBuffer > 0) {
		try {
			setSendBufferSize(fd, sendBuffer);
		} catch (error) {
			options.logger?.warn("Cannot set the UDP data socket's send buffer", { reason: osErrorText(error) });
		}
	}
	return {
		local: { address: normalizeIp(socket.address.address), port: socket.address.port },
		remote: { address: normalizeIp(socket.remoteAddress.address), port: socket.remoteAddress.port },
		family,
		sendMany: (datagrams) => socket.sendMany(datagrams),
		setHandlers(next) {
			handlers = next;
		},
		close() {
			handlers = noHandlers;
			socket.close();
		},
	};
}
