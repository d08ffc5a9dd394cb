// In-memory data channels for session tests: a UDP socket, a TCP listener and dialled streams the test drives.

import type {
	DataChannelFactory,
	DatagramChannel,
	StreamChannel,
	StreamChannelHandlers,
	StreamListener,
	TlsClientSettings,
} from "../../../../src/collector/index.ts";

export class MemoryStream implements StreamChannel {
	readonly remoteAddress: string;
	closed = false;
	#handlers: StreamChannelHandlers | null = null;
	readonly #early: Uint8Array[] = [];

	constructor(remoteAddress: string) {
		this.remoteAddress = remoteAddress;
	}

	setHandlers(handlers: StreamChannelHandlers): void {
		this.#handlers = handlers;
		for (const chunk of this.#early.splice(0)) handlers.data(chunk);
	}

	push(chunk: Uint8Array): void {
		if (this.#handlers === null) this.#early.push(chunk);
		else this.#handlers.data(chunk);
	}

	end(error: Error | null = null): void {
		this.#handlers?.end(error);
	}

	close(): void {
		this.closed = true;
	}
}

export class MemoryDatagram implements DatagramChannel {
	readonly port = 45000;
	readonly bufferRequests: number[] = [];
	closed = false;
	#handler: ((datagram: Uint8Array, address: string) => void) | null = null;

	setHandler(handler: (datagram: Uint8Array, address: string) => void): void {
		this.#handler = handler;
	}

	setReceiveBufferSize(bytes: number): number {
		this.bufferRequests.push(bytes);
		return bytes * 2;
	}

	deliver(datagram: Uint8Array, address = "127.0.0.2"): void {
		this.#handler?.(datagram, address);
	}

	close(): void {
		this.closed = true;
	}
}

export class MemoryDataChannels implements DataChannelFactory {
	readonly dials: { address: string; port: number; tls: TlsClientSettings | null }[] = [];
	readonly listens: { local: string; sensor: string; tls: TlsClientSettings | null }[] = [];
	readonly streams: MemoryStream[] = [];
	datagram: MemoryDatagram | null = null;
	openedBufferBytes = 0;
	listenerClosed = false;
	#accept: ((stream: StreamChannel) => void) | null = null;

	async openDatagram(_localAddress: string, receiveBufferBytes: number): Promise<DatagramChannel> {
		this.openedBufferBytes = receiveBufferBytes;
		this.datagram = new MemoryDatagram();
		return this.datagram;
	}

	async listenStream(
		local: string,
		sensor: string,
		_timeoutMs: number,
		tls: TlsClientSettings | null,
	): Promise<StreamListener> {
		this.listens.push({ local, sensor, tls });
		const accepted = new Promise<StreamChannel>((resolve) => {
			this.#accept = resolve;
		});
		return {
			port: 46000,
			accepted,
			close: () => {
				this.listenerClosed = true;
			},
		};
	}

	/** The sensor connects to the listener (active mode). */
	connectFromSensor(): MemoryStream {
		const stream = new MemoryStream("127.0.0.2");
		this.streams.push(stream);
		this.#accept?.(stream);
		return stream;
	}

	async dialStream(
		address: string,
		port: number,
		_timeoutMs: number,
		tls: TlsClientSettings | null,
	): Promise<StreamChannel> {
		this.dials.push({ address, port, tls });
		const stream = new MemoryStream(address);
		this.streams.push(stream);
		return stream;
	}
}
