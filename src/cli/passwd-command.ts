// `rpcapd passwd FILE USER`: sets (argon2id) or deletes a user's password in a users file, rewriting it atomically.

import { randomBytes } from "node:crypto";
import {
	closeSync,
	fchmodSync,
	fchownSync,
	fsyncSync,
	openSync,
	readFileSync,
	realpathSync,
	renameSync,
	type Stats,
	statSync,
	unlinkSync,
	writeSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { defineCommand } from "citty";
import { parseUsersFile } from "../daemon/auth/users-file.ts";
import { assertValidUsername, editUsersFile, type UsersFileEdit } from "../daemon/auth/users-file-edit.ts";
import { escapeForLog } from "../observe/log-escape.ts";

/** A failure of the passwd command, reported as one line. */
export class PasswdCommandError extends Error {
	override readonly name = "PasswdCommandError";
}

/** The protocol carries at most 65535 bytes of password (rpcap-protocol.md §4.1). */
const MAX_PASSWORD_BYTES = 0xffff;

export interface PasswdRequest {
	readonly file: string;
	readonly username: string;
	readonly action: "set" | "delete";
	/** Asked only when setting; resolves to the new password. */
	readonly readPassword: () => Promise<string>;
	/** argon2id by default. */
	readonly hash?: (password: string) => Promise<string>;
}

/** Applies the request to the file and returns what changed (the testable core of the command). */
export async function runPasswd(request: PasswdRequest): Promise<UsersFileEdit> {
	const { file, username } = request;
	const existing = readExisting(file);
	// Report a bad user name or a broken file before asking for a password.
	assertValidUsername(username);
	if (existing) parseUsersFile(existing.text, file);
	let edit: UsersFileEdit;
	if (request.action === "delete") {
		edit = editUsersFile(existing?.text ?? null, { kind: "delete", username }, file);
	} else {
		const password = checkPassword(await request.readPassword());
		const hash = await (request.hash ?? hashPassword)(password);
		edit = editUsersFile(existing?.text ?? null, { kind: "set", username, hash }, file);
	}
	writeAtomically(file, edit.text, existing?.stats ?? null);
	return edit;
}

function hashPassword(password: string): Promise<string> {
	return Bun.password.hash(password, { algorithm: "argon2id" });
}

function checkPassword(password: string): string {
	if (password.length === 0) throw new PasswdCommandError("The password is empty");
	if (password.includes("\0")) throw new PasswdCommandError("The password contains a NUL character");
	const bytes = Buffer.byteLength(password, "utf8");
	if (bytes > MAX_PASSWORD_BYTES) {
		throw new PasswdCommandError(`The password is longer than ${MAX_PASSWORD_BYTES} bytes: ${bytes}`);
	}
	return password;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function readExisting(file: string): { text: string; stats: Stats } | null {
	let bytes: Uint8Array;
	let stats: Stats;
	try {
		bytes = readFileSync(file);
		stats = statSync(file);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === "ENOENT") return null;
		throw new PasswdCommandError(`Cannot read ${file}${code ? ` (${code})` : ""}`);
	}
	try {
		return { text: strictUtf8.decode(bytes), stats };
	} catch {
		parseUsersFile(bytes, file); // throws the located "not valid UTF-8" error
		throw new PasswdCommandError(`${file} is not valid UTF-8`);
	}
}

/**
 * Writes a temporary file next to the target (mode 0600 when new, else the old mode and owner), syncs it
 * and renames it over the target, so readers (the daemon on SIGHUP) see the old or the new file, never half.
 */
function writeAtomically(file: string, text: string, previous: Stats | null): void {
	const target = previous ? realpathSync(file) : resolve(file);
	const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
	let fd: number;
	try {
		fd = openSync(temp, "wx", 0o600);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		throw new PasswdCommandError(`Cannot create a file in ${dirname(target)}${code ? ` (${code})` : ""}`);
	}
	try {
		try {
			writeSync(fd, text);
			fchmodSync(fd, previous ? previous.mode & 0o7777 : 0o600);
			if (previous && process.getuid?.() === 0) fchownSync(fd, previous.uid, previous.gid);
			fsyncSync(fd);
		} finally {
			closeSync(fd);
		}
		renameSync(temp, target);
	} catch (error) {
		try {
			unlinkSync(temp);
		} catch {
			// already renamed or never written
		}
		const code = (error as NodeJS.ErrnoException).code;
		throw new PasswdCommandError(`Cannot write ${target}${code ? ` (${code})` : ""}`);
	}
	syncDirectory(dirname(target));
}

function syncDirectory(directory: string): void {
	try {
		const fd = openSync(directory, "r");
		try {
			fsyncSync(fd);
		} finally {
			closeSync(fd);
		}
	} catch {
		// not possible everywhere (Windows); the rename itself is still atomic
	}
}

/** Reads one line from the terminal with echo off; Ctrl-C aborts, Backspace and Ctrl-U edit. */
export function readHiddenLine(prompt: string): Promise<string> {
	const stdin = process.stdin;
	if (!stdin.isTTY) {
		return Promise.reject(
			new PasswdCommandError("Standard input is not a terminal; use --stdin to read the password from it"),
		);
	}
	// Echo goes off before the prompt appears, so nothing typed in answer to it is ever shown.
	stdin.setRawMode(true);
	process.stderr.write(prompt);
	stdin.resume();
	const decoder = new StringDecoder("utf8");
	return new Promise((resolvePassword, reject) => {
		let input = "";
		const finish = (error?: Error) => {
			stdin.off("data", onData);
			stdin.setRawMode(false);
			stdin.pause();
			process.stderr.write("\n");
			if (error) reject(error);
			else resolvePassword(input);
		};
		const onData = (chunk: Buffer) => {
			for (const character of decoder.write(chunk)) {
				if (character === "\r" || character === "\n") return finish();
				if (character === "\u0003") return finish(new PasswdCommandError("Interrupted"));
				if (character === "\u0004" && input === "")
					return finish(new PasswdCommandError("No password entered"));
				if (character === "\u007f" || character === "\b") input = Array.from(input).slice(0, -1).join("");
				else if (character === "\u0015") input = "";
				else if (character >= " ") input += character;
			}
		};
		stdin.on("data", onData);
	});
}

async function readPasswordTwice(): Promise<string> {
	const first = await readHiddenLine("New password: ");
	const second = await readHiddenLine("Retype new password: ");
	if (first !== second) throw new PasswdCommandError("The passwords do not match");
	return first;
}

/** The first line of standard input, without its line ending (for scripts). */
async function readPasswordFromStdin(): Promise<string> {
	const text = await Bun.stdin.text();
	const end = text.indexOf("\n");
	const line = end < 0 ? text : text.slice(0, end);
	return line.endsWith("\r") ? line.slice(0, -1) : line;
}

function describeOutcome(edit: UsersFileEdit, username: string, file: string): string {
	const user = `"${escapeForLog(username)}"`;
	if (edit.outcome === "added") return `Added user ${user} to ${file}`;
	if (edit.outcome === "updated") return `Changed the password of ${user} in ${file}`;
	return `Deleted user ${user} from ${file}`;
}

export const passwdCommand = defineCommand({
	meta: {
		name: "passwd",
		description: "Set (argon2id) or delete a user's password in a users file for `rpcapd --users FILE`",
	},
	args: {
		file: {
			type: "positional",
			description: "Users file (created with mode 0600 when missing)",
			required: true,
		},
		user: { type: "positional", description: "User name (no ':' or control characters)", required: true },
		stdin: { type: "boolean", description: "Read the password once from standard input, not the terminal" },
		delete: { type: "boolean", description: "Remove the user instead of setting a password" },
	},
	async run({ args }) {
		const edit = await runPasswd({
			file: args.file,
			username: args.user,
			action: args.delete ? "delete" : "set",
			readPassword: args.stdin ? readPasswordFromStdin : readPasswordTwice,
		});
		process.stderr.write(`${describeOutcome(edit, args.user, args.file)}\n`);
	},
});
