// `make release` cross-compiles three executables (Linux x64/arm64, Windows x64) with checksums.

import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "bun";

const RELEASE = join(import.meta.dir, "../../../scripts/release.sh");

test("release builds linux-x64, linux-arm64 and a PE32+ windows-x64 executable with SHA256SUMS", () => {
	const dir = mkdtempSync(join(tmpdir(), "rpcapd-release-"));
	try {
		const r = spawnSync(["bash", RELEASE, dir], { stdout: "pipe", stderr: "pipe" });
		expect(r.stderr.toString()).toBe("");
		expect(r.exitCode).toBe(0);
		const describe = (name: string) =>
			spawnSync(["file", "-b", join(dir, name)], { stdout: "pipe" }).stdout.toString();
		expect(describe("rpcapd-linux-x64")).toMatch(/^ELF 64-bit LSB executable, x86-64/);
		expect(describe("rpcapd-linux-arm64")).toMatch(/^ELF 64-bit LSB executable, ARM aarch64/);
		expect(describe("rpcapd-windows-x64.exe")).toMatch(/^PE32\+ executable \(console\) x86-64/);
		const check = spawnSync(["sha256sum", "-c", "SHA256SUMS"], { cwd: dir, stdout: "pipe" });
		expect(check.exitCode).toBe(0);
		expect(check.stdout.toString().match(/: OK/g)?.length).toBe(3);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}, 180_000);
