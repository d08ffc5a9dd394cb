// libpcap 1.10.3's own RPCAP client (rpcap-probe) against our daemon in passive mode, capturing a veth inside a namespace while the test injects frames.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "bun";
import { writeFramesPcap } from "../integration/harness/inject.ts";
import { LoopbackRecorder } from "../integration/harness/loopback-recorder.ts";
import { createWorkspace, type NetNamespace, removeWorkspace } from "../integration/harness/namespace.ts";
import { udpFrame, udpFrames } from "../support/frames.ts";
import { writeSelfSignedCertificate } from "../support/self-signed-certificate.ts";
import { expectSameFrames } from "./harness/capture-check.ts";
import { type RunningDaemon, startOurDaemon } from "./harness/daemon.ts";
import { captureWhileInjecting, runProbe } from "./harness/probe-run.ts";
import { RPCAPD_MAIN, requireInteropKit } from "./harness/tools.ts";

const FILTER = "udp and dst port 9";
let ns: NetNamespace;
let dir: string;
let plain: RunningDaemon;
let secure: RunningDaemon;

function file(name: string): string {
	return join(dir, name);
}

beforeAll(async () => {
	requireInteropKit();
	({ ns, dir } = createWorkspace("rpcapd-interop-"));
	ns.sysctl("net.ipv6.conf.v1.disable_ipv6", "0");
	for (const args of [
		["addr", "add", "10.77.0.2/24", "dev", "v1"],
		["-6", "addr", "add", "fd00:77::2/64", "dev", "v1", "nodad"],
	]) {
		expect(spawnSync(["ip", "-n", ns.name, ...args]).exitCode).toBe(0);
	}
	writeSelfSignedCertificate(dir);
	const passwd = spawnSync([process.execPath, RPCAPD_MAIN, "passwd", file("users"), "alice", "--stdin"], {
		stdin: new TextEncoder().encode("s3cret-pass\n"),
		stderr: "pipe",
	});
	expect(passwd.exitCode).toBe(0);
	plain = await startOurDaemon(ns, [
		"-n",
		"--users",
		file("users"),
		"-b",
		"127.0.0.1",
		"-b",
		"::1",
		"-p",
		"2002",
	]);
	secure = await startOurDaemon(ns, [
		"-n",
		"-b",
		"127.0.0.1",
		"-p",
		"2102",
		"--tls",
		"--tls-key",
		file("key.pem"),
		"--tls-cert",
		file("cert.pem"),
	]);
	await startOurDaemon(ns, ["-n", "-b", "127.0.0.1", "-p", "2202", "--allow", "10.99.99.99"]);
}, 60_000);

afterAll(() => removeWorkspace(ns, dir));

describe("interface list", () => {
	test("names, flags and IPv4/IPv6 addresses as the client sees them", async () => {
		const r = await runProbe(ns, ["list", "rpcap://127.0.0.1:2002/"]);
		expect(r.values.result).toBe("ok");
		const names = Object.entries(r.values)
			.filter(([k]) => /^dev\.\d+\.name$/.test(k))
			.map(([, v]) => v);
		for (const name of ["v0", "v1", "lo"]) expect(names).toContain(`rpcap://127.0.0.1:2002/${name}`);
		const index = names.indexOf("rpcap://127.0.0.1:2002/v1");
		const addresses = Object.entries(r.values)
			.filter(([k]) => k.startsWith(`dev.${index}.addr.`) && k.endsWith(".addr"))
			.map(([, v]) => v);
		expect(addresses).toContain("10.77.0.2");
		expect(addresses).toContain("fd00:77::2");
		expect(r.values[`dev.${index}.addr.0.netmask`]).toBe("255.255.255.0");
	});
});

describe("capture", () => {
	const frames = udpFrames(10_000, (i) => 60 + ((i * 53) % 1455));
	let pcap: string;
	beforeAll(() => {
		pcap = file("frames.pcap");
		writeFramesPcap(pcap, frames);
	});

	for (const [label, extra] of [
		["TCP", []],
		["UDP", ["--udp"]],
	] as const) {
		test(`${label}: every frame at 10 kpps arrives, bytes identical, none duplicated; stats`, async () => {
			const out = file(`capture-${label}.pcap`);
			const [r] = await captureWhileInjecting(
				ns,
				plain,
				[
					[
						"capture",
						"rpcap://127.0.0.1:2002/v1",
						String(frames.length),
						"30",
						"--filter",
						FILTER,
						"--out",
						out,
						...extra,
					],
				],
				pcap,
				10_000,
			);
			expect(r!.values.result).toBe("ok");
			expect(r!.values.stop_reason).toBe("count");
			expectSameFrames(out, frames);
			expect(Number(r!.values.ps_recv)).toBeGreaterThanOrEqual(frames.length);
			expect(r!.values.ps_drop).toBe("0");
		}, 90_000);
	}

	test("IPv6 control connection", async () => {
		const small = frames.slice(0, 500);
		writeFramesPcap(file("small.pcap"), small);
		const out = file("capture-v6.pcap");
		const [r] = await captureWhileInjecting(
			ns,
			plain,
			[["capture", "rpcap://[::1]:2002/v1", "500", "20", "--filter", FILTER, "--out", out]],
			file("small.pcap"),
			5000,
		);
		expect(r!.values.result).toBe("ok");
		expectSameFrames(out, small);
	}, 60_000);

	test("--snaplen cuts caplen, keeps len", async () => {
		const small = frames.slice(0, 200);
		writeFramesPcap(file("snap.pcap"), small);
		const out = file("capture-snap.pcap");
		const [r] = await captureWhileInjecting(
			ns,
			plain,
			[
				[
					"capture",
					"rpcap://127.0.0.1:2002/v1",
					"200",
					"20",
					"--filter",
					FILTER,
					"--snaplen",
					"100",
					"--out",
					out,
				],
			],
			file("snap.pcap"),
			5000,
		);
		expect(r!.values.snapshot).toBe("100");
		expectSameFrames(out, small, 100);
	}, 60_000);

	test("--promisc puts the interface in promiscuous mode for the capture", async () => {
		writeFramesPcap(file("promisc.pcap"), frames.slice(0, 2000));
		const seen: number[] = [];
		const watcher = setInterval(() => {
			const r = spawnSync(["ip", "-n", ns.name, "-d", "link", "show", "v1"], { stdout: "pipe" });
			seen.push(Number(/promiscuity (\d+)/.exec(r.stdout.toString())?.[1] ?? -1));
		}, 50);
		const [r] = await captureWhileInjecting(
			ns,
			plain,
			[["capture", "rpcap://127.0.0.1:2002/v1", "2000", "20", "--filter", FILTER, "--promisc"]],
			file("promisc.pcap"),
			5000,
		);
		clearInterval(watcher);
		expect(r!.values.result).toBe("ok");
		expect(Math.max(...seen)).toBeGreaterThanOrEqual(1);
	}, 60_000);

	test("--update-filter swaps the filter on the running capture", async () => {
		const first = udpFrame({ size: 100, dstPort: 9, seed: 70_000 });
		const mixed = Array.from({ length: 100 }, (_, i) =>
			udpFrame({ size: 100, dstPort: i % 2 === 0 ? 9 : 10, seed: 70_001 + i }),
		);
		writeFramesPcap(file("first.pcap"), [first]);
		writeFramesPcap(file("mixed.pcap"), mixed);
		const out = file("capture-update.pcap");
		const probe = captureWhileInjecting(
			ns,
			plain,
			[
				[
					"capture",
					"rpcap://127.0.0.1:2002/v1",
					"51",
					"20",
					"--filter",
					FILTER,
					"--update-filter",
					"udp and dst port 10",
					"--out",
					out,
				],
			],
			file("first.pcap"),
			100,
		);
		await Bun.sleep(1000); // the probe sends UPDATEFILTER after its first packet
		await import("../integration/harness/inject.ts").then((m) =>
			m.replay(ns, "v0", file("mixed.pcap"), 1000),
		);
		const [r] = await probe;
		expect(r!.values.update_filter_result).toBe("ok");
		expect(r!.values.result).toBe("ok");
		expectSameFrames(out, [first, ...mixed.filter((_, i) => i % 2 === 1)]);
	}, 60_000);

	test("the no-filter STARTCAP shape of libpcap 1.10.3 is tolerated", async () => {
		writeFramesPcap(file("nofilter.pcap"), frames.slice(0, 100));
		const [r] = await captureWhileInjecting(
			ns,
			plain,
			[["capture", "rpcap://127.0.0.1:2002/v1", "100", "20", "--no-filter"]],
			file("nofilter.pcap"),
			2000,
		);
		expect(r!.values.result).toBe("ok");
		expect(Number(r!.values.packets)).toBe(100);
		expect(plain.log()).toContain("tolerated libpcap no-filter STARTCAP");
	}, 60_000);

	test("rpcaps:// list and capture (TLS on control and data)", async () => {
		const list = await runProbe(ns, ["list", "rpcaps://127.0.0.1:2102/"]);
		expect(list.values.result).toBe("ok");
		writeFramesPcap(file("tls.pcap"), frames.slice(0, 1000));
		const out = file("capture-tls.pcap");
		const [r] = await captureWhileInjecting(
			ns,
			secure,
			[["capture", "rpcaps://127.0.0.1:2102/v1", "1000", "20", "--filter", FILTER, "--out", out]],
			file("tls.pcap"),
			5000,
		);
		expect(r!.values.result).toBe("ok");
		expectSameFrames(out, frames.slice(0, 1000));
		const plaintext = await runProbe(ns, ["list", "rpcap://127.0.0.1:2102/"]);
		expect(plaintext.values.error).toBe("TLS is required by this server");
	}, 60_000);

	test("50 clients capturing at once each receive their full stream", async () => {
		const burst = frames.slice(0, 1000);
		writeFramesPcap(file("fifty.pcap"), burst);
		const probes = Array.from({ length: 50 }, (_, i) => [
			"capture",
			"rpcap://127.0.0.1:2002/v1",
			"1000",
			"40",
			"--filter",
			FILTER,
			"--out",
			file(`fifty-${i}.pcap`),
		]);
		const results = await captureWhileInjecting(ns, plain, probes, file("fifty.pcap"), 1000);
		results.forEach((r, i) => {
			expect(r.values.result).toBe("ok");
			expectSameFrames(file(`fifty-${i}.pcap`), burst);
		});
	}, 120_000);
});

describe("authentication and access", () => {
	test("password accepted from the users file; wrong credentials rejected", async () => {
		const ok = await runProbe(ns, ["list", "rpcap://127.0.0.1:2002/", "--auth", "alice:s3cret-pass"]);
		expect(ok.values.result).toBe("ok");
		const bad = await runProbe(ns, ["badauth", "rpcap://127.0.0.1:2002/", "alice", "wrong"]);
		expect(bad.values.result).toBe("rejected");
		expect(bad.exitCode).toBe(0);
	});

	test("a host not in the allow list is refused with ERROR 10", async () => {
		const r = await runProbe(ns, ["list", "rpcap://127.0.0.1:2202/"]);
		expect(r.values.result).toBe("error");
		expect(r.values.error).toBe("The host is not in the allowed host list. Connection refused.");
	});
});

describe("wire recording", () => {
	test("tshark decodes a recorded session with zero malformed packets", async () => {
		const record = file("session.pcapng");
		const recorder = await LoopbackRecorder.start(ns, record, "tcp");
		writeFramesPcap(file("rec.pcap"), udpFrames(200, 300));
		const [r] = await captureWhileInjecting(
			ns,
			plain,
			[["capture", "rpcap://127.0.0.1:2002/v1", "200", "20", "--filter", FILTER]],
			file("rec.pcap"),
			2000,
		);
		expect(r!.values.result).toBe("ok");
		await recorder.stop();
		// tshark 4.0 has no "Decode As" entry for RPCAP; its TCP heuristic (on by default) finds control and data.
		const decode = (display: string) =>
			spawnSync(["tshark", "-n", "-r", record, "-Y", display], { stdout: "pipe", stderr: "pipe" });
		const rpcap = decode("rpcap").stdout.toString().trim().split("\n").filter(Boolean);
		expect(rpcap.filter((line) => line.includes("Start capture reply")).length).toBe(1);
		// Data segments carry many PACKET messages each (batched writes): count the messages, not the frames.
		const types = spawnSync(
			["tshark", "-n", "-r", record, "-Y", "rpcap", "-T", "fields", "-e", "rpcap.type"],
			{
				stdout: "pipe",
			},
		)
			.stdout.toString()
			.split(/[\s,]+/)
			.filter(Boolean);
		expect(types.filter((t) => t === "0x07").length).toBe(200);
		expect(
			decode("_ws.malformed || (rpcap && _ws.expert.severity >= warning)").stdout.toString().trim(),
		).toBe("");
		writeFileSync(file("decoded.txt"), rpcap.join("\n"));
	}, 60_000);
});
