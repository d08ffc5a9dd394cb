// Starts the daemon under test inside the benchmark namespace: ours (the built executable when present) or the reference C rpcapd (under setsid).

import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import type { NetNamespace } from "../../test/integration/harness/namespace.ts";

export type Implementation = "ours" | "reference";

const ROOT = join(import.meta.dir, "../..");
const REFERENCE = process.env.RPCAPD ?? "/opt/rpcap-ref/sbin/rpcapd";

export function ourCommand(): string[] {
	const built = join(ROOT, "dist/rpcapd");
	return existsSync(built) ? [built] : [process.execPath, join(ROOT, "src/cli/main.ts")];
}

export interface BenchDaemon {
	implementation: Implementation;
	pid: number;
	log(): string;
	stop(): Promise<void>;
}

async function listening(ns: NetNamespace, port: number, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const r = Bun.spawnSync(["ip", "netns", "exec", ns.name, "ss", "-ltnH", `sport = :${port}`], {
			stdout: "pipe",
		});
		if (r.stdout.toString().trim() !== "") return;
		if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
		await Bun.sleep(50);
	}
}

export async function startDaemon(
	ns: NetNamespace,
	implementation: Implementation,
	port: number,
	extra: string[] = [],
): Promise<BenchDaemon> {
	const command =
		implementation === "ours"
			? [...ourCommand(), "-n", "-b", "127.0.0.1", "-p", String(port), ...extra]
			: ["setsid", REFERENCE, "-n", "-b", "127.0.0.1", "-p", String(port), "-4"];
	const proc: Subprocess<"pipe" | "ignore", "pipe", "pipe"> = ns.spawn(command);
	let text = "";
	const decoder = new TextDecoder();
	for (const stream of [proc.stdout, proc.stderr]) {
		void (async () => {
			for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
		})();
	}
	await listening(ns, port, 15_000);
	return {
		implementation,
		pid: proc.pid,
		log: () => text,
		async stop() {
			proc.kill("SIGTERM");
			const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
			await proc.exited;
			clearTimeout(timer);
		},
	};
}
