import { describe, expect, test } from "bun:test";
import { DataChannelError, formatSeconds } from "../../../../src/daemon/data/data-channel-error.ts";
import { FailureLatch } from "../../../../src/daemon/data/failure-latch.ts";
import { ipFamily, normalizeIp } from "../../../../src/daemon/data/ip-endpoint.ts";
import { osErrorText } from "../../../../src/daemon/data/os-error-text.ts";
import { PendingChannel } from "../../../../src/daemon/data/pending-channel.ts";
import type { DataFailure, DataSender } from "../../../../src/daemon/data/sender.ts";
import { StallWatch } from "../../../../src/daemon/data/stall-watch.ts";
import { RpcapError } from "../../../../src/protocol/errors.ts";

describe("addresses", () => {
	test("IPv4-mapped IPv6 is unmapped; other addresses are lower-cased", () => {
		expect(normalizeIp("::ffff:10.1.2.3")).toBe("10.1.2.3");
		expect(normalizeIp("::FFFF:127.0.0.1")).toBe("127.0.0.1");
		expect(normalizeIp("FE80::1")).toBe("fe80::1");
		expect(normalizeIp("::ffff:a01:203")).toBe("::ffff:a01:203");
		expect(ipFamily("::ffff:127.0.0.1")).toBe(4);
		expect(ipFamily("::1")).toBe(6);
	});
});

describe("OS error texts", () => {
	test("system error codes become strerror texts; other errors keep their message", () => {
		expect(osErrorText(Object.assign(new Error("x"), { code: "ECONNREFUSED" }))).toBe("Connection refused");
		expect(osErrorText(Object.assign(new Error("x"), { code: "EHOSTUNREACH" }))).toBe("No route to host");
		expect(osErrorText(Object.assign(new Error("odd failure"), { code: "EWHATEVER" }))).toBe("odd failure");
		expect(osErrorText({ code: "EWHATEVER" })).toBe("EWHATEVER");
		expect(osErrorText("plain")).toBe("plain");
	});
});

describe("data channel errors", () => {
	test("carry ERROR 12 and format timeouts in seconds", () => {
		const error = new DataChannelError("busy", "Data port busy");
		expect(error).toBeInstanceOf(RpcapError);
		expect(error.code).toBe(12);
		expect(error.name).toBe("DataChannelError");
		expect(formatSeconds(10_000)).toBe("10 s");
		expect(formatSeconds(250)).toBe("0.25 s");
	});
});

describe("failure latch", () => {
	test("delivers the first failure once, asynchronously, also to a late handler", async () => {
		const latch = new FailureLatch();
		const seen: DataFailure[] = [];
		latch.report({ kind: "stalled", message: "a" });
		latch.report({ kind: "error", message: "b" });
		expect(latch.failed).toBe(true);
		latch.onFailure((failure) => seen.push(failure));
		expect(seen).toEqual([]);
		await Bun.sleep(0);
		expect(seen).toEqual([{ kind: "stalled", message: "a" }]);
		latch.onFailure((failure) => seen.push(failure));
		await Bun.sleep(0);
		expect(seen).toHaveLength(1);
	});
});

describe("pending channel", () => {
	test("a sender delivered after cancel is closed at once", async () => {
		const pending = new PendingChannel({ address: "127.0.0.1", port: 1234 });
		expect(pending.port).toBe(1234);
		let aborted = 0;
		pending.setAbort(() => aborted++);
		pending.cancel();
		pending.cancel();
		expect(aborted).toBe(1);
		await expect(pending.accepted).rejects.toThrow("Data connection setup was cancelled");
		let closed = 0;
		pending.deliver({
			close: async () => {
				closed++;
			},
		} as unknown as DataSender);
		expect(closed).toBe(1);
	});
});

describe("stall watch", () => {
	test("fires once after the timeout without progress; progress restarts the clock; idle disarms", async () => {
		let pending = true;
		let progress = 0;
		let stalls = 0;
		const watch = new StallWatch(80, {
			pending: () => pending,
			progress: () => progress,
			stalled: () => stalls++,
		});
		watch.arm();
		for (let i = 0; i < 6; i++) {
			await Bun.sleep(30);
			progress++;
		}
		expect(stalls).toBe(0);
		const started = performance.now();
		while (stalls === 0 && performance.now() - started < 1000) await Bun.sleep(5);
		expect(stalls).toBe(1);
		expect(performance.now() - started).toBeGreaterThanOrEqual(50);
		await Bun.sleep(150);
		expect(stalls).toBe(1);
		pending = false;
		watch.arm();
		await Bun.sleep(150);
		expect(stalls).toBe(1);
		watch.stop();
	});
});
