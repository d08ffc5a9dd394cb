// The control connection as the session driver sees it: bytes in and out, endpoints, close (a socket, or a test pipe).

import type { Socket } from "node:net";
import { normalizeAddress } from "./addresses.ts";

export interface ControlTransportHandlers {
	data(chunk: Uint8Array): void;
	/** The connection is gone (EOF, reset, or close()); `error` when it failed. Called once. */
	end(error: Error | null): void;
}

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
	let handlers: ControlTransportHandlers | null = null;
	let ended = false;
	let failure: Error | null = null;
	const buffered: Uint8Array[] = [];
	const finish = () => {
		if (ended) return;
		ended = true;
		handlers?.end(failure);
	};
	socket.on("data", (chunk: Buffer) => {
		if (handlers === null) buffered.push(chunk);
		else handlers.data(chunk);
	});
	socket.on("error", (error: Error) => {
		failure ??= error;
	});
	socket.on("close", finish);
	return {
		localAddress: normalizeAddress(socket.localAddress ?? ""),
		remoteAddress: normalizeAddress(socket.remoteAddress ?? ""),
		remotePort: socket.remotePort ?? 0,
		secure,
		write(bytes) {
			if (!ended && !socket.destroyed) socket.write(bytes);
		},
		setHandlers(next) {
			handlers = next;
			for (const chunk of buffered.splice(0)) next.data(chunk);
			if (socket.destroyed) finish();
		},
		close() {
			socket.destroy();
		},
	};
}
