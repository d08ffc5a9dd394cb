// Test network namespaces with a veth pair (v0 <-> v1): processes started inside are tracked by PID and everything is removed on destroy, on test failure and on process exit.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Subprocess, spawn, spawnSync } from "bun";

const PREFIX = "rpcapd-t-";
const live = new Set<NetNamespace>();
let counter = 0;

function ip(args: string[]): void {
	const r = spawnSync(["ip", ...args], { stderr: "pipe", stdout: "pipe" });
	if (r.exitCode !== 0) throw new Error(`ip ${args.join(" ")} failed: ${r.stderr.toString().trim()}`);
}

function pidAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

/** Namespaces left behind by an earlier test run of ours that died (its PID is in the name). */
function sweepStale(): void {
	const r = spawnSync(["ip", "netns", "list"], { stdout: "pipe" });
	for (const line of r.stdout.toString().split("\n")) {
		const name = line.split(" ")[0] ?? "";
		const match = /^rpcapd-t-(\d+)-/.exec(name);
		if (match && Number(match[1]) !== process.pid && !pidAlive(Number(match[1]))) {
			spawnSync(["ip", "netns", "del", name]);
		}
	}
}

export interface RunResult {
	exitCode: number | null;
	stdout: string;
	stderr: string;
}

export class NetNamespace {
	private readonly processes = new Set<Subprocess>();
	private destroyed = false;

	private constructor(readonly name: string) {}

	/** Creates `rpcapd-t-<pid>-<n>` with lo up and a veth pair v0/v1 (IPv6 off on the veths: no stray frames). */
	static create(): NetNamespace {
		if (counter === 0) sweepStale();
		const ns = new NetNamespace(`${PREFIX}${process.pid}-${++counter}`);
		ip(["netns", "add", ns.name]);
		live.add(ns);
		try {
			ip(["-n", ns.name, "link", "set", "lo", "up"]);
			ip(["-n", ns.name, "link", "add", "v0", "type", "veth", "peer", "name", "v1"]);
			for (const v of ["v0", "v1"]) {
				ns.sysctl(`net.ipv6.conf.${v}.disable_ipv6`, "1");
				ip(["-n", ns.name, "link", "set", v, "up"]);
			}
		} catch (error) {
			ns.destroy();
			throw error;
		}
		return ns;
	}

	sysctl(key: string, value: string): void {
		const r = spawnSync(["ip", "netns", "exec", this.name, "sysctl", "-qw", `${key}=${value}`], {
			stderr: "pipe",
		});
		if (r.exitCode !== 0) throw new Error(`sysctl ${key} failed: ${r.stderr.toString().trim()}`);
	}

	/** `ip netns exec` execs in place, so the returned PID is the program's own. */
	spawn(
		command: string[],
		options: { env?: Record<string, string>; stdin?: "pipe" | "ignore"; cwd?: string } = {},
	): Subprocess<"pipe" | "ignore", "pipe", "pipe"> {
		const proc = spawn(["ip", "netns", "exec", this.name, ...command], {
			stdout: "pipe",
			stderr: "pipe",
			stdin: options.stdin ?? "ignore",
			...(options.cwd ? { cwd: options.cwd } : {}),
			env: { ...process.env, ...options.env },
		});
		this.processes.add(proc);
		void proc.exited.then(() => this.processes.delete(proc));
		return proc;
	}

	/** Runs a command to completion inside the namespace (bounded by `timeoutMs`). */
	async run(command: string[], timeoutMs = 30_000): Promise<RunResult> {
		const proc = this.spawn(command);
		const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
		const [stdout, stderr, exitCode] = await Promise.all([
			new Response(proc.stdout).text(),
			new Response(proc.stderr).text(),
			proc.exited,
		]);
		clearTimeout(timer);
		return { exitCode, stdout, stderr };
	}

	/** Ends our processes by PID (TERM, then KILL after `graceMs`) and deletes the namespace. */
	async destroy(graceMs = 2000): Promise<void> {
		if (this.destroyed) return;
		this.destroyed = true;
		const pending = [...this.processes].filter((p) => p.exitCode === null && p.signalCode === null);
		for (const p of pending) p.kill("SIGTERM");
		await Promise.race([Promise.all(pending.map((p) => p.exited)), Bun.sleep(graceMs)]);
		for (const p of pending) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
		await Promise.all(pending.map((p) => p.exited));
		this.deleteNow();
	}

	private deleteNow(): void {
		spawnSync(["ip", "netns", "del", this.name]);
		live.delete(this);
	}

	/** Synchronous last resort for process exit: SIGKILL our children, delete the namespace. */
	destroySync(): void {
		for (const p of this.processes) if (p.exitCode === null) p.kill("SIGKILL");
		this.destroyed = true;
		this.deleteNow();
	}
}

/** A namespace and a scratch folder, for the tests of one file. */
export interface Workspace {
	ns: NetNamespace;
	dir: string;
}

/** Makes a namespace and a temporary folder named from `tempPrefix`. */
export function createWorkspace(tempPrefix: string): Workspace {
	const ns = NetNamespace.create();
	try {
		return { ns, dir: mkdtempSync(join(tmpdir(), tempPrefix)) };
	} catch (error) {
		ns.destroySync();
		throw error;
	}
}

/** Ends the namespace's processes, deletes it and the folder; either may be missing when set-up failed. */
export async function removeWorkspace(ns: NetNamespace | undefined, dir: string | undefined): Promise<void> {
	await ns?.destroy();
	if (dir) rmSync(dir, { recursive: true, force: true });
}

process.on("exit", () => {
	for (const ns of live) ns.destroySync();
});
