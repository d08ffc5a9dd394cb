// A scripted DatagramTransport: records what is sent, accepts only as many datagrams as a test allows.

import type { SocketEndpoint } from "../../../../src/daemon/data/sender.ts";
import type {
	DatagramTransport,
	DatagramTransportHandlers,
} from "../../../../src/daemon/data/udp-transport.ts";

export class FakeDatagramTransport implements DatagramTransport {
	readonly local: SocketEndpoint = { address: "127.0.0.1", port: 40000 };
	readonly remote: SocketEndpoint = { address: "127.0.0.1", port: 40001 };
	/** Copies of every datagram the "kernel" accepted, in order. */
	readonly sent: Uint8Array[] = [];
	/** Datagrams still accepted before sends start failing like EAGAIN; Infinity = no limit. */
	capacity = Number.POSITIVE_INFINITY;
	sendCalls = 0;
	closed = false;
	private handlers: DatagramTransportHandlers = { drain() {}, error() {} };

	constructor(readonly family: 4 | 6 = 4) {}

	sendMany(datagrams: readonly Uint8Array[]): number {
		this.sendCalls++;
		if (this.closed) throw Object.assign(new Error("EBADF: bad file descriptor"), { code: "EBADF" });
		const count = Math.min(datagrams.length, this.capacity);
		for (let i = 0; i < count; i++) this.sent.push((datagrams[i] as Uint8Array).slice());
		this.capacity -= count;
		return count;
	}

	setHandlers(handlers: DatagramTransportHandlers): void {
		this.handlers = handlers;
	}

	/** Lets `count` more datagrams through (Infinity: all) and signals writability. */
	open(count = Number.POSITIVE_INFINITY): void {
		this.capacity = count;
		this.handlers.drain();
	}

	/** An asynchronous socket error such as ECONNREFUSED. */
	raise(code: string, message = code): void {
		this.handlers.error(Object.assign(new Error(message), { code }));
	}

	close(): void {
		this.closed = true;
	}
}
