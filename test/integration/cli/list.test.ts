// `rpcapd list` names the same interfaces as `tcpdump -D`, in the same order; the compiled executable does too.

import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "bun";

const MAIN = join(import.meta.dir, "../../../src/cli/main.ts");

function tcpdumpNames(): string[] {
	const r = spawnSync(["tcpdump", "-D"], { stdout: "pipe", stderr: "pipe" });
	expect(r.exitCode).toBe(0);
	return r.stdout
		.toString()
		.trim()
		.split("\n")
		.map((line) => /^\d+\.(\S+)/.exec(line)?.[1] ?? "");
}

describe("rpcapd list", () => {
	test("--json lists tcpdump -D's interfaces with flags and addresses", () => {
		const r = spawnSync([process.execPath, MAIN, "list", "--json"], { stdout: "pipe", stderr: "pipe" });
		expect(r.exitCode).toBe(0);
		const devices = JSON.parse(r.stdout.toString()) as {
			name: string;
			flags: number;
			addresses: { addr: { family: string; address: string } }[];
		}[];
		expect(devices.map((d) => d.name)).toEqual(tcpdumpNames());
		const lo = devices.find((d) => d.name === "lo");
		expect((lo?.flags ?? 0) & 0x1).toBe(1);
		expect(lo?.addresses.map((a) => a.addr.address)).toContain("127.0.0.1");
	});

	test("text output matches tcpdump -D's numbering and flag words", () => {
		const ours = spawnSync([process.execPath, MAIN, "list"], { stdout: "pipe" }).stdout.toString();
		const theirs = spawnSync(["tcpdump", "-D"], { stdout: "pipe" }).stdout.toString().trim().split("\n");
		const ourHeadLines = ours.split("\n").filter((line) => /^\d+\./.test(line));
		expect(ourHeadLines).toEqual(theirs);
	});

	test("the compiled executable lists the same names", () => {
		const dir = mkdtempSync(join(tmpdir(), "rpcapd-build-"));
		try {
			const binary = join(dir, "rpcapd");
			const build = spawnSync([process.execPath, "build", "--compile", MAIN, "--outfile", binary], {
				stdout: "pipe",
				stderr: "pipe",
			});
			expect(build.exitCode).toBe(0);
			const r = spawnSync([binary, "list", "--json"], { stdout: "pipe", stderr: "pipe", cwd: "/" });
			expect(r.exitCode).toBe(0);
			expect((JSON.parse(r.stdout.toString()) as { name: string }[]).map((d) => d.name)).toEqual(
				tcpdumpNames(),
			);
			const version = spawnSync([binary, "--version"], { stdout: "pipe" }).stdout.toString();
			expect(version).toMatch(/^rpcapd \d+\.\d+\.\d+/);
			// The batch-drain helper is compiled from an embedded C source at run time, also inside the executable.
			const doctor = JSON.parse(
				spawnSync([binary, "doctor", "--json"], { stdout: "pipe", cwd: "/" }).stdout.toString(),
			);
			expect(doctor.batchDrain).toBe("cc");
			expect(doctor.waiter).toBe("poll-thread");
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});
