// Active mode against libpcap's own client (rpcap-probe active): our daemon dials out, the client captures over TCP, UDP and TLS; reconnects after collector restarts; stops after CLOSE.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { replay, writeFramesPcap } from "../integration/harness/inject.ts";
import { createWorkspace, type NetNamespace, removeWorkspace } from "../integration/harness/namespace.ts";
import { udpFrames } from "../support/frames.ts";
import { writeSelfSignedCertificate } from "../support/self-signed-certificate.ts";
import { expectSameFrames } from "./harness/capture-check.ts";
import { type RunningDaemon, startOurDaemon } from "./harness/daemon.ts";
import { PROBE, parseProbe, requireInteropKit } from "./harness/tools.ts";

const FILTER = "udp and dst port 9";
let ns: NetNamespace;
let dir: string;
const frames = udpFrames(2000, (i) => 60 + ((i * 97) % 1455));

beforeAll(() => {
	requireInteropKit();
	({ ns, dir } = createWorkspace("rpcapd-active-"));
	writeFramesPcap(join(dir, "frames.pcap"), frames);
	writeSelfSignedCertificate(dir);
});

afterAll(() => removeWorkspace(ns, dir));

interface ProbeHandle {
	proc: Subprocess<"pipe" | "ignore", "pipe", "pipe">;
	text: () => string;
	result: Promise<Record<string, string>>;
}

function startActiveProbe(port: number, extra: string[], count = frames.length, timeoutS = 30): ProbeHandle {
	const proc = ns.spawn([
		PROBE,
		"active",
		"127.0.0.1",
		String(port),
		"v1",
		String(count),
		String(timeoutS),
		"--filter",
		FILTER,
		...extra,
	]);
	let text = "";
	const decoder = new TextDecoder();
	const result = (async () => {
		for await (const chunk of proc.stdout) text += decoder.decode(chunk, { stream: true });
		await proc.exited;
		return parseProbe(text);
	})();
	return { proc, text: () => text, result };
}

async function waitUntil(predicate: () => boolean, timeoutMs: number, what: string): Promise<number> {
	const start = Date.now();
	while (!predicate()) {
		if (Date.now() - start > timeoutMs)
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await Bun.sleep(20);
	}
	return Date.now() - start;
}

/** Waits until the daemon has a capture running, injects the frames, and returns the probe's result. */
async function captureThrough(daemon: RunningDaemon, probe: ProbeHandle): Promise<Record<string, string>> {
	const before = daemon.log().split("capture started").length;
	await waitUntil(
		() => daemon.log().split("capture started").length > before,
		20_000,
		"the capture to start",
	);
	await replay(ns, "v0", join(dir, "frames.pcap"), 10_000);
	return probe.result;
}

describe("active mode with libpcap's client", () => {
	for (const [label, probeExtra, daemonExtra] of [
		["TCP", [], []],
		["UDP classic", ["--udp"], ["--udpstr", "off"]],
		["TLS", ["--tls"], ["--tls", "--tls-key", "KEY", "--tls-cert", "CERT"]],
	] as const) {
		test(`${label}: the client accepts our daemon and captures every frame`, async () => {
			const port = 2300 + ["TCP", "UDP classic", "TLS"].indexOf(label);
			const out = join(dir, `active-${port}.pcap`);
			const probe = startActiveProbe(port, [...probeExtra, "--out", out]);
			await Bun.sleep(300);
			const args = daemonExtra.map((a) =>
				a === "KEY" ? join(dir, "key.pem") : a === "CERT" ? join(dir, "cert.pem") : a,
			);
			const daemon = await startOurDaemon(ns, ["-n", "-v", "--active", `127.0.0.1:${port}`, ...args]);
			try {
				const r = await captureThrough(daemon, probe);
				expect(r.result).toBe("ok");
				expect(r.connecting_host).toBe("127.0.0.1");
				expect(r.remoteact_close).toBe("ok");
				expectSameFrames(out, frames);
				await waitUntil(() => daemon.log().includes("sent CLOSE"), 5000, "the CLOSE to be logged");
			} finally {
				await daemon.stop();
			}
		}, 60_000);
	}

	test("-a host,port as libpcap spells it, with the passive listener on", async () => {
		const probe = startActiveProbe(2310, [], 200, 20);
		await Bun.sleep(300);
		const daemon = await startOurDaemon(ns, ["-n", "-b", "127.0.0.1", "-p", "2311", "-a", "127.0.0.1,2310"]);
		try {
			writeFramesPcap(join(dir, "some.pcap"), frames.slice(0, 200));
			const before = daemon.log().split("capture started").length;
			await waitUntil(() => daemon.log().split("capture started").length > before, 20_000, "the capture");
			await replay(ns, "v0", join(dir, "some.pcap"), 5000);
			expect((await probe.result).result).toBe("ok");
		} finally {
			await daemon.stop();
		}
	}, 60_000);

	test("the collector restarting 3 times finds the daemon back within the backoff cap; CLOSE stops it", async () => {
		const port = 2320;
		const retryMaxS = 4;
		const daemon = await startOurDaemon(ns, [
			"-n",
			"-v",
			"--active",
			`127.0.0.1:${port}`,
			"--retry-max",
			String(retryMaxS),
			"-D",
		]);
		try {
			for (let round = 0; round < 3; round++) {
				const probe = startActiveProbe(port, [], 1_000_000, 60);
				const waited = await waitUntil(
					() => probe.text().includes("accept_ms="),
					(retryMaxS + 3) * 1000,
					`reconnect ${round + 1}`,
				);
				expect(waited).toBeLessThan((retryMaxS + 2) * 1000);
				probe.proc.kill("SIGKILL"); // a collector crash: no CLOSE
				await probe.proc.exited;
			}
			const last = startActiveProbe(port, [], 100, 20);
			await waitUntil(() => last.text().includes("accept_ms="), (retryMaxS + 3) * 1000, "the last reconnect");
			writeFramesPcap(join(dir, "hundred.pcap"), frames.slice(0, 100));
			await replay(ns, "v0", join(dir, "hundred.pcap"), 2000);
			expect((await last.result).result).toBe("ok");
			await waitUntil(() => daemon.log().includes("sent CLOSE"), 5000, "CLOSE to stop the entry");
			// After CLOSE nothing reconnects: a listener on the same port stays unvisited.
			const idle = startActiveProbe(port, [], 1, 2 * retryMaxS);
			const r = await idle.result;
			expect(idle.text()).not.toContain("accept_ms=");
			expect(r.result).toBe("error");
		} finally {
			await daemon.stop();
		}
	}, 90_000);
});
