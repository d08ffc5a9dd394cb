// The daemon as a process: ExtraHop's service line (-v -d -L -f), SIGTERM ending only our process, exit statuses for bad configuration.

import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn, spawnSync } from "bun";
import { FakeCollector, waitFor } from "../harness/fake-collector.ts";

const MAIN = join(import.meta.dir, "../../../src/cli/main.ts");
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
	const dir = mkdtempSync(join(tmpdir(), "rpcapd-cli-"));
	cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
	return dir;
}

function alive(pid: number): boolean {
	return (
		existsSync(`/proc/${pid}`) &&
		!/^State:\s+Z/m.test(
			Bun.file(`/proc/${pid}/status`).size
				? require("node:fs").readFileSync(`/proc/${pid}/status`, "utf8")
				: "",
		)
	);
}

function killByPid(pid: number): void {
	try {
		process.kill(pid, "SIGKILL");
	} catch {
		// already gone
	}
}

describe("rpcapd as a process", () => {
	test("N18: ExtraHop's `-v -d -L -f rpcapd.ini` works unchanged", async () => {
		const collector = new FakeCollector();
		const port = await collector.listen();
		cleanups.push(() => collector.close());
		const dir = tempDir();
		const ini = join(dir, "rpcapd.ini");
		writeFileSync(ini, `ActiveClient = 127.0.0.1,${port}\nNullAuthPermit = YES\n`);
		const r = spawnSync([process.execPath, MAIN, "-v", "-d", "-L", "-f", ini], {
			stdout: "pipe",
			stderr: "pipe",
		});
		expect(r.exitCode).toBe(0);
		const pid = Number(/pid (\d+)/.exec(r.stdout.toString())?.[1]);
		expect(pid).toBeGreaterThan(0);
		cleanups.push(() => killByPid(pid));
		await waitFor(
			() => collector.connections.length === 1,
			10_000,
			"the background daemon to dial the collector",
		);
		process.kill(pid, "SIGTERM");
		await waitFor(() => !alive(pid), 10_000, "the background daemon to exit");
	}, 30_000);

	test("N19: SIGTERM ends only our process (its process group survives), exit status 0", async () => {
		const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
		const port = probe.port;
		probe.stop(true);
		// sh starts a sibling in the same process group, then execs the daemon in place.
		const proc = spawn(
			["sh", "-c", `sleep 60 & echo $!; exec "${process.execPath}" "${MAIN}" -n -b 127.0.0.1 -p ${port}`],
			{
				stdout: "pipe",
				stderr: "pipe",
			},
		);
		const reader = proc.stdout.getReader();
		const sibling = Number(new TextDecoder().decode((await reader.read()).value).trim());
		cleanups.push(() => killByPid(sibling));
		cleanups.push(() => killByPid(proc.pid));
		let log = "";
		void (async () => {
			for await (const chunk of proc.stderr) log += new TextDecoder().decode(chunk);
		})();
		await waitFor(() => log.includes("listening on"), 10_000, "the daemon to listen");
		proc.kill("SIGTERM");
		expect(await proc.exited).toBe(0);
		expect(log).toContain("rpcapd is closing.");
		expect(alive(sibling)).toBe(true);
	}, 30_000);

	test("a bad -f file stops startup with exit 78 and file:line:column messages for every error", () => {
		const dir = tempDir();
		const ini = join(dir, "rpcapd.ini");
		writeFileSync(
			ini,
			"ActiveClient = 10.0.0.5\nActiveClient 10.0.0.5, 2003\nActiveClient = 10.0.0.5, 2003, ifname = eth0\n",
		);
		const r = spawnSync([process.execPath, MAIN, "-f", ini], { stdout: "pipe", stderr: "pipe" });
		expect(r.exitCode).toBe(78);
		const lines = r.stderr.toString().trim().split("\n");
		expect(lines[0]).toMatch(/rpcapd\.ini:1:\d+: ActiveClient has no port \(write DEFAULT for 2003\)/);
		expect(lines[1]).toMatch(/rpcapd\.ini:2:\d+: ActiveClient has no '='/);
		expect(lines[2]).toMatch(/rpcapd\.ini:3:\d+: write 'ifname=eth0' without spaces around '='/);
	});

	test("N14: a missing -f file is a startup error (exit 78)", () => {
		const r = spawnSync([process.execPath, MAIN, "-f", "/nonexistent/rpcapd.ini"], {
			stdout: "pipe",
			stderr: "pipe",
		});
		expect(r.exitCode).toBe(78);
		expect(r.stderr.toString()).toContain(
			"/nonexistent/rpcapd.ini: cannot read configuration file: no such file",
		);
	});

	test("an unknown option exits 1 with one line", () => {
		const r = spawnSync([process.execPath, MAIN, "--frobnicate"], { stdout: "pipe", stderr: "pipe" });
		expect(r.exitCode).toBe(1);
		expect(r.stderr.toString().trim().split("\n")).toHaveLength(1);
	});

	test("--print-config shows the effective configuration as JSON (file + flags)", () => {
		const dir = tempDir();
		const ini = join(dir, "rpcapd.ini");
		writeFileSync(
			ini,
			"ActiveClient = 127.0.0.1;12037;ifname=vA\nPassiveClient = 10.0.0.0/8\nNullAuthPermit = YES",
		);
		const r = spawnSync([process.execPath, MAIN, "-f", ini, "--print-config", "-p", "2999"], {
			stdout: "pipe",
			stderr: "pipe",
		});
		expect(r.exitCode).toBe(0);
		const config = JSON.parse(r.stdout.toString());
		expect(config.listen.port).toBe(2999);
		expect(config.nullAuth).toBe(true);
		expect(config.allowHosts).toEqual(["10.0.0.0/8"]);
		expect(config.active.targets).toEqual([
			{ host: "127.0.0.1", port: 12037, ifname: "vA", source: { file: ini, line: 1 } },
		]);
	});

	test("-s writes a file that reads back to the same configuration", () => {
		const dir = tempDir();
		const saved = join(dir, "saved.ini");
		const args = ["-n", "-l", "10.1.0.0/16", "--active", "[::1]:2100", "--ifname", "eth0", "--udpstr", "on"];
		const first = JSON.parse(
			spawnSync([process.execPath, MAIN, ...args, "--print-config"], { stdout: "pipe" }).stdout.toString(),
		);
		const save = spawn([process.execPath, MAIN, ...args, "-v", "-s", saved], {
			stdout: "pipe",
			stderr: "pipe",
		});
		cleanups.push(() => killByPid(save.pid));
		const deadline = Date.now() + 10_000;
		while (!existsSync(saved) && Date.now() < deadline) Bun.sleepSync(20);
		save.kill("SIGTERM");
		const again = JSON.parse(
			spawnSync([process.execPath, MAIN, "-f", saved, "--print-config"], {
				stdout: "pipe",
			}).stdout.toString(),
		);
		expect(again.active.targets.map(({ source: _s, ...t }: { source: unknown }) => t)).toEqual(
			first.active.targets.map(({ source: _s, ...t }: { source: unknown }) => t),
		);
		expect(again.allowHosts).toEqual(first.allowHosts);
		expect(again.nullAuth).toBe(true);
	}, 20_000);
});
