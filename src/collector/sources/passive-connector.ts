// A --connect target kept connected: dial, run a session, and after any end reconnect with backoff and jitter.

import type { ControlTransport } from "../control/control-transport.ts";

/** First retry after 1 s, doubling to this cap; each delay drawn from [50 %, 100 %] (extrahop-udpstr.md §12.2). */
export const RECONNECT_FIRST_MS = 1000;
export const RECONNECT_CAP_MS = 30_000;

export interface ConnectorHooks {
	/** Dials the sensor; `signal` aborts when the connector stops. */
	dial(signal: AbortSignal): Promise<ControlTransport>;
	/** Runs one session over the transport; resolves true when it reached capturing (the backoff resets). */
	runSession(transport: ControlTransport): Promise<boolean>;
	/** The dial failed. */
	dialFailed(error: Error): void;
	/** About to dial. */
	connecting(): void;
	random?: () => number;
}

export class PassiveConnector {
	#stopped = false;
	readonly #abort = new AbortController();
	#wake: (() => void) | null = null;
	#loop: Promise<void> | null = null;

	constructor(private readonly hooks: ConnectorHooks) {}

	start(): void {
		this.#loop ??= this.#run();
	}

	/** Stops retrying; the running session is stopped by its owner. Resolves when the loop has ended. */
	async stop(): Promise<void> {
		this.#stopped = true;
		this.#abort.abort();
		this.#wake?.();
		await this.#loop;
	}

	async #run(): Promise<void> {
		let delay = RECONNECT_FIRST_MS;
		while (!this.#stopped) {
			this.hooks.connecting();
			let captured = false;
			try {
				const transport = await this.hooks.dial(this.#abort.signal);
				if (this.#stopped) {
					transport.close();
					break;
				}
				captured = await this.hooks.runSession(transport);
			} catch (error) {
				if (!this.#stopped) this.hooks.dialFailed(error as Error);
			}
			if (this.#stopped) break;
			if (captured) delay = RECONNECT_FIRST_MS;
			await this.#sleep(delay * (0.5 + 0.5 * (this.hooks.random ?? Math.random)()));
			delay = Math.min(delay * 2, RECONNECT_CAP_MS);
		}
	}

	#sleep(ms: number): Promise<void> {
		return new Promise((resolve) => {
			const timer = setTimeout(done, ms);
			function done(): void {
				clearTimeout(timer);
				resolve();
			}
			this.#wake = done;
		});
	}
}
