// Collector lifecycle: a sensor that goes away and comes back, `-w -` into tshark, a crash, the metrics endpoint.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { spawn, spawnSync } from "bun";
import { udpFrames } from "../../support/frames.ts";
import { replay, writeFramesPcap } from "../harness/inject.ts";
import { createWorkspace, type NetNamespace, removeWorkspace } from "../harness/namespace.ts";
import { CollectorProcess, MAIN, readPcapFile, startOurDaemon } from "./support/collector-process.ts";
import { expectFramesInOrder, frameSize } from "./support/frame-check.ts";

const FILTER = "udp and dst port 9";
/** Real processes and traffic: more than bun's default 5 s per test. */
const TEST_TIMEOUT_MS = 60_000;
let ns: NetNamespace;
let dir: string;

beforeAll(() => {
	({ ns, dir } = createWorkspace("rpcapd-collect-life-"));
});
afterAll(() => removeWorkspace(ns, dir));

function framesFile(name: string, count: number, seed: number): { path: string; frames: Uint8Array[] } {
	const frames = udpFrames(count, frameSize, 9, seed);
	const path = join(dir, name);
	writeFramesPcap(path, frames);
	return { path, frames };
}

const passiveDaemon = (port: number) => startOurDaemon(ns, ["-n", "-b", "127.0.0.1", "-p", `${port}`]);

describe("rpcapd collect lifecycle", () => {
	test(
		"a sensor that goes away is shown down and picked up again when it comes back",
		async () => {
			const first = framesFile("r1.pcap", 2000, 700_001);
			const second = framesFile("r2.pcap", 2000, 710_001);
			const output = join(dir, "restart.pcap");
			let daemon = passiveDaemon(24_002);
			await Bun.sleep(500);
			const collector = CollectorProcess.start(ns, [
				"--connect",
				"rpcap://127.0.0.1:24002/v1",
				"-w",
				output,
				FILTER,
			]);
			await collector.capturing();
			await replay(ns, "v0", first.path, 10_000);
			await collector.waitFor("first batch", (s) => s[0]?.packets === 2000);
			// The sensor crashes (our daemon's SIGTERM waits for its clients to leave first).
			daemon.kill("SIGKILL");
			await daemon.exited;
			await collector.waitFor("down", (s) => s[0] !== undefined && s[0].state !== "capturing");
			daemon = passiveDaemon(24_002);
			await collector.waitFor("capturing again", (s) => s[0]?.state === "capturing" && s[0].captures === 2);
			await replay(ns, "v0", second.path, 10_000);
			await collector.waitFor("second batch", (s) => s[0]?.packets === 4000);
			expect((await collector.stop()).exitCode).toBe(0);
			daemon.kill("SIGTERM");
			await daemon.exited;
			expectFramesInOrder(readPcapFile(output), [...first.frames, ...second.frames]);
		},
		TEST_TIMEOUT_MS,
	);

	test(
		"-w - streams a pcap that tshark reads from a pipe while it is written",
		async () => {
			const { path, frames } = framesFile("pipe.pcap", 3000, 720_001);
			const daemon = passiveDaemon(24_012);
			await Bun.sleep(500);
			// A FIFO between them: tshark refuses a socket as its input, and Bun hands a child's stdout to
			// another child as a socket.
			const fifo = join(dir, "capture.fifo");
			expect(spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
			const tshark = spawn(["tshark", "-r", fifo, "-T", "fields", "-e", "frame.len"], {
				stdout: "pipe",
				stderr: "pipe",
			});
			const command = [process.execPath, MAIN, "collect", "--view", "json", "--stats-interval", "0.2"];
			const args = ["--connect", "rpcap://127.0.0.1:24012/v1", "-w", "-", FILTER];
			const collector = new CollectorProcess(
				ns.spawn(["sh", "-c", `exec "$@" > '${fifo}'`, "sh", ...command, ...args]),
				"stderr",
			);
			await collector.capturing();
			await replay(ns, "v0", path, 10_000);
			await collector.waitFor("all packets", (s) => s[0]?.packets === frames.length);
			expect((await collector.stop()).exitCode).toBe(0);
			const lengths = (await new Response(tshark.stdout).text()).trim().split("\n").map(Number);
			expect(await tshark.exited).toBe(0);
			expect(lengths).toEqual(frames.map((f) => f.length));
			daemon.kill("SIGTERM");
			await daemon.exited;
		},
		TEST_TIMEOUT_MS,
	);

	test(
		"a crash (SIGKILL) a second after the last packet loses nothing that was received",
		async () => {
			const { path, frames } = framesFile("crash.pcap", 3000, 730_001);
			const output = join(dir, "crash-out.pcap");
			const daemon = passiveDaemon(24_022);
			await Bun.sleep(500);
			const collector = CollectorProcess.start(ns, [
				"--connect",
				"rpcap://127.0.0.1:24022/v1",
				"-w",
				output,
				FILTER,
			]);
			await collector.capturing();
			await replay(ns, "v0", path, 10_000);
			await collector.waitFor("all packets", (s) => s[0]?.packets === frames.length);
			await Bun.sleep(1200);
			collector.proc.kill("SIGKILL");
			await collector.proc.exited;
			daemon.kill("SIGTERM");
			await daemon.exited;
			expectFramesInOrder(readPcapFile(output), frames);
		},
		TEST_TIMEOUT_MS,
	);

	test(
		"--metrics serves the per-sensor counters in Prometheus text format",
		async () => {
			const { path, frames } = framesFile("metrics.pcap", 1000, 740_001);
			const daemon = passiveDaemon(24_032);
			await Bun.sleep(500);
			const collector = CollectorProcess.start(ns, [
				"--connect",
				"rpcap://127.0.0.1:24032/v1",
				"-w",
				join(dir, "metrics-out.pcapng"),
				"--format",
				"pcapng",
				"--metrics",
				"127.0.0.1:24039",
				"--stats-poll",
				"0.5",
				FILTER,
			]);
			await collector.capturing();
			await replay(ns, "v0", path, 10_000);
			await collector.waitFor(
				"all packets",
				(s) => s[0]?.packets === frames.length && s[0].sensor_svrcapt === frames.length,
			);
			const fetched = await ns.run([
				process.execPath,
				"-e",
				"process.stdout.write(await (await fetch('http://127.0.0.1:24039/metrics')).text())",
			]);
			const labels = 'sensor="127.0.0.1:24032",iface="v1",transport="tcp"';
			expect(fetched.stdout).toContain(`rpcapd_collect_up{${labels}} 1`);
			expect(fetched.stdout).toContain(`rpcapd_collect_packets_total{${labels}} ${frames.length}`);
			expect(fetched.stdout).toContain(`rpcapd_collect_lost_packets_total{${labels}} 0`);
			expect(fetched.stdout).toContain(`rpcapd_collect_sensor_svrcapt{${labels}} ${frames.length}`);
			expect((await collector.stop()).exitCode).toBe(0);
			daemon.kill("SIGTERM");
			await daemon.exited;
		},
		TEST_TIMEOUT_MS,
	);
});

describe("rpcapd collect authentication and TLS", () => {
	test(
		"password authentication: accepted with the right password; a wrong one shows the sensor in error",
		async () => {
			const users = join(dir, "users");
			const passwd = spawn([process.execPath, MAIN, "passwd", "--stdin", users, "alice"], {
				stdin: new TextEncoder().encode("correct horse\n"),
				stdout: "pipe",
				stderr: "pipe",
			});
			expect(await passwd.exited).toBe(0);
			const daemon = startOurDaemon(ns, ["-b", "127.0.0.1", "-p", "24042", "--users", users]);
			await Bun.sleep(500);
			const wrong = CollectorProcess.start(ns, [
				"--connect",
				"rpcap://127.0.0.1:24042/v1",
				"--auth",
				"alice:battery staple",
				"-w",
				join(dir, "wrong.pcap"),
				FILTER,
			]);
			await wrong.waitFor("auth error", (s) => s[0]?.state === "error");
			expect(wrong.sensors()[0]!.error).toBe("Authentication failed");
			await wrong.stop();
			const right = CollectorProcess.start(ns, [
				"--connect",
				"rpcap://127.0.0.1:24042/v1",
				"--auth",
				"alice:correct horse",
				"-w",
				join(dir, "right.pcap"),
				FILTER,
			]);
			await right.capturing();
			expect((await right.stop()).exitCode).toBe(0);
			daemon.kill("SIGTERM");
			await daemon.exited;
		},
		TEST_TIMEOUT_MS,
	);

	test(
		"TLS: rpcaps:// verified against a CA (control and data), and active sensors over --tls",
		async () => {
			const key = join(dir, "key.pem");
			const cert = join(dir, "cert.pem");
			const made = spawnSync(
				[
					"openssl",
					"req",
					"-x509",
					"-newkey",
					"rsa:2048",
					"-nodes",
					"-keyout",
					key,
					"-out",
					cert,
					"-days",
					"1",
				].concat(["-subj", "/CN=sensor", "-addext", "subjectAltName=IP:127.0.0.1"]),
				{ stdout: "ignore", stderr: "pipe" },
			);
			expect(made.exitCode).toBe(0);
			const { path, frames } = framesFile("tls.pcap", 1000, 750_001);
			const passive = startOurDaemon(ns, [
				"-n",
				"-b",
				"127.0.0.1",
				"-p",
				"24052",
				"--tls",
				"-K",
				key,
				"-X",
				cert,
			]);
			await Bun.sleep(500);
			const collector = CollectorProcess.start(ns, [
				"--connect",
				"rpcaps://127.0.0.1:24052/v1",
				"--ca",
				cert,
				"--listen",
				"127.0.0.1:24053",
				"--tls",
				"--iface",
				"v1",
				"--format",
				"pcapng",
				"-w",
				join(dir, "tls.pcapng"),
				FILTER,
			]);
			const active = startOurDaemon(ns, [
				"-n",
				"-v",
				"--active",
				"127.0.0.1:24053",
				"--tls",
				"-K",
				key,
				"-X",
				cert,
			]);
			await collector.capturing(2);
			await replay(ns, "v0", path, 10_000);
			await collector.waitFor(
				"both sensors",
				(s) => s.length === 2 && s.every((x) => x.packets === frames.length),
			);
			expect((await collector.stop()).exitCode).toBe(0);
			passive.kill("SIGTERM");
			active.kill("SIGTERM");
			await Promise.all([passive.exited, active.exited]);
			const file = readPcapFile(join(dir, "tls.pcapng"));
			expectFramesInOrder(file, frames, "127.0.0.1:24052/v1");
			expectFramesInOrder(file, frames, "127.0.0.1/v1");
		},
		TEST_TIMEOUT_MS,
	);
});
