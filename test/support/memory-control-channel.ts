// An in-memory ControlChannel: keeps every byte the session sends and decodes it with the protocol framer.

import type { ConnectionInfo, ControlChannel } from "../../src/daemon/session-types.ts";
import {
	decodeErrorMessage,
	HEADER_SIZE,
	MessageFramer,
	MessageType,
	type RpcapHeader,
	readHeader,
} from "../../src/protocol/index.ts";

export interface SentMessage {
	header: RpcapHeader;
	payload: Uint8Array;
	/** Clock time at which the session sent it. */
	atMs: number;
}

/** Why a send() call was not exactly one well-formed message (fuzz invariant). */
export interface MalformedSend {
	bytes: Uint8Array;
	reason: string;
}

export const defaultConnectionInfo: ConnectionInfo = {
	mode: "passive",
	tls: false,
	family: 4,
	local: { address: "127.0.0.1", port: 2002 },
	peer: { address: "127.0.0.2", port: 40000 },
};

export interface MemoryControlChannelOptions {
	info?: Partial<ConnectionInfo>;
	now?: () => number;
	/** false: count messages without keeping them (long no-growth runs). */
	keepMessages?: boolean;
}

export class MemoryControlChannel implements ControlChannel {
	readonly info: ConnectionInfo;
	readonly messages: SentMessage[] = [];
	readonly malformedSends: MalformedSend[] = [];
	/** send() calls made after close() (a session must not write to a closed connection). */
	sendsAfterClose = 0;
	closeCount = 0;
	messageCount = 0;
	byteCount = 0;
	private readonly framer = new MessageFramer({ maxPayloadLength: 0xffffffff });
	private readonly now: () => number;
	/** false: count messages without keeping them (long no-growth runs); may be switched at any time. */
	keepMessages: boolean;
	private readCursor = 0;

	constructor(options: MemoryControlChannelOptions = {}) {
		this.info = { ...defaultConnectionInfo, ...options.info };
		this.now = options.now ?? (() => 0);
		this.keepMessages = options.keepMessages ?? true;
	}

	get closed(): boolean {
		return this.closeCount > 0;
	}

	/** True when the bytes sent end inside a message (never, for a well-formed stream). */
	get endsMidMessage(): boolean {
		return this.framer.hasPartialMessage;
	}

	send(bytes: Uint8Array): void {
		if (this.closed) this.sendsAfterClose++;
		const copy = bytes.slice();
		this.byteCount += copy.length;
		this.checkOneMessage(copy);
		this.framer.push(copy);
		for (;;) {
			const event = this.framer.next();
			if (event.kind !== "message") break;
			this.messageCount++;
			if (this.keepMessages)
				this.messages.push({ header: event.header, payload: event.payload, atMs: this.now() });
		}
	}

	close(): void {
		this.closeCount++;
	}

	/** Messages sent since the previous take(). */
	take(): SentMessage[] {
		const fresh = this.messages.slice(this.readCursor);
		this.readCursor = this.messages.length;
		return fresh;
	}

	/** Forgets the kept messages (for long runs). */
	clear(): void {
		this.messages.length = 0;
		this.readCursor = 0;
	}

	// Every send() of the session is exactly one message: header plus `plen` bytes, nothing more or less.
	private checkOneMessage(bytes: Uint8Array): void {
		if (bytes.length < HEADER_SIZE) {
			this.malformedSends.push({ bytes, reason: `only ${bytes.length} bytes` });
			return;
		}
		const header = readHeader(bytes);
		if (header.payloadLength !== bytes.length - HEADER_SIZE) {
			this.malformedSends.push({
				bytes,
				reason: `plen ${header.payloadLength} but ${bytes.length - HEADER_SIZE} bytes follow`,
			});
		}
	}
}

/** A short readable form of a sent message, for assertion failures: "ERROR 12 text" or "STATS_REPLY". */
export function describeMessage(message: SentMessage): string {
	if (message.header.type === MessageType.ERROR) {
		return `ERROR ${message.header.value} ${decodeErrorMessage(message.payload)}`;
	}
	const name = Object.entries(MessageType).find(([, code]) => code === message.header.type)?.[0];
	return name ?? `type 0x${message.header.type.toString(16)}`;
}
