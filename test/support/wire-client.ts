// A raw RPCAP client over TCP for wire-level tests: send bytes, read whole messages, see the close.

import { connect, type Socket } from "node:net";
import {
	decodeErrorMessage,
	MessageFramer,
	MessageType,
	type RpcapHeader,
} from "../../src/protocol/index.ts";

export interface WireMessage {
	header: RpcapHeader;
	payload: Uint8Array;
	/** For ERROR messages: the text. */
	text?: string;
}

export class WireClient {
	private readonly framer = new MessageFramer({ maxPayloadLength: 1 << 24 });
	private readonly queue: WireMessage[] = [];
	private waiting: (() => void) | null = null;
	closed = false;

	private constructor(private readonly socket: Socket) {
		socket.on("data", (chunk: Buffer) => {
			this.framer.push(new Uint8Array(chunk));
			for (;;) {
				const event = this.framer.next();
				if (event.kind !== "message") break;
				const m: WireMessage = { header: event.header, payload: event.payload };
				if (event.header.type === MessageType.ERROR) m.text = decodeErrorMessage(event.payload);
				this.queue.push(m);
			}
			this.waiting?.();
		});
		socket.on("close", () => {
			this.closed = true;
			this.waiting?.();
		});
		socket.on("error", () => {});
	}

	static open(port: number, host = "127.0.0.1"): Promise<WireClient> {
		return new Promise((resolve, reject) => {
			const socket = connect(port, host, () => resolve(new WireClient(socket)));
			socket.once("error", reject);
		});
	}

	send(bytes: Uint8Array): void {
		this.socket.write(bytes);
	}

	/** The next message, or null when the connection closed first (or `timeoutMs` passed). */
	async next(timeoutMs = 5000): Promise<WireMessage | null> {
		const deadline = Date.now() + timeoutMs;
		while (this.queue.length === 0 && !this.closed && Date.now() < deadline) {
			await new Promise<void>((resolve) => {
				this.waiting = resolve;
				setTimeout(resolve, Math.max(1, deadline - Date.now()));
			});
			this.waiting = null;
		}
		return this.queue.shift() ?? null;
	}

	/** True once the peer has closed (waiting up to `timeoutMs`). */
	async closedWithin(timeoutMs = 3000): Promise<boolean> {
		const deadline = Date.now() + timeoutMs;
		while (!this.closed && Date.now() < deadline) await Bun.sleep(10);
		return this.closed;
	}

	destroy(): void {
		this.socket.destroy();
	}
}
