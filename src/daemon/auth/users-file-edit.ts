// Pure edits of users-file text for `rpcapd passwd`: set or delete one user, keeping every other line as it was.

import { escapeForLog } from "../../observe/log-escape.ts";
import { argon2idParameters, parseUsersFile, splitLines, usernameProblem } from "./users-file.ts";

export type UsersFileChange =
	| { readonly kind: "set"; readonly username: string; readonly hash: string }
	| { readonly kind: "delete"; readonly username: string };

export interface UsersFileEdit {
	readonly text: string;
	readonly outcome: "added" | "updated" | "deleted";
}

/** A change that cannot be made (bad user name, unknown user to delete); parse errors stay UsersFileError. */
export class UsersFileEditError extends Error {
	override readonly name = "UsersFileEditError";
}

/** Throws UsersFileEditError when `username` cannot be written to a users file (usernameProblem). */
export function assertValidUsername(username: string): void {
	const problem = usernameProblem(username);
	if (problem) throw new UsersFileEditError(`Invalid username "${escapeForLog(username)}": ${problem}`);
}

export const USERS_FILE_HEADER = [
	"# rpcapd users: one username:argon2id-hash per line; edit with `rpcapd passwd FILE USER`",
	"# and serve with `rpcapd --users FILE`.",
];

/**
 * Applies `change` to the file text (`null` when the file does not exist yet) and returns the new text.
 * The existing text must parse (a broken file is reported, not made worse); line endings follow the file.
 */
export function editUsersFile(current: string | null, change: UsersFileChange, file: string): UsersFileEdit {
	const problem = usernameProblem(change.username);
	if (problem)
		throw new UsersFileEditError(`Invalid username "${escapeForLog(change.username)}": ${problem}`);
	if (change.kind === "set" && !argon2idParameters(change.hash)) {
		throw new UsersFileEditError("Refusing to write a password hash that is not argon2id");
	}
	const text = current ?? "";
	const entries = parseUsersFile(text, file);
	const existing = entries.find((entry) => entry.username === change.username);
	const newline = text.includes("\r\n") ? "\r\n" : "\n";
	const lines = splitLines(text.replace(/^\uFEFF/, ""));
	if (change.kind === "delete") {
		if (!existing) throw new UsersFileEditError(`No user "${escapeForLog(change.username)}" in ${file}`);
		lines.splice(existing.line - 1, 1);
		return { text: joinLines(lines, newline), outcome: "deleted" };
	}
	const entryLine = `${change.username}:${change.hash}`;
	if (existing) {
		lines[existing.line - 1] = entryLine;
		return { text: joinLines(lines, newline), outcome: "updated" };
	}
	if (current === null || current.trim() === "") lines.splice(0, lines.length, ...USERS_FILE_HEADER);
	lines.push(entryLine);
	return { text: joinLines(lines, newline), outcome: "added" };
}

function joinLines(lines: readonly string[], newline: string): string {
	return lines.length === 0 ? "" : `${lines.join(newline)}${newline}`;
}
