// A connected node:net or TLS socket as a byte stream with one set of handlers: what control connections and TCP
// data channels share. Data that arrives before the handlers are set is kept for them, and so is the end.

import type { Socket } from "node:net";
import { normalizeAddress } from "./addresses.ts";

export interface SocketStreamHandlers {
	data(chunk: Uint8Array): void;
	/** The connection is gone (EOF, reset, or close()); `error` when it failed. Called once. */
	end(error: Error | null): void;
}

export interface SocketStream {
	readonly remoteAddress: string;
	setHandlers(handlers: SocketStreamHandlers): void;
	close(): void;
}

export function socketStream(socket: Socket): SocketStream {
	let handlers: SocketStreamHandlers | null = null;
	const early: Uint8Array[] = [];
	let closed = false;
	let delivered = false;
	let failure: Error | null = null;
	const deliverEnd = () => {
		if (handlers === null || delivered) return;
		delivered = true;
		handlers.end(failure);
	};
	socket.on("data", (chunk: Buffer) => {
		if (handlers === null) early.push(chunk);
		else handlers.data(chunk);
	});
	socket.on("error", (error: Error) => {
		failure ??= error;
	});
	socket.on("close", () => {
		closed = true;
		deliverEnd();
	});
	return {
		remoteAddress: normalizeAddress(socket.remoteAddress ?? ""),
		setHandlers(next) {
			handlers = next;
			for (const chunk of early.splice(0)) next.data(chunk);
			if (closed || socket.destroyed) deliverEnd();
		},
		close() {
			socket.destroy();
		},
	};
}
