// Operational modes with libpcap's client: self-traffic exclusion on lo, inetd mode on stdin, JSON logs.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { join } from "node:path";
import { spawn } from "bun";
import { readCapture } from "../../src/formats/index.ts";
import { createWorkspace, type NetNamespace, removeWorkspace } from "../integration/harness/namespace.ts";
import { startOurDaemon } from "./harness/daemon.ts";
import { runProbe } from "./harness/probe-run.ts";
import { PROBE, parseProbe, RPCAPD_MAIN, requireInteropKit } from "./harness/tools.ts";

let ns: NetNamespace;
let dir: string;

beforeAll(() => {
	requireInteropKit();
	({ ns, dir } = createWorkspace("rpcapd-ops-"));
});
afterAll(() => removeWorkspace(ns, dir));

/** Sends `count` UDP datagrams to 127.0.0.1:9 inside the namespace (a receiver is bound so no ICMP follows). */
async function udpToPort9(count: number): Promise<void> {
	const script = `const r = await Bun.udpSocket({ hostname: "127.0.0.1", port: 9, socket: { data() {} } });
const s = await Bun.udpSocket({});
for (let i = 0; i < ${count}; i++) { s.send(new Uint8Array(32), 9, "127.0.0.1"); await Bun.sleep(2); }
await Bun.sleep(200); r.close(); s.close();`;
	const r = await ns.run([process.execPath, "-e", script]);
	expect(r.exitCode).toBe(0);
}

async function captureLoWithoutFilter(port: number, out: string): Promise<Record<string, string>> {
	const probe = runProbe(ns, [
		"capture",
		`rpcap://127.0.0.1:${port}/lo`,
		"100",
		"15",
		"--no-filter",
		"--out",
		out,
		"--min",
		"1",
	]);
	await Bun.sleep(1500);
	await udpToPort9(100);
	return (await probe).values;
}

function ipProtocols(file: string): number[] {
	return readCapture(new Uint8Array(readFileSync(file))).records.map((r) => r.data[23] ?? -1);
}

describe("self-traffic exclusion", () => {
	test("a capture of lo with no filter never contains the daemon's own control and data traffic", async () => {
		const daemon = await startOurDaemon(ns, ["-n", "-b", "127.0.0.1", "-p", "2402"]);
		const out = join(dir, "excluded.pcap");
		const r = await captureLoWithoutFilter(2402, out);
		await daemon.stop();
		expect(r.result).toBe("ok");
		const protocols = ipProtocols(out);
		expect(protocols.length).toBe(100);
		expect(protocols.every((p) => p === 17)).toBe(true); // only the UDP test datagrams, no TCP
	}, 60_000);

	test("--no-exclude-self lets the feedback loop through (the reference behaviour)", async () => {
		const daemon = await startOurDaemon(ns, ["-n", "-b", "127.0.0.1", "-p", "2403", "--no-exclude-self"]);
		const out = join(dir, "included.pcap");
		const r = await captureLoWithoutFilter(2403, out);
		await daemon.stop();
		expect(r.result).toBe("ok");
		expect(ipProtocols(out)).toContain(6);
	}, 60_000);
});

describe("shutdown", () => {
	test("SIGTERM during a client's capture: the capture ends cleanly and the daemon exits 0 within seconds", async () => {
		const daemon = await startOurDaemon(ns, ["-n", "-b", "127.0.0.1", "-p", "2405"]);
		const probe = runProbe(ns, [
			"capture",
			"rpcap://127.0.0.1:2405/lo",
			"1000000",
			"30",
			"--filter",
			"udp port 9",
			"--min",
			"0",
		]);
		const deadline = Date.now() + 10_000;
		while (!daemon.log().includes("capture started") && Date.now() < deadline) await Bun.sleep(20);
		const started = performance.now();
		daemon.proc.kill("SIGTERM");
		expect(await daemon.proc.exited).toBe(0);
		expect(performance.now() - started).toBeLessThan(6000);
		expect(daemon.log()).toContain("capture ended");
		expect(daemon.log()).toContain("rpcapd is closing.");
		const r = await probe;
		expect(r.values.stop_reason ?? r.values.error_at).toBeDefined();
	}, 30_000);
});

describe("inetd mode", () => {
	test("--inetd serves the one connection on stdin, then exits 0", async () => {
		// Stand in for inetd: accept, then hand the socket to `rpcapd --inetd` as its stdin.
		let exit: Promise<number> | null = null;
		const server = createServer({ pauseOnConnect: true }, (socket: Socket) => {
			const fd = (socket as unknown as { _handle: { fd: number } })._handle.fd;
			const child = spawn([process.execPath, RPCAPD_MAIN, "--inetd", "-n"], {
				stdin: fd,
				stdout: "ignore",
				stderr: "pipe",
			});
			exit = child.exited;
			socket.destroy();
		});
		await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
		const port = (server.address() as { port: number }).port;
		const r = await new Promise<Record<string, string>>((resolve) => {
			const probe = spawn([PROBE, "list", `rpcap://127.0.0.1:${port}/`], { stdout: "pipe" });
			void new Response(probe.stdout).text().then((text) => resolve(parseProbe(text)));
		});
		server.close();
		expect(r.result).toBe("ok");
		expect(Object.values(r)).toContain(`rpcap://127.0.0.1:${port}/lo`);
		expect(exit).not.toBeNull();
		expect(await exit!).toBe(0);
	}, 30_000);
});

describe("logs", () => {
	test("--log-format json writes one JSON object per line", async () => {
		const daemon = await startOurDaemon(ns, ["-n", "-b", "127.0.0.1", "-p", "2404", "--log-format", "json"]);
		await runProbe(ns, ["list", "rpcap://127.0.0.1:2404/"]);
		await daemon.stop();
		const lines = daemon.log().trim().split("\n").filter(Boolean);
		expect(lines.length).toBeGreaterThan(1);
		for (const line of lines) {
			const entry = JSON.parse(line);
			expect(typeof entry.time).toBe("string");
			expect(["debug", "info", "notice", "warn", "error"]).toContain(entry.level);
			expect(typeof entry.msg).toBe("string");
		}
		expect(lines.some((l) => JSON.parse(l).msg.startsWith("listening on"))).toBe(true);
	}, 30_000);
});
