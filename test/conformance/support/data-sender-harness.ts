// Builds each DataSender implementation connected to a loopback receiver that decodes what arrives.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSecureContext, type SecureContext, connect as tlsConnect } from "node:tls";
import { setReceiveBufferSize } from "../../../ffi/socket-options.ts";
import type { DataSender } from "../../../src/daemon/data/sender.ts";
import { TcpDataSender } from "../../../src/daemon/data/tcp-sender.ts";
import { tlsServerHandshake } from "../../../src/daemon/data/tls-server-handshake.ts";
import { ClassicUdpSender } from "../../../src/daemon/data/udp-classic-sender.ts";
import {
	type DatagramTransport,
	type DatagramTransportHandlers,
	openUdpTransport,
} from "../../../src/daemon/data/udp-transport.ts";
import { UdpstrSender } from "../../../src/daemon/data/udpstr-sender.ts";
import { ClassicUdpReceiver } from "../../../src/protocol/classic-udp-receiver.ts";
import type { PacketRecordHandler } from "../../../src/protocol/pkthdr.ts";
import { UdpstrReceiver } from "../../../src/protocol/udpstr-receiver.ts";
import { writeSelfSignedCertificate } from "../../support/self-signed-certificate.ts";
import type { PacketRecord } from "./packet-batches.ts";

export interface SenderOptions {
	family?: 4 | 6;
	queueLimitBytes?: number;
	stallTimeoutMs?: number;
	flushMs?: number;
}

export interface ReceiverEnd {
	readonly records: PacketRecord[];
	/** Stream transports: EOF was seen. */
	ended(): boolean;
	/** UDP: datagrams received; TCP: bytes received. */
	received(): number;
}

export interface SenderUnderTest {
	sender: DataSender;
	receiver: ReceiverEnd;
	/** Makes the sender meet backpressure: the TCP receiver stops reading; UDP sends fail as with EAGAIN. */
	stopReceiving(): void;
	resumeReceiving(): void;
	/** The receiving end goes away (TCP: the connection is destroyed; UDP: the port is closed). */
	closeReceiver(): void;
	cleanup(): Promise<void>;
}

export interface SenderImplementation {
	name: string;
	transport: "tcp" | "udp" | "udpstr";
	open(options?: SenderOptions): Promise<SenderUnderTest>;
}

function loopback(family: 4 | 6): string {
	return family === 6 ? "::1" : "127.0.0.1";
}

function recordCollector(records: PacketRecord[]): PacketRecordHandler {
	return (tsSec, tsUsec, caplen, len, npkt, data) => {
		records.push({ tsSec, tsUsec, caplen, len, npkt, data: data.slice() });
	};
}

/** Decodes a TCP stream of PACKET messages into records. */
class StreamDecoder {
	private buffer = new Uint8Array(1 << 16);
	private length = 0;
	bytes = 0;

	constructor(private readonly onRecord: PacketRecordHandler) {}

	push(chunk: Uint8Array): void {
		this.bytes += chunk.length;
		if (this.length + chunk.length > this.buffer.length) {
			const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + chunk.length));
			grown.set(this.buffer.subarray(0, this.length));
			this.buffer = grown;
		}
		this.buffer.set(chunk, this.length);
		this.length += chunk.length;
		const view = new DataView(this.buffer.buffer, 0, this.length);
		let offset = 0;
		while (offset + 8 <= this.length) {
			const plen = view.getUint32(offset + 4);
			if (offset + 8 + plen > this.length) break;
			if (this.buffer[offset + 1] !== 7)
				throw new Error(`Unexpected message type ${this.buffer[offset + 1]}`);
			const at = offset + 8;
			const caplen = view.getUint32(at + 8);
			if (caplen !== plen - 20) throw new Error(`caplen ${caplen} does not match plen ${plen}`);
			this.onRecord(
				view.getUint32(at),
				view.getUint32(at + 4),
				caplen,
				view.getUint32(at + 12),
				view.getUint32(at + 16),
				this.buffer.subarray(at + 20, at + 20 + caplen),
			);
			offset = at + plen;
		}
		this.buffer.copyWithin(0, offset, this.length);
		this.length -= offset;
	}
}

let tlsMaterial: { context: SecureContext; directory: string } | undefined;

/** A throwaway self-signed certificate (openssl req -x509), made once per test process. */
export function testTlsContext(): SecureContext {
	if (tlsMaterial !== undefined) return tlsMaterial.context;
	const directory = mkdtempSync(join(tmpdir(), "rpcapd-data-tls-"));
	const { key: keyPath, cert: certPath } = writeSelfSignedCertificate(directory);
	const context = createSecureContext({
		key: readFileSync(keyPath),
		cert: readFileSync(certPath),
		minVersion: "TLSv1.2",
	});
	tlsMaterial = { context, directory };
	return context;
}

export function removeTestTlsMaterial(): void {
	if (tlsMaterial !== undefined) rmSync(tlsMaterial.directory, { recursive: true, force: true });
	tlsMaterial = undefined;
}

async function openTcp(options: SenderOptions, useTls: boolean): Promise<SenderUnderTest> {
	const host = loopback(options.family ?? 4);
	const accepted = Promise.withResolvers<Socket>();
	const server = createServer((socket) => accepted.resolve(socket));
	await new Promise<void>((resolve) => server.listen(0, host, resolve));
	const port = (server.address() as AddressInfo).port;
	const records: PacketRecord[] = [];
	const decoder = new StreamDecoder(recordCollector(records));
	let ended = false;
	const client: Socket = useTls
		? tlsConnect({ host, port, rejectUnauthorized: false })
		: connect({ host, port });
	client.on("data", (chunk: Buffer) => decoder.push(chunk));
	client.on("end", () => {
		ended = true;
	});
	client.on("error", () => {});
	let daemonSide = await accepted.promise;
	server.close();
	if (useTls) daemonSide = await tlsServerHandshake(daemonSide, testTlsContext(), 5000).secured;
	const sender = new TcpDataSender(daemonSide, {
		...(options.queueLimitBytes === undefined ? {} : { queueLimitBytes: options.queueLimitBytes }),
		...(options.stallTimeoutMs === undefined ? {} : { stallTimeoutMs: options.stallTimeoutMs }),
	});
	return {
		sender,
		receiver: { records, ended: () => ended, received: () => decoder.bytes },
		stopReceiving: () => client.pause(),
		resumeReceiving: () => client.resume(),
		closeReceiver: () => client.destroy(),
		async cleanup() {
			await sender.close(0);
			client.destroy();
		},
	};
}

/** Wraps a real transport so a test can make it refuse datagrams, like a socket returning EAGAIN. */
class PushbackTransport implements DatagramTransport {
	blocked = false;
	private handlers: DatagramTransportHandlers = { drain() {}, error() {} };

	constructor(private readonly inner: DatagramTransport) {}

	get local() {
		return this.inner.local;
	}
	get remote() {
		return this.inner.remote;
	}
	get family() {
		return this.inner.family;
	}
	sendMany(datagrams: readonly Uint8Array[]): number {
		return this.blocked ? 0 : this.inner.sendMany(datagrams);
	}
	setHandlers(handlers: DatagramTransportHandlers): void {
		this.handlers = handlers;
		this.inner.setHandlers(handlers);
	}
	unblock(): void {
		this.blocked = false;
		this.handlers.drain();
	}
	close(): void {
		this.inner.close();
	}
}

async function openUdp(options: SenderOptions, framing: "classic" | "udpstr"): Promise<SenderUnderTest> {
	const host = loopback(options.family ?? 4);
	const records: PacketRecord[] = [];
	const onRecord = recordCollector(records);
	const decoder =
		framing === "udpstr"
			? new UdpstrReceiver({ snaplen: 262144, onRecord })
			: new ClassicUdpReceiver({ snaplen: 262144, onRecord });
	let datagrams = 0;
	const receiverSocket = await Bun.udpSocket({
		hostname: host,
		socket: {
			data(_socket, data) {
				datagrams++;
				decoder.receive(data);
			},
		},
	});
	const fd = (receiverSocket as unknown as { fd: number }).fd;
	setReceiveBufferSize(fd, 64 << 20);
	const transport = new PushbackTransport(await openUdpTransport(host, receiverSocket.port));
	const queue = options.queueLimitBytes === undefined ? {} : { queueLimitBytes: options.queueLimitBytes };
	const sender =
		framing === "udpstr"
			? new UdpstrSender(transport, {
					...queue,
					...(options.flushMs === undefined ? {} : { flushMs: options.flushMs }),
				})
			: new ClassicUdpSender(transport, queue);
	return {
		sender,
		receiver: { records, ended: () => false, received: () => datagrams },
		stopReceiving: () => {
			transport.blocked = true;
		},
		resumeReceiving: () => transport.unblock(),
		closeReceiver: () => receiverSocket.close(),
		async cleanup() {
			await sender.close(0);
			receiverSocket.close();
		},
	};
}

export const senderImplementations: SenderImplementation[] = [
	{ name: "TCP", transport: "tcp", open: (options = {}) => openTcp(options, false) },
	{ name: "TCP+TLS", transport: "tcp", open: (options = {}) => openTcp(options, true) },
	{ name: "classic UDP", transport: "udp", open: (options = {}) => openUdp(options, "classic") },
	{ name: "udpstr", transport: "udpstr", open: (options = {}) => openUdp(options, "udpstr") },
];
