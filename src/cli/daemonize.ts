// -d: start a detached copy of ourselves in a new session (setsid) and let the parent exit, as a classic daemon does.

import { spawn } from "node:child_process";

const CHILD_MARKER = "RPCAPD_DAEMON_CHILD";

export function isDaemonChild(): boolean {
	return process.env[CHILD_MARKER] === "1";
}

/** The command that re-runs this program: the executable alone when compiled, else bun plus the script. */
export function selfCommand(argv: readonly string[]): string[] {
	const script = process.argv[1] ?? "";
	const compiled = script.startsWith("/$bunfs/") || script.startsWith("B:\\~BUN\\");
	return compiled ? [process.execPath, ...argv] : [process.execPath, script, ...argv];
}

/** Returns the parent's exit status; the child runs on with stdio detached and its own session. */
export function daemonize(argv: readonly string[]): number {
	const [command, ...args] = selfCommand(argv);
	const child = spawn(command!, args, {
		detached: true,
		stdio: "ignore",
		env: { ...process.env, [CHILD_MARKER]: "1" },
	});
	child.unref();
	process.stdout.write(`rpcapd: running in the background as pid ${child.pid}\n`);
	return 0;
}
