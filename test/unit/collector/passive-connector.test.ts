// PassiveConnector: reconnects after every end, backing off (with jitter) until a session captures again.

import { describe, expect, test } from "bun:test";
import { type ControlTransport, PassiveConnector } from "../../../src/collector/index.ts";

const transport = { close() {} } as unknown as ControlTransport;

describe("PassiveConnector", () => {
	test("failed dials back off 1, 2, 4 … s scaled by jitter; a session that captured resets the delay", async () => {
		const delays: number[] = [];
		const realSetTimeout = globalThis.setTimeout;
		let attempt = 0;
		const outcomes = ["dial-fail", "dial-fail", "captured", "not-captured", "dial-fail"];
		let connector: PassiveConnector;
		const done = new Promise<void>((resolve) => {
			connector = new PassiveConnector({
				random: () => 0.5,
				connecting: () => {},
				dial: async () => {
					const outcome = outcomes[attempt++];
					if (outcome === undefined) {
						resolve();
						return new Promise<ControlTransport>(() => {});
					}
					if (outcome === "dial-fail") throw new Error("Cannot connect to h:2002: connection refused");
					return transport;
				},
				runSession: async () => outcomes[attempt - 1] === "captured",
				dialFailed: () => {},
			});
		});
		globalThis.setTimeout = ((fn: () => void, ms: number) => {
			delays.push(ms);
			return realSetTimeout(fn, 0);
		}) as typeof setTimeout;
		try {
			connector!.start();
			await done;
		} finally {
			globalThis.setTimeout = realSetTimeout;
		}
		// 0.75 × the nominal 1, 2 s; reset to 1 s after the capture; then 2, 4 s.
		expect(delays).toEqual([750, 1500, 750, 1500, 3000]);
		const stopping = connector!.stop();
		expect(await Promise.race([stopping.then(() => "stopped"), Bun.sleep(50).then(() => "hung")])).toBe(
			"hung",
		);
	});

	test("stop aborts a dial in progress", async () => {
		let aborted = false;
		const connector = new PassiveConnector({
			connecting: () => {},
			dial: (signal) =>
				new Promise((_, reject) => {
					signal.addEventListener("abort", () => {
						aborted = true;
						reject(new Error("cancelled"));
					});
				}),
			runSession: async () => false,
			dialFailed: () => {
				throw new Error("a cancelled dial is not a failure");
			},
		});
		connector.start();
		await Bun.sleep(5);
		await connector.stop();
		expect(aborted).toBe(true);
	});

	test("stop ends the wait between attempts at once", async () => {
		const connector = new PassiveConnector({
			connecting: () => {},
			dial: async () => {
				throw new Error("refused");
			},
			runSession: async () => false,
			dialFailed: () => {},
		});
		connector.start();
		await Bun.sleep(10);
		const started = Date.now();
		await connector.stop();
		expect(Date.now() - started).toBeLessThan(100);
	});
});
