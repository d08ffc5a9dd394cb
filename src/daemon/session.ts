// One RPCAP control connection as a state machine: version rules, the auth loop, request dispatch in order, timeouts and teardown (rpcap-protocol.md §2, §4, §15).

import { escapeForLog } from "../observe/log-escape.ts";
import {
	type AuthRequest,
	decodeAuthRequest,
	decodeErrorMessage,
	ErrorCode,
	encodeAuthReply,
	encodeEmptyMessage,
	encodeErrorMessage,
	isClientRequestType,
	isServerToClientType,
	MessageFramer,
	MessageType,
	messageTypeName,
	PAYLOAD_TOO_LARGE,
	PROTOCOL_VERSION,
	RpcapError,
	type RpcapHeader,
	requestErrorCode,
} from "../protocol/index.ts";
import { CaptureRequests } from "./capture-requests.ts";
import { findAllInterfaces, openDevice, openReply } from "./interface-requests.ts";
import { type Clock, type SessionDeps, type SessionEnd, systemClock } from "./session-types.ts";

type Message = { header: RpcapHeader; payload: Uint8Array; tolerated: boolean };

const INITIAL_TIMEOUT = "The RPCAP initial timeout has expired";
const RUNTIME_TIMEOUT = "The RPCAP runtime timeout has expired";

export class Session {
	private readonly framer: MessageFramer;
	private readonly clock: Clock;
	private readonly captures: CaptureRequests;
	private authenticated = false;
	private authFailures = 0;
	private preAuthMessages = 0;
	private busy = false;
	private ended = false;
	private warnedNoFilter = false;
	private cancelPreAuth: (() => void) | null = null;
	private cancelIdle: (() => void) | null = null;
	private cancelHold: (() => void) | null = null;

	constructor(private readonly deps: SessionDeps) {
		this.clock = deps.clock ?? systemClock;
		this.framer = new MessageFramer({
			tolerateNoFilterStartcap: true,
			maxPayloadLength: deps.policy.maxRequestPayload,
		});
		this.captures = new CaptureRequests(deps, {
			reply: (bytes) => this.send(bytes),
			asyncError: (code, text) => this.sendError(code, text),
			controlOpen: () => !this.ended,
		});
		const limit = deps.policy.preAuthTimeoutMs;
		if (limit !== null) {
			// rpcap-protocol.md §14.2: 90 s in total from accept (first-byte wait and TLS handshake included).
			const spent = deps.acceptedAt === undefined ? 0 : Math.max(0, this.clock.now() - deps.acceptedAt);
			this.cancelPreAuth = this.clock.setTimeout(
				() => this.timeout(ErrorCode.INITTIMEOUT, INITIAL_TIMEOUT),
				Math.max(0, limit - spent),
			);
		}
	}

	/** Bytes from the control connection, in any segmentation. */
	receive(chunk: Uint8Array): void {
		if (this.ended) return;
		this.framer.push(chunk);
		void this.pump();
	}

	/** The peer closed the connection (or it failed): a normal end, capture torn down. */
	peerClosed(): void {
		if (this.framer.hasPartialMessage) this.deps.log.debug("connection closed in the middle of a message");
		void this.end({ reason: "eof" });
	}

	/** Daemon shutdown: end any capture cleanly, close. */
	shutdown(): Promise<void> {
		return this.end({ reason: "shutdown" });
	}

	private async pump(): Promise<void> {
		if (this.busy) return;
		this.busy = true;
		try {
			while (!this.ended) {
				const event = this.framer.next();
				if (event.kind === "incomplete") break;
				if (event.kind === "held") {
					this.cancelHold ??= this.clock.setTimeout(() => {
						this.cancelHold = null;
						this.framer.releaseHeldMessage();
						void this.pump();
					}, this.deps.policy.noFilterToleranceMs);
					break;
				}
				this.cancelHold?.();
				this.cancelHold = null;
				if (event.kind === "oversized") {
					// rpcap-protocol.md §2: a bad ver is a version error (ERROR 17 echoing it); other ERRORs carry ver 0.
					if (event.header.version !== PROTOCOL_VERSION) {
						await this.handle({ header: event.header, payload: new Uint8Array(0), tolerated: false });
						break;
					}
					this.sendError(requestErrorCode(event.header.type), PAYLOAD_TOO_LARGE);
					await this.end({ reason: "error", text: PAYLOAD_TOO_LARGE });
					break;
				}
				await this.handle({
					header: event.header,
					payload: event.payload,
					tolerated: event.toleratedNoFilterStartcap,
				});
			}
		} finally {
			this.busy = false;
		}
	}

	private send(bytes: Uint8Array): void {
		if (!this.ended) this.deps.channel.send(bytes);
	}

	private sendError(code: number, text: string, version = PROTOCOL_VERSION): void {
		this.send(encodeErrorMessage(code, text, version));
	}

	private async handle(message: Message): Promise<void> {
		const { header } = message;
		if (header.version !== PROTOCOL_VERSION) {
			const text = this.authenticated
				? "RPCAP version in message isn't supported by the server"
				: "RPCAP version in requests in the authentication phase must be 0";
			this.sendError(ErrorCode.WRONGVER, text, header.version);
			await this.end({ reason: "error", text });
			return;
		}
		if (message.tolerated && !this.warnedNoFilter) {
			this.warnedNoFilter = true;
			this.deps.log.warn("tolerated libpcap no-filter STARTCAP (plen 20, nitems 1)");
		}
		if (this.authenticated) await this.handleAuthenticated(message);
		else await this.handlePreAuth(message);
	}

	private async handlePreAuth({ header, payload }: Message): Promise<void> {
		const type = header.type;
		if (type === MessageType.AUTH_REQ) return this.authenticate(payload);
		if (type === MessageType.CLOSE) return this.end({ reason: "close-received" });
		if (type === MessageType.ERROR) {
			const text = escapeForLog(decodeErrorMessage(payload), 255);
			this.deps.log.warn(`error from client before authentication: ${text}`, { code: header.value });
			return this.end({ reason: "rejected-by-peer", text });
		}
		if (++this.preAuthMessages > this.deps.policy.preAuthMessageLimit) {
			return this.timeout(ErrorCode.INITTIMEOUT, INITIAL_TIMEOUT);
		}
		this.sendError(ErrorCode.WRONGMSG, this.wrongMessageText(type, "before"));
	}

	private wrongMessageText(type: number, phase: "before" | "after"): string {
		const name = messageTypeName(type);
		if (isClientRequestType(type)) return `${name} request sent ${phase} authentication was completed`;
		if (type === MessageType.AUTH_REQ) return `${name} request sent after authentication was completed`;
		if (isServerToClientType(type)) return `Server-to-client message ${name} received from client`;
		return `Unknown message type ${type}`;
	}

	private async authenticate(payload: Uint8Array): Promise<void> {
		let request: AuthRequest;
		try {
			request = decodeAuthRequest(payload);
		} catch (error) {
			if (error instanceof RpcapError) this.sendError(error.code, error.message);
			return;
		}
		if (request.type === "null") {
			if (this.deps.policy.nullAuth) return this.authSucceeded();
			this.sendError(ErrorCode.AUTH_FAILED, "Authentication failed; NULL authentication not permitted.");
			return this.authFailed(false);
		}
		const decision = this.deps.authenticator ? await this.deps.authenticator.authenticate(request) : null;
		if (this.ended) return;
		if (decision?.result === "accepted") {
			this.deps.log.info("password authentication accepted", { user: escapeForLog(decision.username) });
			return this.authSucceeded();
		}
		this.sendError(ErrorCode.AUTH_FAILED, "Authentication failed");
		return this.authFailed(true);
	}

	private authSucceeded(): void {
		this.authenticated = true;
		this.cancelPreAuth?.();
		this.cancelPreAuth = null;
		this.send(encodeAuthReply());
		this.deps.onAuthenticated?.();
		this.touchIdle();
	}

	private async authFailed(delay: boolean): Promise<void> {
		this.authFailures++;
		if (this.authFailures >= this.deps.policy.maxAuthFailures) {
			this.deps.log.warn("closing connection after repeated authentication failures", {
				failures: this.authFailures,
			});
			await this.end({ reason: "error", text: "Authentication failed" });
			return;
		}
		// rpcap-protocol.md §4.2: the next request waits 1 s (this connection only; the event loop stays free).
		if (delay)
			await new Promise<void>((resolve) =>
				this.clock.setTimeout(resolve, this.deps.policy.authFailureDelayMs),
			);
	}

	private touchIdle(): void {
		this.cancelIdle?.();
		this.cancelIdle = null;
		const limit = this.deps.policy.idleTimeoutMs;
		if (limit === null || this.ended) return;
		this.cancelIdle = this.clock.setTimeout(() => {
			if (this.captures.capturing) this.touchIdle();
			else this.timeout(ErrorCode.RUNTIMETIMEOUT, RUNTIME_TIMEOUT);
		}, limit);
	}

	private timeout(code: number, text: string): void {
		if (this.ended) return;
		this.sendError(code, text);
		void this.end({ reason: "error", text });
	}

	private async handleAuthenticated(message: Message): Promise<void> {
		const { header, payload } = message;
		this.touchIdle();
		const version = header.version;
		try {
			switch (header.type) {
				case MessageType.FINDALLIF_REQ:
					return this.send(findAllInterfaces(this.deps, version));
				case MessageType.OPEN_REQ:
					return this.open(payload, version);
				case MessageType.STARTCAP_REQ:
					return await this.captures.startCapture(payload, version);
				case MessageType.UPDATEFILTER_REQ:
					return this.send(this.captures.updateFilter(payload, version));
				case MessageType.STATS_REQ:
					return this.send(this.captures.stats(version));
				case MessageType.ENDCAP_REQ:
					return this.send(await this.endCaptureBounded(version));
				case MessageType.SETSAMPLING_REQ:
					return this.send(this.captures.setSampling(payload, version));
				case MessageType.CLOSE:
					return await this.end({ reason: "close-received" });
				case MessageType.ERROR: {
					const text = escapeForLog(decodeErrorMessage(payload), 255);
					this.deps.log.warn(`error from client: ${text}`, { code: header.value });
					return;
				}
				default:
					return this.sendError(ErrorCode.WRONGMSG, this.wrongMessageText(header.type, "after"));
			}
		} catch (error) {
			if (error instanceof RpcapError) return this.sendError(error.code, error.message);
			this.deps.log.error("internal error handling a request", { error: String(error), type: header.type });
			this.sendError(requestErrorCode(header.type), `Internal error: ${String(error)}`);
		}
	}

	private open(payload: Uint8Array, version: number): void {
		// Only a successful OPEN selects a device; any failure clears the selection (rpcap-protocol.md §6.4).
		this.captures.device = null;
		const device = openDevice(this.deps, payload);
		this.captures.device = device;
		this.send(openReply(device, version));
	}

	/** ENDCAP is answered within the policy bound even when the capture will not stop (libpcap blocks on it). */
	private async endCaptureBounded(version: number): Promise<Uint8Array> {
		const reply = this.captures.endCapture(version);
		let timer: (() => void) | undefined;
		const bound = new Promise<Uint8Array>((resolve, reject) => {
			timer = this.clock.setTimeout(() => {
				this.deps.log.warn("ENDCAP teardown exceeded its bound; replying anyway");
				reply.then(resolve, reject);
				resolve(encodeEmptyMessage(MessageType.ENDCAP_REPLY, version));
			}, this.deps.policy.endcapReplyMs);
		});
		try {
			return await Promise.race([reply, bound]);
		} finally {
			timer?.();
		}
	}

	private async end(end: SessionEnd): Promise<void> {
		if (this.ended) return;
		this.ended = true;
		for (const cancel of [this.cancelPreAuth, this.cancelIdle, this.cancelHold]) cancel?.();
		this.deps.channel.close();
		await this.captures.endCurrent();
		this.deps.onEnd?.(end);
	}
}
