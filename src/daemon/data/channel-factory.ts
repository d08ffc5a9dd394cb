// Establishes data channels (client-opens TCP, server-opens TCP, UDP classic/udpstr), each bounded in time (§7.3, §13.5).

import type { Socket } from "node:net";
import type { SecureContext } from "node:tls";
import type { Logger } from "../../observe/logger.ts";
import {
	acceptTimeoutMessage,
	CLIENT_DATA_PORT_ZERO,
	DataChannelError,
	TLS_NOT_CONFIGURED,
} from "./data-channel-error.ts";
import { DataPortListener } from "./data-port-listener.ts";
import { normalizeIp } from "./ip-endpoint.ts";
import { osErrorText } from "./os-error-text.ts";
import { PendingChannel, type PendingDataConnection } from "./pending-channel.ts";
import type { DataSender, SocketEndpoint } from "./sender.ts";
import { DEFAULT_CONNECT_TIMEOUT_MS, dialTcp } from "./tcp-connect.ts";
import { TcpDataSender, type TcpSenderOptions } from "./tcp-sender.ts";
import { DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS, tlsServerHandshake } from "./tls-server-handshake.ts";
import { ClassicUdpSender } from "./udp-classic-sender.ts";
import type { UdpSenderOptions } from "./udp-sender-base.ts";
import { type DatagramTransport, openUdpTransport } from "./udp-transport.ts";
import { UdpstrSender, type UdpstrSenderOptions } from "./udpstr-sender.ts";

export const DEFAULT_ACCEPT_TIMEOUT_MS = 10_000;

export interface ListenTcpRequest {
	/** The control connection's local address: the listener binds there (same family, §13.5). */
	local: SocketEndpoint;
	/** The control connection's peer: only connections from its IP are accepted. */
	peer: SocketEndpoint;
	/** Server-role TLS handshake before the sender is delivered. */
	tls: boolean;
}

export interface ConnectTcpRequest {
	/** The control connection's peer; the data connection goes to its IP at `port`. */
	peer: SocketEndpoint;
	port: number;
	/** Server-role TLS on the connection the daemon dialled (§12.3). */
	tls: boolean;
	/** Source address for the connection (the control connection's local address); default: the kernel's choice. */
	local?: SocketEndpoint;
}

export interface OpenUdpRequest {
	peer: SocketEndpoint;
	port: number;
	/** udpstr framing (extrahop-udpstr.md §8.2) instead of one PACKET per datagram. */
	udpstr: boolean;
	/** Source address for the socket (the control connection's local address); default: the wildcard. */
	local?: SocketEndpoint;
}

/** How a session obtains data channels; the daemon uses createDataChannelFactory, session tests a fake. */
export interface DataChannelFactory {
	/**
	 * Client-opens TCP: listens and resolves with the port to announce in STARTCAP_REPLY; `accepted` follows once
	 * the control peer has connected (and finished TLS) within the accept bound. Rejects with DataChannelError.
	 */
	listenTcp(request: ListenTcpRequest): Promise<PendingDataConnection>;
	/**
	 * Server-opens TCP: resolves with the sender once connected (10 s bound), so STARTCAP_REPLY can follow. With
	 * TLS the handshake is still running then — the client starts it only after reading the reply — and batches
	 * wait in the TLS socket; a handshake failure or timeout is reported through `onFailure` (kind "error").
	 * Rejects with DataChannelError.
	 */
	connectTcp(request: ConnectTcpRequest): Promise<DataSender>;
	/** UDP (DGRAM): a socket of the peer's family connected to peer IP : `port`. Rejects with DataChannelError. */
	openUdp(request: OpenUdpRequest): Promise<DataSender>;
}

export interface DataChannelFactoryOptions {
	/** Fixed client-opens data port shared by every control connection; 0 or absent: an ephemeral port per capture. */
	dataPort?: number;
	/** Client-opens accept bound (default 10 s). */
	acceptTimeoutMs?: number;
	/** Server-opens connect bound (default 10 s). */
	connectTimeoutMs?: number;
	/** Data-channel TLS handshake bound (default 10 s). */
	tlsHandshakeTimeoutMs?: number;
	/** Certificate and key for server-role TLS on data channels that ask for it (rpcap-protocol.md §12.4). */
	tls?: SecureContext;
	tcp?: Omit<TcpSenderOptions, "logger">;
	/** UDP senders; `sendBufferBytes` is SO_SNDBUF(FORCE) for the socket (default 8 MiB). */
	udp?: Omit<UdpSenderOptions, "logger"> & { sendBufferBytes?: number };
	udpstr?: Pick<UdpstrSenderOptions, "datagramSize" | "flushMs" | "maxRecordStarts">;
	logger?: Logger;
}

function checkPort(port: number): void {
	if (port === 0) throw new DataChannelError("port-zero", CLIENT_DATA_PORT_ZERO);
}

/** The daemon's factory: one per process, so a fixed data port is shared by every control connection. */
export function createDataChannelFactory(options: DataChannelFactoryOptions = {}): DataChannelFactory {
	const logger = options.logger;
	const acceptTimeoutMs = options.acceptTimeoutMs ?? DEFAULT_ACCEPT_TIMEOUT_MS;
	const handshakeTimeoutMs = options.tlsHandshakeTimeoutMs ?? DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS;
	const tcpOptions: TcpSenderOptions = { ...options.tcp, ...(logger === undefined ? {} : { logger }) };
	/** Shared listeners of the fixed data port, by local address (opening ones included). */
	const sharedListeners = new Map<string, Promise<DataPortListener>>();

	function sharedListener(address: string, port: number): Promise<DataPortListener> {
		const existing = sharedListeners.get(address);
		if (existing !== undefined) return existing;
		const opening = DataPortListener.open(address, port, logger, () => {
			if (sharedListeners.get(address) === opening) sharedListeners.delete(address);
		});
		sharedListeners.set(address, opening);
		opening.catch(() => sharedListeners.delete(address));
		return opening;
	}

	function tlsContext(): SecureContext {
		if (options.tls === undefined) throw new DataChannelError("tls", TLS_NOT_CONFIGURED);
		return options.tls;
	}

	/** Client-opens: delivers an accepted socket as a sender, after the TLS handshake when asked. */
	function deliverAccepted(socket: Socket, useTls: boolean, pending: PendingChannel): void {
		if (!useTls) {
			pending.deliver(new TcpDataSender(socket, tcpOptions));
			return;
		}
		const handshake = tlsServerHandshake(socket, tlsContext(), handshakeTimeoutMs);
		pending.setAbort(handshake.abort);
		handshake.secured.then(
			(secured) => pending.deliver(new TcpDataSender(secured, { ...tcpOptions, tcpSocket: socket })),
			(error) => pending.fail(error),
		);
	}

	async function listenTcp(request: ListenTcpRequest): Promise<PendingDataConnection> {
		if (request.tls) tlsContext();
		const address = normalizeIp(request.local.address);
		const fixedPort = options.dataPort ?? 0;
		let listener =
			fixedPort > 0
				? await sharedListener(address, fixedPort)
				: await DataPortListener.open(address, 0, logger);
		// The shared listener may have closed (its last capture left) while this request waited for it.
		if (listener.isClosed) listener = await sharedListener(address, fixedPort);
		const pending = new PendingChannel({ address: listener.address, port: listener.port });
		let withdraw: () => void;
		try {
			withdraw = listener.expect(request.peer.address, (socket) => {
				clearTimeout(timer);
				pending.setAbort(() => socket.destroy());
				deliverAccepted(socket, request.tls, pending);
			});
		} catch (error) {
			if (listener.waiting === 0) listener.close();
			throw error;
		}
		const timer = setTimeout(
			() => pending.fail(new DataChannelError("accept-timeout", acceptTimeoutMessage(acceptTimeoutMs))),
			acceptTimeoutMs,
		);
		pending.setAbort(() => {
			clearTimeout(timer);
			withdraw();
		});
		return pending;
	}

	async function connectTcp(request: ConnectTcpRequest): Promise<DataSender> {
		checkPort(request.port);
		const context = request.tls ? tlsContext() : undefined;
		const socket = await dialTcp(
			request.peer.address,
			request.port,
			options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
			request.local?.address,
		).connected;
		if (context === undefined) return new TcpDataSender(socket, tcpOptions);
		const handshake = tlsServerHandshake(socket, context, handshakeTimeoutMs);
		handshake.secured.catch(() => {});
		return new TcpDataSender(handshake.socket, {
			...tcpOptions,
			handshake: handshake.secured,
			tcpSocket: socket,
		});
	}

	async function openUdp(request: OpenUdpRequest): Promise<DataSender> {
		checkPort(request.port);
		let transport: DatagramTransport;
		try {
			transport = await openUdpTransport(request.peer.address, request.port, {
				...(request.local === undefined ? {} : { localAddress: request.local.address }),
				...(options.udp?.sendBufferBytes === undefined
					? {}
					: { sendBufferBytes: options.udp.sendBufferBytes }),
				...(logger === undefined ? {} : { logger }),
			});
		} catch (error) {
			throw new DataChannelError("udp", `Cannot open the UDP data socket: ${osErrorText(error)}`);
		}
		const senderOptions = {
			...(options.udp?.queueLimitBytes === undefined ? {} : { queueLimitBytes: options.udp.queueLimitBytes }),
			...(logger === undefined ? {} : { logger }),
		};
		try {
			return request.udpstr
				? new UdpstrSender(transport, { ...senderOptions, ...options.udpstr })
				: new ClassicUdpSender(transport, senderOptions);
		} catch (error) {
			transport.close();
			throw error;
		}
	}

	return { listenTcp, connectTcp, openUdp };
}
