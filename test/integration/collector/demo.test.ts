// `make demo`: builds the executable, runs a daemon and a collector on loopback, and ends with a non-empty capture.

import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "bun";
import { readCapture } from "../../../src/formats/index.ts";

const ROOT = join(import.meta.dir, "../../..");
const dir = mkdtempSync(join(tmpdir(), "rpcapd-demo-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("make demo exits 0 with a non-empty capture of the demo traffic", async () => {
	const output = join(dir, "demo.pcap");
	const proc = spawn(["make", "--no-print-directory", "demo"], {
		cwd: ROOT,
		stdout: "pipe",
		stderr: "pipe",
		env: {
			...process.env,
			DEMO_OUT: output,
			DEMO_PACKETS: "500",
			DEMO_COLLECT_PORT: "42103",
			DEMO_TRAFFIC_PORT: "42199",
		},
	});
	const [stdout, stderr, exitCode] = await Promise.all([
		new Response(proc.stdout).text(),
		new Response(proc.stderr).text(),
		proc.exited,
	]);
	expect({ exitCode, tail: exitCode === 0 ? "" : `${stdout.slice(-2000)}\n${stderr.slice(-2000)}` }).toEqual({
		exitCode: 0,
		tail: "",
	});
	expect(stdout).toContain("SENSOR");
	expect(stdout).toContain("capturing");
	expect(stdout).toContain("500 packets written");
	const capture = readCapture(new Uint8Array(readFileSync(output)));
	expect(capture.records.length).toBe(500);
	expect(Buffer.from(capture.records[0]!.data).toString("latin1")).toContain("rpcapd demo packet 000001");
}, 90_000);
