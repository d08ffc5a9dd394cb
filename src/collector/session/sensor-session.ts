// One sensor session as a state machine over an injected control transport: auth → interface → open → capture → end.

import { dltToLinktype } from "../../formats/index.ts";
import {
	decodeAuthReply,
	decodeFindAllIfReply,
	decodeOpenReply,
	decodeStatsReply,
	encodeAuthRequest,
	encodeEmptyMessage,
	encodeOpenRequest,
	MessageType,
	negotiateVersion,
	type RemoteInterface,
} from "../../protocol/index.ts";
import { ControlClient, type ReplyMessage } from "../control/control-client.ts";
import {
	ControlClosedError,
	ProtocolViolationError,
	RemoteError,
	ReplyTimeoutError,
	SessionError,
	type SessionStage,
} from "../errors.ts";
import { type StartedCapture, startCapture, UDP_TAIL_GRACE_MS } from "./capture-start.ts";
import { captureProgram } from "./filter-program.ts";
import { chooseInterface, type InterfaceChoice } from "./interface-choice.ts";
import type {
	SessionEffects,
	SessionEnd,
	SessionObserver,
	SessionSettings,
	SessionState,
} from "./session-types.ts";

/** libpcap's active-mode pcap_close waits for ENDCAP_REPLY; ours answers within 5 s (§11.1). */
const ENDCAP_TIMEOUT_MS = 5000;
/** After ENDCAP_REPLY the TCP data stream has normally ended already (EOF precedes the reply, §11.1). */
const DATA_EOF_WAIT_MS = 2000;

function asSessionError(error: unknown, stage: SessionStage): SessionError {
	if (error instanceof SessionError) return error;
	if (error instanceof RemoteError) return new SessionError(stage, error.text, error.code);
	if (error instanceof ProtocolViolationError) return new SessionError("protocol", error.message);
	if (error instanceof ControlClosedError || error instanceof ReplyTimeoutError)
		return new SessionError(stage, error.message);
	return new SessionError(stage, error instanceof Error ? error.message : String(error));
}

export class SensorSession {
	readonly #client: ControlClient;
	#state: SessionState = "authenticating";
	#stage: SessionStage = "auth";
	#stopRequested = false;
	#failure: SessionError | null = null;
	#wake: (() => void) | null = null;
	#capture: StartedCapture | null = null;
	#statsTimer: ReturnType<typeof setInterval> | null = null;
	#statsInFlight = false;
	#finished: Promise<SessionEnd> | null = null;

	constructor(
		private readonly settings: SessionSettings,
		private readonly effects: SessionEffects,
		private readonly observer: SessionObserver,
	) {
		this.#client = new ControlClient(effects.control, {
			asyncError: (error) =>
				this.#abort(new SessionError("capture", `Sensor reported: ${error.text}`, error.code)),
			closed: (error) =>
				this.#abort(
					error === null
						? new SessionError(this.#stage, "The sensor closed the control connection")
						: asSessionError(error, this.#stage),
				),
		});
	}

	get state(): SessionState {
		return this.#state;
	}

	/** Runs the session to its end; never throws. Call once. */
	run(): Promise<SessionEnd> {
		this.#finished ??= this.#run();
		return this.#finished;
	}

	/** Ends the session: ENDCAP (so the sensor's tail arrives) and, in passive mode, CLOSE. Resolves when done. */
	async stop(): Promise<void> {
		this.#stopRequested = true;
		if (this.#state !== "capturing") this.#client.close();
		this.#wake?.();
		await this.#finished;
	}

	async #run(): Promise<SessionEnd> {
		try {
			await this.#authenticate();
			const choice = await this.#chooseInterface();
			await this.#openAndCapture(choice);
			await this.#captureEnded();
			if (this.#stopRequested && this.#failure === null) await this.#endGracefully();
		} catch (error) {
			if (!this.#stopRequested) this.#failure ??= asSessionError(error, this.#stage);
		} finally {
			this.#teardown();
		}
		this.#setState("ended");
		if (this.#failure !== null && !this.#stopRequested) return { reason: "failed", error: this.#failure };
		return { reason: "stopped" };
	}

	async #request(message: Uint8Array): Promise<ReplyMessage> {
		return this.#client.request(message, this.settings.requestTimeoutMs);
	}

	async #authenticate(): Promise<void> {
		this.#stage = "auth";
		const reply = await this.#request(encodeAuthRequest(this.settings.auth));
		negotiateVersion(decodeAuthReply(reply.payload));
	}

	async #chooseInterface(): Promise<InterfaceChoice> {
		this.#stage = "interfaces";
		this.#setState("opening");
		let list: RemoteInterface[] | null = null;
		try {
			const reply = await this.#request(encodeEmptyMessage(MessageType.FINDALLIF_REQ));
			list = decodeFindAllIfReply(reply.payload, reply.header.value);
		} catch (error) {
			// A sensor that cannot list still lets us open a named interface.
			if (!(error instanceof RemoteError)) throw error;
			this.effects.log.warn("sensor could not list its interfaces", { reason: error.text });
		}
		const choice = chooseInterface(list, this.settings.iface, this.settings.preferredIface);
		this.observer.interfaceChosen(choice);
		return choice;
	}

	async #openAndCapture(choice: InterfaceChoice): Promise<void> {
		const { settings, effects } = this;
		this.#stage = "open";
		const open = decodeOpenReply((await this.#request(encodeOpenRequest(choice.name))).payload);
		this.#stage = "filter";
		const program = captureProgram(effects.compileFilter, open.linktype, settings.snaplen, settings.filter);
		this.#stage = "sink";
		const onRecord = this.observer.openStream({
			iface: choice.name,
			description: choice.description,
			dlt: open.linktype,
			linktype: dltToLinktype(open.linktype),
			snaplen: settings.snaplen,
			filter: settings.filter,
		});
		this.#stage = "startcap";
		this.#setState("starting");
		const capture = await startCapture(this.#client, settings, effects, program, onRecord);
		this.#capture = capture;
		if (this.#stopRequested || this.#failure !== null) return;
		this.#stage = "capture";
		this.observer.receiver(capture.receiver, capture.transport);
		this.#setState("capturing");
		void capture.ended.then((error) => {
			if (this.#state !== "capturing") return;
			const reason =
				error === null ? "The sensor closed the data connection" : `Data connection failed: ${error.message}`;
			this.#abort(new SessionError("data", reason));
		});
		if (settings.statsIntervalMs > 0) {
			this.#statsTimer = setInterval(() => this.#pollStats(), settings.statsIntervalMs);
		}
	}

	#captureEnded(): Promise<void> {
		if (this.#stopRequested || this.#failure !== null || this.#capture === null) return Promise.resolve();
		return new Promise((resolve) => {
			this.#wake = resolve;
		});
	}

	async #endGracefully(): Promise<void> {
		this.#setState("stopping");
		this.#stopStats();
		const capture = this.#capture;
		try {
			await this.#client.request(encodeEmptyMessage(MessageType.ENDCAP_REQ), ENDCAP_TIMEOUT_MS);
			if (capture?.datagram) await Bun.sleep(UDP_TAIL_GRACE_MS);
			else if (capture) await Promise.race([capture.ended, Bun.sleep(DATA_EOF_WAIT_MS)]);
		} catch (error) {
			this.effects.log.debug("ENDCAP failed while stopping", { reason: (error as Error).message });
		}
		// Active sensors must come back when we restart: CLOSE would stop them for good (§11.2, §13.4).
		if (this.settings.mode === "passive") this.#client.send(encodeEmptyMessage(MessageType.CLOSE));
	}

	#pollStats(): void {
		if (this.#statsInFlight || this.#state !== "capturing") return;
		this.#statsInFlight = true;
		this.#request(encodeEmptyMessage(MessageType.STATS_REQ))
			.then(
				(reply) => this.observer.sensorStats(decodeStatsReply(reply.payload)),
				(error: Error) => {
					if (error instanceof RemoteError) this.effects.log.debug("STATS failed", { reason: error.text });
				},
			)
			.finally(() => {
				this.#statsInFlight = false;
			});
	}

	#abort(error: SessionError): void {
		if (this.#failure === null && !this.#stopRequested) this.#failure = error;
		this.#client.close();
		this.#wake?.();
	}

	#stopStats(): void {
		if (this.#statsTimer !== null) clearInterval(this.#statsTimer);
		this.#statsTimer = null;
	}

	#teardown(): void {
		this.#stopStats();
		const capture = this.#capture;
		this.#capture = null;
		if (capture !== null) {
			capture.receiver.finish();
			capture.close();
			this.observer.receiver(null, capture.transport);
		}
		this.#client.close();
	}

	#setState(state: SessionState): void {
		if (this.#state === state) return;
		this.#state = state;
		this.observer.state(state);
	}
}
