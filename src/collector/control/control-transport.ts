// The control connection as the session driver sees it: bytes in and out, endpoints, close (a socket, or a test pipe).

import type { Socket } from "node:net";
import { normalizeAddress } from "./addresses.ts";
import { type SocketStreamHandlers, socketStream } from "./socket-stream.ts";

export type ControlTransportHandlers = SocketStreamHandlers;

export interface ControlTransport {
	/** Our side's address (data channels listen and bind there). */
	readonly localAddress: string;
	/** The sensor's address (data channels are dialled there, and only it may send data). */
	readonly remoteAddress: string;
	readonly remotePort: number;
	/** TLS is on: data channels must be TLS too, and UDP is not allowed. */
	readonly secure: boolean;
	write(bytes: Uint8Array): void;
	setHandlers(handlers: ControlTransportHandlers): void;
	close(): void;
}

/** A connected node:net or TLS socket as a ControlTransport. */
export function socketTransport(socket: Socket, secure: boolean): ControlTransport {
	const stream = socketStream(socket);
	return {
		localAddress: normalizeAddress(socket.localAddress ?? ""),
		remoteAddress: stream.remoteAddress,
		remotePort: socket.remotePort ?? 0,
		secure,
		write(bytes) {
			if (!socket.destroyed) socket.write(bytes);
		},
		setHandlers: stream.setHandlers,
		close: stream.close,
	};
}
