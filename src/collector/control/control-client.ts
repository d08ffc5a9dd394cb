// Client side of an RPCAP control connection: requests answered strictly in order, asynchronous ERRORs told apart.

import {
	decodeErrorMessage,
	ErrorCode,
	MessageFramer,
	MessageType,
	messageTypeName,
	PROTOCOL_VERSION,
	REPLY_FLAG,
	type RpcapHeader,
	requestErrorCode,
} from "../../protocol/index.ts";
import { ControlClosedError, ProtocolViolationError, RemoteError, ReplyTimeoutError } from "../errors.ts";
import type { ControlTransport } from "./control-transport.ts";

/** Replies can be large (a FINDALLIF of a big host is not capped by our daemon), but never unbounded. */
export const MAX_REPLY_PAYLOAD = 16 * 1024 * 1024;

export interface ReplyMessage {
	header: RpcapHeader;
	payload: Uint8Array;
}

export interface ControlClientEvents {
	/** An ERROR no pending request can own: a capture failed on the sensor (rpcap-protocol.md §0, §18.1). */
	asyncError(error: RemoteError): void;
	/** The connection ended; `error` says why when it was not an orderly close. Called once. */
	closed(error: Error | null): void;
}

interface Pending {
	type: number;
	resolve(reply: ReplyMessage): void;
	reject(error: Error): void;
	timer: ReturnType<typeof setTimeout> | null;
}

function typeName(type: number): string {
	return messageTypeName(type) ?? `type ${type}`;
}

export class ControlClient {
	readonly #framer = new MessageFramer({ maxPayloadLength: MAX_REPLY_PAYLOAD });
	readonly #pending: Pending[] = [];
	#closed = false;

	constructor(
		private readonly transport: ControlTransport,
		private readonly events: ControlClientEvents,
	) {
		transport.setHandlers({
			data: (chunk) => this.#receive(chunk),
			end: (error) => this.#ended(error),
		});
	}

	get closed(): boolean {
		return this.#closed;
	}

	/** Sends a request (its type is byte 1) and resolves with the reply; rejects with RemoteError on an ERROR. */
	request(message: Uint8Array, timeoutMs: number): Promise<ReplyMessage> {
		const type = message[1]!;
		if (this.#closed) {
			return Promise.reject(
				new ControlClosedError(`Cannot send ${typeName(type)}: the connection is closed`),
			);
		}
		return new Promise<ReplyMessage>((resolve, reject) => {
			const pending: Pending = { type, resolve, reject, timer: null };
			if (timeoutMs > 0) {
				pending.timer = setTimeout(() => {
					this.#fail(new ReplyTimeoutError(`No reply to ${typeName(type)} within ${timeoutMs / 1000} s`));
				}, timeoutMs);
			}
			this.#pending.push(pending);
			this.transport.write(message);
		});
	}

	/** Sends a message that has no reply (CLOSE). */
	send(message: Uint8Array): void {
		if (!this.#closed) this.transport.write(message);
	}

	/** Closes the connection; pending requests fail with ControlClosedError. */
	close(): void {
		this.#fail(null);
	}

	#receive(chunk: Uint8Array): void {
		if (this.#closed) return;
		this.#framer.push(chunk);
		for (;;) {
			const event = this.#framer.next();
			if (event.kind === "incomplete") return;
			if (event.kind !== "message") {
				this.#fail(
					new ProtocolViolationError(
						`Sensor sent a ${typeName(event.header.type)} of ${event.header.payloadLength} bytes, above the ${MAX_REPLY_PAYLOAD}-byte limit`,
					),
				);
				return;
			}
			this.#dispatch(event.header, event.payload);
			if (this.#closed) return;
		}
	}

	#dispatch(header: RpcapHeader, payload: Uint8Array): void {
		if (header.version !== PROTOCOL_VERSION) {
			this.#fail(
				new ProtocolViolationError(
					`Sensor sent a message with version ${header.version} when we were expecting ${PROTOCOL_VERSION}`,
				),
			);
			return;
		}
		const head = this.#pending[0];
		if (header.type === MessageType.ERROR) {
			const error = new RemoteError(header.value, decodeErrorMessage(payload));
			if (head === undefined || isAsynchronous(header.value, head.type)) this.events.asyncError(error);
			else this.#settle(head, error);
			return;
		}
		if (head === undefined || header.type !== (head.type | REPLY_FLAG)) {
			const expected = head === undefined ? "no request" : `a ${typeName(head.type)} message`;
			this.#fail(
				new ProtocolViolationError(`${typeName(header.type)} message received in response to ${expected}`),
			);
			return;
		}
		this.#settle(head, { header, payload });
	}

	#settle(head: Pending, outcome: ReplyMessage | RemoteError): void {
		this.#pending.shift();
		if (head.timer !== null) clearTimeout(head.timer);
		if (outcome instanceof RemoteError) head.reject(outcome);
		else head.resolve(outcome);
	}

	#ended(error: Error | null): void {
		if (this.#closed) return;
		this.#fail(error === null ? null : new ControlClosedError(`Control connection failed: ${error.message}`));
	}

	#fail(error: Error | null): void {
		if (this.#closed) return;
		this.#closed = true;
		const reason = error ?? new ControlClosedError("Control connection closed");
		for (const pending of this.#pending.splice(0)) {
			if (pending.timer !== null) clearTimeout(pending.timer);
			pending.reject(
				error ??
					new ControlClosedError(`Control connection closed before the reply to ${typeName(pending.type)}`),
			);
		}
		this.transport.close();
		this.events.closed(error === null ? null : reason);
	}
}

/**
 * An ERROR belongs to the pending request unless its code is one a running capture reports on its own (9 read
 * error; 12 after STARTCAP_REPLY, rpcap-protocol.md §7.6, §7.8 step 10) and that request would not use it.
 */
function isAsynchronous(code: number, pendingType: number): boolean {
	if (code !== ErrorCode.READEX && code !== ErrorCode.STARTCAPTURE) return false;
	return requestErrorCode(pendingType) !== code;
}
