// An in-memory sensor for session tests: a ControlTransport whose far end is a scripted RPCAP daemon.

import type { ControlTransport, ControlTransportHandlers } from "../../../../src/collector/index.ts";
import {
	encodeAuthReply,
	encodeEmptyMessage,
	encodeErrorMessage,
	encodeFindAllIfReply,
	encodeOpenReply,
	encodeStartcapReply,
	encodeStatsReply,
	MessageFramer,
	MessageType,
	REPLY_FLAG,
	type RemoteInterface,
	type RpcapHeader,
} from "../../../../src/protocol/index.ts";

export interface ReceivedRequest {
	header: RpcapHeader;
	payload: Uint8Array;
}

/** What the fake daemon answers to one request: bytes to send back, or nothing. */
export type Responder = (request: ReceivedRequest, sensor: FakeSensor) => Uint8Array | Uint8Array[] | null;

export const interfaces: RemoteInterface[] = [
	{ name: "lo", description: "", flags: 0x7, addresses: [] },
	{ name: "any", description: "Pseudo-device", flags: 0x6, addresses: [] },
	{ name: "eth0", description: "First NIC", flags: 0x16, addresses: [] },
	{ name: "eth1", description: "", flags: 0x16, addresses: [] },
];

/** A daemon that answers like ours: AUTH ok, FINDALLIF `interfaces`, OPEN linktype 1, STARTCAP port 4242. */
export function standardResponder(overrides: Partial<Record<number, Responder>> = {}): Responder {
	return (request, sensor) => {
		const custom = overrides[request.header.type];
		if (custom !== undefined) return custom(request, sensor);
		switch (request.header.type) {
			case MessageType.AUTH_REQ:
				return encodeAuthReply();
			case MessageType.FINDALLIF_REQ:
				return encodeFindAllIfReply(sensor.interfaces).message;
			case MessageType.OPEN_REQ:
				return encodeOpenReply({ linktype: 1, tzoff: 0 });
			case MessageType.STARTCAP_REQ:
				return encodeStartcapReply({ bufferSize: 262144, portData: 4242 });
			case MessageType.STATS_REQ:
				return encodeStatsReply({ ifRecv: 10, ifDrop: 1, krnlDrop: 2, svrCapt: 7 });
			case MessageType.ENDCAP_REQ:
				sensor.onEndcap?.();
				return encodeEmptyMessage(MessageType.ENDCAP_REPLY);
			case MessageType.CLOSE:
				return null;
			default:
				return encodeErrorMessage(16, `Unknown message type ${request.header.type}`);
		}
	};
}

export class FakeSensor {
	readonly requests: ReceivedRequest[] = [];
	readonly transport: ControlTransport;
	interfaces: RemoteInterface[] = interfaces;
	closedByClient = false;
	onEndcap: (() => void) | null = null;
	#handlers: ControlTransportHandlers | null = null;
	readonly #framer = new MessageFramer({ maxPayloadLength: 1 << 20 });

	constructor(
		private readonly responder: Responder,
		options: { secure?: boolean; local?: string; remote?: string } = {},
	) {
		this.transport = {
			localAddress: options.local ?? "127.0.0.1",
			remoteAddress: options.remote ?? "127.0.0.2",
			remotePort: 2002,
			secure: options.secure ?? false,
			write: (bytes) => this.#fromClient(bytes.slice()),
			setHandlers: (handlers) => {
				this.#handlers = handlers;
			},
			close: () => {
				if (this.closedByClient) return;
				this.closedByClient = true;
				queueMicrotask(() => this.#handlers?.end(null));
			},
		};
	}

	/** Types of the requests received so far. */
	get types(): number[] {
		return this.requests.map((r) => r.header.type);
	}

	/** Sends raw bytes to the client (asynchronously, like a socket). */
	send(bytes: Uint8Array): void {
		setTimeout(() => {
			if (!this.closedByClient) this.#handlers?.data(bytes);
		}, 0);
	}

	/** The sensor hangs up. */
	hangUp(): void {
		setTimeout(() => this.#handlers?.end(null), 0);
	}

	#fromClient(bytes: Uint8Array): void {
		this.#framer.push(bytes);
		for (;;) {
			const event = this.#framer.next();
			if (event.kind !== "message") return;
			const request = { header: event.header, payload: event.payload.slice() };
			this.requests.push(request);
			const reply = this.responder(request, this);
			if (reply === null) continue;
			for (const part of Array.isArray(reply) ? reply : [reply]) this.send(part);
		}
	}
}

/** A reply of `type` with an arbitrary payload (for malformed-reply tests). */
export function replyOf(type: number, payload: Uint8Array): Uint8Array {
	const bytes = new Uint8Array(8 + payload.length);
	bytes[1] = type | REPLY_FLAG;
	new DataView(bytes.buffer).setUint32(4, payload.length);
	bytes.set(payload, 8);
	return bytes;
}
