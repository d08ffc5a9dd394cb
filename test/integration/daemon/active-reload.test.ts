// Active entries against loopback stand-in collectors: SIGHUP applies a changed rpcapd.ini (M9), rejections back off (M1, M3), nothing is sent first (M4).

import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Subprocess, spawn } from "bun";
import { ErrorCode, encodeErrorMessage } from "../../../src/protocol/index.ts";
import { FakeCollector, waitFor } from "../harness/fake-collector.ts";

const MAIN = join(import.meta.dir, "../../../src/cli/main.ts");
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function startDaemon(args: string[]): { proc: Subprocess<"ignore", "pipe", "pipe">; log: () => string } {
	const proc = spawn([process.execPath, MAIN, ...args], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
	let text = "";
	const decoder = new TextDecoder();
	void (async () => {
		for await (const chunk of proc.stderr) text += decoder.decode(chunk, { stream: true });
	})();
	cleanups.push(async () => {
		proc.kill("SIGTERM");
		await proc.exited;
	});
	return { proc, log: () => text };
}

async function collector(
	onConnection?: ConstructorParameters<typeof FakeCollector>[0],
): Promise<{ c: FakeCollector; port: number }> {
	const c = new FakeCollector(onConnection);
	const port = await c.listen();
	cleanups.push(() => c.close());
	return { c, port };
}

describe("active mode reconnects and reloads", () => {
	test("M4: the daemon sends nothing before the collector speaks", async () => {
		const { c, port } = await collector();
		startDaemon(["-n", "-v", "--active", `127.0.0.1:${port}`]);
		await waitFor(() => c.connections.length === 1, 5000, "the connection");
		await Bun.sleep(500);
		expect(Buffer.concat(c.connections[0]!.received).length).toBe(0);
	});

	test("N9: no limit of 10 targets: 20 active entries connect at once", async () => {
		const collectors = await Promise.all(Array.from({ length: 20 }, () => collector()));
		startDaemon(["-n", "-v", ...collectors.flatMap(({ port }) => ["--active", `127.0.0.1:${port}`])]);
		await waitFor(
			() => collectors.every(({ c }) => c.open.length === 1),
			10_000,
			"all 20 entries to connect",
		);
	});

	test("M1: a collector that rejects with ERROR 11 sees backoff (first retry at once, then ≥ 1 s growing, jittered)", async () => {
		const { c, port } = await collector((conn) => {
			conn.socket.end(encodeErrorMessage(ErrorCode.REMOTEACCEPT, "Host not allowed"));
		});
		const daemon = startDaemon(["-n", "-v", "--active", `127.0.0.1:${port}`, "--retry-max", "30"]);
		await waitFor(() => c.connections.length >= 5, 15_000, "five attempts");
		const times = c.connections.map((x) => x.openedAt);
		const gaps = times.slice(1).map((t, i) => t - times[i]!);
		expect(gaps[0]!).toBeLessThan(400); // first retry at once
		expect(gaps[1]!).toBeGreaterThanOrEqual(450); // 1 s nominal, jitter down to 50 %
		expect(gaps[2]!).toBeGreaterThanOrEqual(950); // 2 s nominal
		expect(gaps[3]!).toBeGreaterThanOrEqual(1950); // 4 s nominal
		expect(daemon.log()).toContain("rejected by the collector: Host not allowed");
	}, 20_000);

	test("M9: SIGHUP adds, removes and changes entries; unchanged ones keep their connection", async () => {
		const dir = mkdtempSync(join(tmpdir(), "rpcapd-reload-"));
		cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
		const [a, b, c, d] = await Promise.all([collector(), collector(), collector(), collector()]);
		const ini = join(dir, "rpcapd.ini");
		writeFileSync(
			ini,
			`ActiveClient = 127.0.0.1, ${a!.port}\nActiveClient = 127.0.0.1, ${b!.port}\nNullAuthPermit = YES\n`,
		);
		const daemon = startDaemon(["-v", "-f", ini]);
		await waitFor(() => a!.c.open.length === 1 && b!.c.open.length === 1, 5000, "both entries to connect");
		// Keep a, drop b, add c, and change d's entry by moving it from another port.
		writeFileSync(
			ini,
			`ActiveClient = 127.0.0.1, ${a!.port}\nActiveClient = 127.0.0.1, ${c!.port}\nActiveClient = 127.0.0.1,${d!.port}\nNullAuthPermit = YES`,
		);
		daemon.proc.kill("SIGHUP");
		await waitFor(
			() => c!.c.open.length === 1 && d!.c.open.length === 1,
			5000,
			"the added entries to connect",
		);
		await waitFor(() => b!.c.open.length === 0, 5000, "the removed entry to disconnect");
		expect(a!.c.connections.length).toBe(1);
		expect(a!.c.open.length).toBe(1);
		expect(daemon.log()).toContain("re-read");
	}, 20_000);

	test("M9: an unreadable file on reload keeps the running configuration", async () => {
		const dir = mkdtempSync(join(tmpdir(), "rpcapd-reload-"));
		cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
		const { c, port } = await collector();
		const ini = join(dir, "rpcapd.ini");
		writeFileSync(ini, `ActiveClient = 127.0.0.1, ${port}\nNullAuthPermit = YES\n`);
		const daemon = startDaemon(["-v", "-f", ini]);
		await waitFor(() => c.open.length === 1, 5000, "the connection");
		writeFileSync(ini, "ActiveClient 127.0.0.1 2003\n");
		daemon.proc.kill("SIGHUP");
		await waitFor(() => daemon.log().includes("reload failed"), 5000, "the reload error");
		expect(daemon.log()).toMatch(/rpcapd\.ini:1:\d+: ActiveClient has no '='/);
		await Bun.sleep(300);
		expect(c.open.length).toBe(1);
		expect(c.connections.length).toBe(1);
	}, 20_000);
});
