// Server-role TLS on an established data socket, bounded in time (rpcap-protocol.md §12.3, §12.4, L7).

import type { Socket } from "node:net";
import { type SecureContext, TLSSocket } from "node:tls";
import { DATA_CHANNEL_CANCELLED, DataChannelError, formatSeconds } from "./data-channel-error.ts";
import { osErrorText } from "./os-error-text.ts";

export const DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** A handshake that can be abandoned (the capture was torn down meanwhile). */
export interface PendingHandshake {
	/** The TLS socket, usable at once: writes wait in it until the handshake completes. */
	readonly socket: TLSSocket;
	readonly secured: Promise<TLSSocket>;
	abort(): void;
}

/**
 * The daemon is always the TLS server, also on connections it dialled: the rpcap client always initiates TLS.
 * On failure or timeout the socket is destroyed and `secured` rejects with a DataChannelError("tls").
 */
export function tlsServerHandshake(
	socket: Socket,
	context: SecureContext,
	timeoutMs: number,
): PendingHandshake {
	const tlsSocket = new TLSSocket(socket, { isServer: true, secureContext: context });
	let settle: ((error: DataChannelError | null) => void) | null = null;
	const secured = new Promise<TLSSocket>((resolve, reject) => {
		const timer = setTimeout(
			() =>
				finish(
					new DataChannelError(
						"tls",
						`Data connection TLS handshake did not complete within ${formatSeconds(timeoutMs)}`,
					),
				),
			timeoutMs,
		);
		const onError = (error: unknown) =>
			finish(new DataChannelError("tls", `Data connection TLS handshake failed: ${osErrorText(error)}`));
		const onClose = () =>
			finish(new DataChannelError("tls", "Data connection TLS handshake failed: connection closed by peer"));
		const onSecure = () => finish(null);
		function finish(error: DataChannelError | null): void {
			if (settle === null) return;
			settle = null;
			clearTimeout(timer);
			tlsSocket.off("secure", onSecure);
			tlsSocket.off("close", onClose);
			tlsSocket.off("error", onError);
			if (error === null) {
				resolve(tlsSocket);
				return;
			}
			// Later errors from the dying socket have nobody to report to.
			tlsSocket.on("error", () => {});
			tlsSocket.destroy();
			socket.destroy();
			reject(error);
		}
		settle = finish;
		tlsSocket.once("secure", onSecure);
		tlsSocket.once("close", onClose);
		tlsSocket.on("error", onError);
	});
	return {
		socket: tlsSocket,
		secured,
		abort() {
			settle?.(new DataChannelError("cancelled", DATA_CHANNEL_CANCELLED));
		},
	};
}
