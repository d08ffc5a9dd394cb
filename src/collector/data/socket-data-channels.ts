// Real data channels: node:net/TLS streams and a Bun UDP socket, each bounded in time, sensor address checked.

import { createServer, isIP, connect as netConnect, type Server, type Socket } from "node:net";
import { type ConnectionOptions, checkServerIdentity, connect as tlsConnect } from "node:tls";
import { setReceiveBufferSize, setTcpKeepalive } from "../../../ffi/socket-options.ts";
import { formatHostPort, normalizeAddress, socketFd } from "../control/addresses.ts";
import { socketStream } from "../control/socket-stream.ts";
import { SessionError } from "../errors.ts";
import type {
	DataChannelFactory,
	DatagramChannel,
	StreamChannel,
	StreamListener,
	TlsClientSettings,
} from "./data-channels.ts";

/** TLS client options for node:tls from our settings. */
export function tlsOptions(tls: TlsClientSettings): ConnectionOptions {
	const name = tls.servername;
	const options: ConnectionOptions = {
		rejectUnauthorized: tls.verify,
		...(tls.ca === undefined ? {} : { ca: tls.ca }),
		// Without a name (active sensors) only the chain is verified; SNI must not carry an IP address.
		checkServerIdentity: (_host, certificate) =>
			name === undefined ? undefined : checkServerIdentity(name, certificate),
	};
	if (name !== undefined && isIP(name) === 0) options.servername = name;
	return options;
}

function keepalive(socket: Socket): void {
	const fd = socketFd(socket);
	if (fd === null) return;
	try {
		setTcpKeepalive(fd);
	} catch {
		// Dead-peer detection is a bonus here; the stream works without it.
	}
}

/** Resolves once `socket` (plain or TLS) is connected, or rejects after `timeoutMs` / on error, destroying it. */
function connected(
	socket: Socket,
	event: "connect" | "secureConnect",
	timeoutMs: number,
	what: string,
): Promise<Socket> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(
			() => fail(new Error(`not established within ${timeoutMs / 1000} s`)),
			timeoutMs,
		);
		const onReady = () => {
			clearTimeout(timer);
			socket.off("error", fail);
			resolve(socket);
		};
		function fail(error: Error): void {
			clearTimeout(timer);
			socket.off(event, onReady);
			socket.on("error", () => {});
			socket.destroy();
			reject(new SessionError("data", `${what}: ${error.message}`));
		}
		socket.once(event, onReady);
		socket.once("error", fail);
	});
}

async function openDatagram(localAddress: string, receiveBufferBytes: number): Promise<DatagramChannel> {
	let handler: (datagram: Uint8Array, address: string) => void = () => {};
	const socket = await Bun.udpSocket({
		hostname: localAddress,
		port: 0,
		socket: {
			data(_socket, datagram, _port, address) {
				handler(datagram, address);
			},
		},
	});
	const fd = (socket as unknown as { fd?: unknown }).fd;
	const setBuffer = (bytes: number): number | null => {
		if (typeof fd !== "number") return null;
		try {
			return setReceiveBufferSize(fd, bytes);
		} catch {
			return null;
		}
	};
	setBuffer(receiveBufferBytes);
	return {
		port: socket.port,
		setHandler(next) {
			handler = next;
		},
		setReceiveBufferSize: setBuffer,
		close() {
			handler = () => {};
			socket.close();
		},
	};
}

function listenStream(
	localAddress: string,
	sensorAddress: string,
	timeoutMs: number,
	tls: TlsClientSettings | null,
): Promise<StreamListener> {
	const sensor = normalizeAddress(sensorAddress);
	return new Promise((resolveListener, rejectListener) => {
		let settle: ((result: StreamChannel | Error) => void) | null = null;
		const accepted = new Promise<StreamChannel>((resolve, reject) => {
			settle = (result) => (result instanceof Error ? reject(result) : resolve(result));
		});
		accepted.catch(() => {});
		let timer: ReturnType<typeof setTimeout> | null = null;
		const finish = (result: StreamChannel | Error) => {
			if (timer !== null) clearTimeout(timer);
			server.close();
			const done = settle;
			settle = null;
			done?.(result);
		};
		const server: Server = createServer({ pauseOnConnect: false }, (socket) => {
			if (settle === null || normalizeAddress(socket.remoteAddress ?? "") !== sensor) {
				// Only the sensor may deliver its data (rpcap-protocol.md §13.5).
				socket.destroy();
				return;
			}
			keepalive(socket);
			if (tls === null) {
				finish(socketStream(socket));
				return;
			}
			const secure = tlsConnect({ socket, ...tlsOptions(tls) });
			connected(secure, "secureConnect", timeoutMs, "Data connection TLS handshake failed").then(
				(ready) => finish(socketStream(ready)),
				(error: Error) => finish(error),
			);
		});
		server.once("error", (error) =>
			rejectListener(
				new SessionError(
					"data",
					`Cannot listen for the data connection on ${localAddress}: ${error.message}`,
				),
			),
		);
		server.listen(0, localAddress, () => {
			const address = server.address();
			const port = typeof address === "object" && address !== null ? address.port : 0;
			timer = setTimeout(
				() =>
					finish(
						new SessionError("data", `Data connection was not established within ${timeoutMs / 1000} s`),
					),
				timeoutMs,
			);
			resolveListener({
				port,
				accepted,
				close: () => finish(new SessionError("data", "Data connection listener closed")),
			});
		});
	});
}

async function dialStream(
	address: string,
	port: number,
	timeoutMs: number,
	tls: TlsClientSettings | null,
): Promise<StreamChannel> {
	const target = formatHostPort(address, port);
	const socket =
		tls === null
			? netConnect({ host: address, port })
			: tlsConnect({ host: address, port, ...tlsOptions(tls) });
	const ready = await connected(
		socket,
		tls === null ? "connect" : "secureConnect",
		timeoutMs,
		`Data connection to ${target} failed`,
	);
	keepalive(ready);
	return socketStream(ready);
}

export const socketDataChannels: DataChannelFactory = { openDatagram, listenStream, dialStream };
