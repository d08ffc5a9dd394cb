// Brings a control socket up to a session: first-byte sniffing (TLS or plaintext, rpcap-protocol.md §12.2), the server-side TLS handshake, the allow list, then the RPCAP session.

import type { Socket } from "node:net";
import { type SecureContext, TLSSocket } from "node:tls";
import type { Logger } from "../observe/logger.ts";
import { ErrorCode, encodeErrorMessage, RpcapError, readHeader } from "../protocol/index.ts";
import { normalizeIp } from "./data/ip-endpoint.ts";
import type { SocketEndpoint } from "./data/sender.ts";
import type { ConnectionInfo, ControlChannel } from "./session-types.ts";

const TLS_HANDSHAKE_RECORD = 22;
const LINGER_MS = 2000;

export interface ControlConnectionOptions {
	socket: Socket;
	mode: "passive" | "active";
	/** Set when TLS is required on every connection. */
	tls: SecureContext | null;
	/** Passive: close silently when nothing arrives in time; null (active mode) waits as long as the collector. */
	firstByteMs: number | null;
	tlsHandshakeMs: number;
	log: Logger;
	/** Overrides the socket's own addresses (inetd mode, where the socket is a loopback bridge). */
	addresses?: { local: SocketEndpoint; peer: SocketEndpoint };
	/** Passive only: throws RpcapError 10 when the peer is not allowed. */
	checkPeer?: (address: string) => Promise<void>;
	/** Builds the session once the stream is ready; returns its input handlers. */
	startSession(
		channel: ControlChannel,
		acceptedAt: number,
	): { receive(chunk: Uint8Array): void; peerClosed(): void };
	/** The connection ended before a session started (timeout, TLS failure, refusal). */
	onAbandoned?(reason: string): void;
}

export function connectionInfo(
	socket: Socket,
	mode: "passive" | "active",
	tls: boolean,
	addresses?: { local: SocketEndpoint; peer: SocketEndpoint },
): ConnectionInfo {
	const local = addresses?.local ?? { address: socket.localAddress ?? "", port: socket.localPort ?? 0 };
	const peer = addresses?.peer ?? { address: socket.remoteAddress ?? "", port: socket.remotePort ?? 0 };
	const peerAddress = normalizeIp(peer.address);
	return {
		mode,
		tls,
		family: peerAddress.includes(":") ? 6 : 4,
		local: { address: normalizeIp(local.address), port: local.port },
		peer: { address: peerAddress, port: peer.port },
	};
}

/** Sends a last message, half-closes and keeps reading until the peer goes (so no RST eats the message). */
function refuse(socket: Socket, bytes: Uint8Array): void {
	socket.removeAllListeners("data");
	socket.on("data", () => {});
	socket.end(bytes);
	setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

export function serveControlConnection(options: ControlConnectionOptions): void {
	const { socket, log } = options;
	const acceptedAt = performance.now();
	socket.on("error", (error) => log.debug("control socket error", { error: error.message }));
	let settled = false;
	const abandon = (reason: string) => {
		if (settled) return;
		settled = true;
		clearTimeout(firstByteTimer);
		options.onAbandoned?.(reason);
	};
	const firstByteTimer =
		options.firstByteMs === null
			? undefined
			: setTimeout(() => {
					log.debug("no data within the first-byte timeout; closing");
					socket.destroy();
					abandon("first-byte timeout");
				}, options.firstByteMs);
	const closedEarly = () => abandon("connection closed before the session started");
	socket.once("close", closedEarly);
	let pending: Uint8Array = new Uint8Array(0);
	const onData = (chunk: Buffer) => {
		clearTimeout(firstByteTimer);
		pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
		const first = pending[0]!;
		if (options.tls && first !== TLS_HANDSHAKE_RECORD) {
			if (pending.length < 8) return;
			// rpcap-protocol.md §12.2: answer the plaintext client with ERROR 19 in its own ver, then close.
			const header = readHeader(pending);
			log.info("plaintext client refused: TLS is required");
			refuse(
				socket,
				encodeErrorMessage(ErrorCode.TLS_REQUIRED, "TLS is required by this server", header.version),
			);
			abandon("TLS required");
			return;
		}
		if (!options.tls && first === TLS_HANDSHAKE_RECORD) {
			if (pending.length < 3) return;
			log.info("TLS client refused: this server is plaintext");
			refuse(socket, new Uint8Array([0x15, pending[1]!, pending[2]!, 0x00, 0x02, 0x02, 0x28]));
			abandon("TLS on a plaintext server");
			return;
		}
		socket.off("data", onData);
		socket.off("close", closedEarly);
		settled = true;
		socket.pause();
		if (options.tls) startTls(options, pending, acceptedAt);
		else void admit(options, socket, pending, false, acceptedAt);
	};
	socket.on("data", onData);
	socket.resume();
}

function startTls(options: ControlConnectionOptions, firstBytes: Uint8Array, acceptedAt: number): void {
	const { socket, log } = options;
	socket.unshift(firstBytes);
	const secure = new TLSSocket(socket, {
		isServer: true,
		secureContext: options.tls ?? undefined,
	});
	const timer = setTimeout(() => {
		log.info("TLS handshake timed out");
		secure.destroy();
		socket.destroy();
		options.onAbandoned?.("TLS handshake timeout");
	}, options.tlsHandshakeMs);
	secure.once("secure", () => {
		clearTimeout(timer);
		void admit(options, secure, new Uint8Array(0), true, acceptedAt);
	});
	secure.on("error", (error) => {
		clearTimeout(timer);
		log.info("TLS handshake failed", { error: error.message });
		socket.destroy();
		options.onAbandoned?.("TLS handshake failed");
	});
	// No socket.resume() here: TLSSocket takes the paused socket over, and resuming it ourselves breaks the handshake.
}

async function admit(
	options: ControlConnectionOptions,
	stream: Socket,
	firstBytes: Uint8Array,
	tls: boolean,
	acceptedAt: number,
): Promise<void> {
	const info = connectionInfo(options.socket, options.mode, tls, options.addresses);
	if (options.checkPeer) {
		try {
			await options.checkPeer(info.peer.address);
		} catch (error) {
			const refusal =
				error instanceof RpcapError ? error : new RpcapError(ErrorCode.HOSTNOAUTH, String(error));
			options.log.info("host refused by the allow list", { peer: info.peer.address });
			refuse(stream, encodeErrorMessage(refusal.code, refusal.message));
			options.onAbandoned?.("host not allowed");
			return;
		}
	}
	let closing = false;
	const channel: ControlChannel = {
		info,
		send: (bytes) => {
			if (!closing && !stream.destroyed) stream.write(bytes);
		},
		close: () => {
			if (closing) return;
			closing = true;
			stream.end();
			setTimeout(() => stream.destroy(), LINGER_MS).unref();
		},
	};
	const session = options.startSession(channel, acceptedAt);
	let ended = false;
	const peerGone = () => {
		if (ended) return;
		ended = true;
		closing = true;
		session.peerClosed();
	};
	stream.on("data", (chunk: Buffer) => session.receive(chunk));
	stream.on("end", peerGone);
	stream.on("close", peerGone);
	stream.on("error", peerGone);
	if (firstBytes.length > 0) session.receive(firstBytes);
	stream.resume();
}
