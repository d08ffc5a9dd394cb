// `rpcapd passwd`: the file work of runPasswd in-process, then the command as a process (stdin, terminal, errors).

import { afterAll, describe, expect, test } from "bun:test";
import {
	chmodSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	statSync,
	symlinkSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { spawn, spawnSync } from "bun";
import { PasswdCommandError, type PasswdRequest, runPasswd } from "../../../src/cli/passwd-command.ts";
import { UsersFileError } from "../../../src/daemon/auth/users-file.ts";
import { UsersFileAuthenticator } from "../../../src/daemon/auth/users-file-authenticator.ts";
import { UsersFileEditError } from "../../../src/daemon/auth/users-file-edit.ts";

const REPO = resolve(import.meta.dir, "../../..");
const FIXTURE = join(REPO, "test/integration/fixtures/run-passwd.ts");
const root = mkdtempSync(join(tmpdir(), "rpcapd-passwd-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
function freshDirectory(): string {
	const directory = join(root, `case-${++counter}`);
	mkdirSync(directory);
	return directory;
}

const cheapHash = (password: string) =>
	Bun.password.hash(password, { algorithm: "argon2id", memoryCost: 1024, timeCost: 1 });

function request(file: string, username: string, password: string, extra: Partial<PasswdRequest> = {}) {
	return {
		file,
		username,
		action: "set" as const,
		readPassword: async () => password,
		hash: cheapHash,
		...extra,
	};
}

const logger = { warn() {}, debug() {} };
const encode = (text: string) => new TextEncoder().encode(text);
async function accepts(file: string, username: string, password: string): Promise<boolean> {
	const auth = await UsersFileAuthenticator.load(file, { logger });
	const decision = await auth.authenticate({
		type: "password",
		username: encode(username),
		password: encode(password),
	});
	return decision.result === "accepted";
}

describe("runPasswd", () => {
	test("creates the file with mode 0600, and the daemon accepts the password", async () => {
		const file = join(freshDirectory(), "users");
		expect((await runPasswd(request(file, "alice", "pw-1"))).outcome).toBe("added");
		expect(statSync(file).mode & 0o777).toBe(0o600);
		expect(await accepts(file, "alice", "pw-1")).toBe(true);
		expect(await accepts(file, "alice", "pw-2")).toBe(false);
	});

	test("updates in place, keeping comments, other users, the file's mode, and no temp files", async () => {
		const directory = freshDirectory();
		const file = join(directory, "users");
		await runPasswd(request(file, "alice", "pw-1"));
		await runPasswd(request(file, "bob", "bob-1"));
		writeFileSync(file, `${readFileSync(file, "utf8")}# trailing comment\n`);
		chmodSync(file, 0o640);
		expect((await runPasswd(request(file, "alice", "pw-2"))).outcome).toBe("updated");
		const text = readFileSync(file, "utf8");
		expect(text).toContain("# rpcapd users:");
		expect(text.endsWith("# trailing comment\n")).toBe(true);
		expect(text.indexOf("alice:")).toBeLessThan(text.indexOf("bob:"));
		expect(statSync(file).mode & 0o777).toBe(0o640);
		expect(await accepts(file, "alice", "pw-2")).toBe(true);
		expect(await accepts(file, "bob", "bob-1")).toBe(true);
		expect(readdirSync(directory)).toEqual(["users"]);
	});

	test("--delete removes the user; deleting again is an error", async () => {
		const file = join(freshDirectory(), "users");
		await runPasswd(request(file, "alice", "pw-1"));
		await runPasswd(request(file, "bob", "bob-1"));
		expect((await runPasswd(request(file, "alice", "", { action: "delete" }))).outcome).toBe("deleted");
		expect(await accepts(file, "alice", "pw-1")).toBe(false);
		expect(await accepts(file, "bob", "bob-1")).toBe(true);
		await expect(runPasswd(request(file, "alice", "", { action: "delete" }))).rejects.toThrow(
			new UsersFileEditError(`No user "alice" in ${file}`),
		);
	});

	test("a symlinked users file is updated through the link", async () => {
		const directory = freshDirectory();
		const target = join(directory, "real-users");
		const link = join(directory, "users");
		await runPasswd(request(target, "alice", "pw-1"));
		symlinkSync(target, link);
		await runPasswd(request(link, "bob", "bob-1"));
		expect(await accepts(target, "bob", "bob-1")).toBe(true);
		expect(readdirSync(directory).sort()).toEqual(["real-users", "users"]);
	});

	test("bad user names and broken files are refused before the password is asked for", async () => {
		const file = join(freshDirectory(), "users");
		let asked = 0;
		const readPassword = async () => {
			asked++;
			return "pw";
		};
		for (const username of ["a:b", "tab\there", "", "#x"]) {
			await expect(runPasswd(request(file, username, "pw", { readPassword }))).rejects.toBeInstanceOf(
				UsersFileEditError,
			);
		}
		writeFileSync(file, "alice has no colon\n");
		await expect(runPasswd(request(file, "bob", "pw", { readPassword }))).rejects.toThrow(
			new UsersFileError(file, 1, "Expected username:hash, found no ':'"),
		);
		expect(asked).toBe(0);
		expect(readFileSync(file, "utf8")).toBe("alice has no colon\n");
	});

	test("empty, NUL-bearing and over-long passwords are refused", async () => {
		const file = join(freshDirectory(), "users");
		await expect(runPasswd(request(file, "alice", ""))).rejects.toThrow(
			new PasswdCommandError("The password is empty"),
		);
		await expect(runPasswd(request(file, "alice", "a\0b"))).rejects.toThrow(
			new PasswdCommandError("The password contains a NUL character"),
		);
		await expect(runPasswd(request(file, "alice", "é".repeat(40000)))).rejects.toThrow(
			new PasswdCommandError("The password is longer than 65535 bytes: 80000"),
		);
		expect(() => statSync(file)).toThrow();
	});

	test("a missing directory gives a one-line error naming it", async () => {
		const directory = join(freshDirectory(), "missing-dir");
		await expect(runPasswd(request(join(directory, "users"), "alice", "pw"))).rejects.toThrow(
			new PasswdCommandError(`Cannot create a file in ${directory} (ENOENT)`),
		);
	});
});

function runCli(args: string[], stdin: string | null) {
	const r = spawnSync([process.execPath, FIXTURE, ...args], {
		cwd: REPO,
		stdin: stdin === null ? "ignore" : Buffer.from(stdin),
		timeout: 30_000,
	});
	return { exitCode: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** Runs the command on a pseudo-terminal (script(1)); `type` answers a prompt once it has appeared. */
function onTerminal(file: string) {
	const command = `"${process.execPath}" "${FIXTURE}" "${file}" carol`;
	const proc = spawn(["script", "-qec", command, "/dev/null"], { cwd: REPO, stdin: "pipe", stdout: "pipe" });
	const reader = proc.stdout.getReader();
	const decoder = new TextDecoder();
	const terminal = {
		proc,
		screen: "",
		async waitFor(text: string): Promise<void> {
			while (!terminal.screen.includes(text)) {
				const { value, done } = await reader.read();
				if (done) throw new Error(`Terminal output ended before "${text}": ${terminal.screen}`);
				terminal.screen += decoder.decode(value);
			}
		},
		async answer(prompt: string, line: string): Promise<void> {
			await terminal.waitFor(prompt);
			proc.stdin.write(`${line}\r`);
			await proc.stdin.flush();
		},
		stop(): void {
			if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
		},
	};
	return terminal;
}

describe("rpcapd passwd (process)", () => {
	test("--stdin reads one line, for scripts", async () => {
		const file = join(freshDirectory(), "users");
		const added = runCli([file, "alice", "--stdin"], "s3cret-from-stdin\nignored second line\n");
		expect(added).toEqual({ exitCode: 0, stdout: "", stderr: `Added user "alice" to ${file}\n` });
		expect(await accepts(file, "alice", "s3cret-from-stdin")).toBe(true);
		const changed = runCli([file, "alice", "--stdin"], "other\r\n");
		expect(changed.stderr).toBe(`Changed the password of "alice" in ${file}\n`);
		expect(await accepts(file, "alice", "other")).toBe(true);
		const deleted = runCli([file, "alice", "--delete"], null);
		expect(deleted).toEqual({ exitCode: 0, stdout: "", stderr: `Deleted user "alice" from ${file}\n` });
	});

	test("errors are one line on stderr with exit code 1", () => {
		const file = join(freshDirectory(), "users");
		const cases: [string[], string | null, string][] = [
			[
				[file, "alice"],
				null,
				"rpcapd: Standard input is not a terminal; use --stdin to read the password from it\n",
			],
			[[file, "a:b", "--stdin"], "pw\n", `rpcapd: Invalid username "a:b": it contains ':'\n`],
			[
				[file, "a\u001bb", "--stdin"],
				"pw\n",
				`rpcapd: Invalid username "a\\x1bb": it contains a control character\n`,
			],
			[[file, "alice", "--stdin"], "\n", "rpcapd: The password is empty\n"],
			[[file, "ghost", "--delete"], null, `rpcapd: No user "ghost" in ${file}\n`],
		];
		for (const [args, stdin, stderr] of cases) {
			expect(runCli(args, stdin)).toEqual({ exitCode: 1, stdout: "", stderr });
		}
	});

	test("on a terminal the password is asked twice and never echoed", async () => {
		const file = join(freshDirectory(), "users");
		const terminal = onTerminal(file);
		try {
			await terminal.answer("New password: ", "tty-s3cret");
			await terminal.answer("Retype new password: ", "tty-s3cret");
			await terminal.waitFor(`Added user "carol" to ${file}`);
			expect(await terminal.proc.exited).toBe(0);
		} finally {
			terminal.stop();
		}
		expect(terminal.screen).not.toContain("tty-s3cret");
		expect(await accepts(file, "carol", "tty-s3cret")).toBe(true);
	});

	test("on a terminal, two different passwords are refused", async () => {
		const file = join(freshDirectory(), "users");
		const terminal = onTerminal(file);
		try {
			await terminal.answer("New password: ", "first");
			await terminal.answer("Retype new password: ", "second");
			await terminal.waitFor("rpcapd: The passwords do not match");
			expect(await terminal.proc.exited).toBe(1);
		} finally {
			terminal.stop();
		}
		expect(() => statSync(file)).toThrow();
	});
});
