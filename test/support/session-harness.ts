// Builds a Session over the in-memory fakes (control channel, manual clock, scripted backend, data channels, auth).

import { expect } from "bun:test";
import type { Device } from "../../src/capture/source.ts";
import type { Authenticator } from "../../src/daemon/auth/authenticator.ts";
import { Session } from "../../src/daemon/session.ts";
import {
	type ConnectionInfo,
	defaultSessionPolicy,
	type Preselection,
	type SessionEnd,
	type SessionPolicy,
} from "../../src/daemon/session-types.ts";
import { createLogger, type LogLevel, memorySink } from "../../src/observe/logger.ts";
import { decodeErrorMessage, type MessageFramer, MessageType } from "../../src/protocol/index.ts";
import { concatBytes } from "./bytes.ts";
import { FakeAuthenticator } from "./fake-authenticator.ts";
import { FakeDataChannels } from "./fake-data-channels.ts";
import { ManualClock, settle } from "./manual-clock.ts";
import { describeMessage, MemoryControlChannel, type SentMessage } from "./memory-control-channel.ts";
import { request } from "./rpcap-requests.ts";
import { ScriptedCaptureBackend } from "./scripted-capture-backend.ts";

export interface HarnessOptions {
	policy?: Partial<SessionPolicy>;
	info?: Partial<ConnectionInfo>;
	devices?: Device[];
	/** Default: a FakeAuthenticator with alice/secret. */
	authenticator?: Authenticator | null;
	preselection?: Preselection | null;
	/** Share one clock between sessions (e.g. to show one session's delay does not hold up another). */
	clock?: ManualClock;
	compiler?: "libpcap" | "stub";
	keepMessages?: boolean;
	logLevel?: LogLevel;
	/** Clock time the connection was accepted (before the session started). */
	acceptedAt?: number;
}

export class SessionHarness {
	readonly clock: ManualClock;
	/** Ordered events from the fakes ("capture eth0 stop", "data tcp closed", "control ENDCAP_REPLY", …). */
	readonly timeline: string[] = [];
	readonly channel: MemoryControlChannel;
	readonly backend: ScriptedCaptureBackend;
	readonly dataChannels: FakeDataChannels;
	readonly authenticator: Authenticator | null;
	readonly logLines: { level: LogLevel; line: string }[];
	readonly ends: SessionEnd[] = [];
	readonly policy: SessionPolicy;
	authenticatedCalls = 0;
	readonly session: Session;

	constructor(options: HarnessOptions = {}) {
		this.clock = options.clock ?? new ManualClock();
		const clock = this.clock;
		const timeline = this.timeline;
		this.channel = new MemoryControlChannel({
			info: options.info,
			now: () => clock.now(),
			keepMessages: options.keepMessages,
		});
		const channel = this.channel;
		const recordingChannel = {
			info: channel.info,
			send(bytes: Uint8Array) {
				channel.send(bytes);
				const last = channel.messages.at(-1);
				if (last && channel.keepMessages) timeline.push(`control ${describeMessage(last)}`);
			},
			close() {
				timeline.push("control close");
				channel.close();
			},
		};
		this.backend = new ScriptedCaptureBackend({
			devices: options.devices,
			clock,
			timeline,
			compiler: options.compiler,
		});
		this.dataChannels = new FakeDataChannels(clock, timeline);
		this.authenticator =
			options.authenticator === undefined ? new FakeAuthenticator() : options.authenticator;
		const sink = memorySink();
		this.logLines = sink.lines;
		this.policy = { ...defaultSessionPolicy, ...options.policy };
		this.session = new Session({
			channel: recordingChannel,
			backend: this.backend,
			dataChannels: this.dataChannels,
			authenticator: this.authenticator,
			...(options.acceptedAt === undefined ? {} : { acceptedAt: options.acceptedAt }),
			log: createLogger({ level: options.logLevel ?? "debug", format: "text", sink }),
			policy: this.policy,
			clock,
			preselection: options.preselection ?? null,
			onEnd: (end) => this.ends.push(end),
			onAuthenticated: () => this.authenticatedCalls++,
		});
	}

	/** A session past NULL authentication (policy nullAuth on), its AUTH_REPLY already taken. */
	static async authenticated(options: HarnessOptions = {}): Promise<SessionHarness> {
		const harness = new SessionHarness({ ...options, policy: { nullAuth: true, ...options.policy } });
		await harness.send(request.nullAuth());
		const replies = harness.take();
		if (replies.length !== 1 || replies[0]?.header.type !== MessageType.AUTH_REPLY) {
			throw new Error(`NULL authentication failed: ${replies.map(describeMessage).join(", ")}`);
		}
		return harness;
	}

	/** Sends all messages in ONE chunk (one TCP write), then lets the session settle. */
	async send(...messages: Uint8Array[]): Promise<void> {
		this.session.receive(concatBytes(...messages));
		await settle();
		await settle();
	}

	/** Sends each segment as its own chunk, settling in between. */
	async sendSegments(segments: readonly Uint8Array[]): Promise<void> {
		for (const segment of segments) {
			this.session.receive(segment.slice());
			await settle();
		}
		await settle();
	}

	/** Messages sent since the last take(). */
	take(): SentMessage[] {
		return this.channel.take();
	}

	/** take(), each as "ERROR 12 text" or the reply type name. */
	takeDescribed(): string[] {
		return this.take().map(describeMessage);
	}

	/** Lines logged at `level` or above. */
	logged(level: "warn" | "error" | "info"): string[] {
		const rank = { info: 1, warn: 3, error: 4 } as const;
		const levels: Record<LogLevel, number> = { debug: 0, info: 1, notice: 2, warn: 3, error: 4 };
		return this.logLines.filter((l) => levels[l.level] >= rank[level]).map((l) => l.line);
	}

	/** OPEN of `name`; throws unless it was answered with OPEN_REPLY. */
	async selectDevice(name = "eth0"): Promise<void> {
		await this.send(request.open(name));
		const replies = this.takeDescribed();
		if (replies.join() !== "OPEN_REPLY") throw new Error(`OPEN ${name} failed: ${replies.join(", ")}`);
	}

	/** The framer inside the session (for the no-growth checks). */
	get framer(): MessageFramer {
		return (this.session as unknown as { framer: MessageFramer }).framer;
	}

	async peerClosed(): Promise<void> {
		this.session.peerClosed();
		await settle();
		await settle();
	}
}

/** `{ code, text, version }` of an ERROR message, for toEqual checks. */
export function errorOf(
	message: SentMessage | undefined,
): { code: number; text: string; version: number } | null {
	if (!message || message.header.type !== MessageType.ERROR) return null;
	return {
		code: message.header.value,
		text: decodeErrorMessage(message.payload),
		version: message.header.version,
	};
}

/**
 * Takes the messages sent since the last take() and checks them against `expected` ("ERROR 16 Unknown message
 * type 0", "STATS_REPLY", …), each with `ver` 0.
 */
export function expectReplies(harness: SessionHarness, expected: string[]): SentMessage[] {
	const replies = harness.take();
	expect(replies.map(describeMessage)).toEqual(expected);
	expect(replies.map((r) => r.header.version)).toEqual(expected.map(() => 0));
	return replies;
}
