// The users file: `username:argon2id-hash` lines with comments and blank lines; parsing and its located errors.

import { escapeForLog } from "../../observe/log-escape.ts";

export interface UsersFileEntry {
	readonly username: string;
	/** A PHC-format argon2id hash, as written by Bun.password.hash(password, { algorithm: "argon2id" }). */
	readonly hash: string;
	/** 1-based line number in the file. */
	readonly line: number;
}

/** A users file that cannot be used; the message is `<file>:<line>: <reason>` (or `<file>: <reason>`). */
export class UsersFileError extends Error {
	override readonly name = "UsersFileError";
	constructor(
		readonly file: string,
		readonly line: number | null,
		readonly reason: string,
	) {
		super(line === null ? `${file}: ${reason}` : `${file}:${line}: ${reason}`);
	}
}

/** `$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>` (unpadded base64). */
const ARGON2ID_HASH =
	/^\$argon2id\$v=19\$m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,3})\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{16,}$/;

export interface Argon2Parameters {
	readonly memoryCost: number;
	readonly timeCost: number;
	readonly parallelism: number;
}

/** The cost parameters of an argon2id hash, or null when `hash` is not one. */
export function argon2idParameters(hash: string): Argon2Parameters | null {
	const match = ARGON2ID_HASH.exec(hash);
	if (!match) return null;
	return { memoryCost: Number(match[1]), timeCost: Number(match[2]), parallelism: Number(match[3]) };
}

/** Why `name` cannot be a user name in the file, or null when it can. */
export function usernameProblem(name: string): string | null {
	if (name.length === 0) return "it is empty";
	if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name)) return "it contains a control character";
	if (name.includes(":")) return "it contains ':'";
	if (name.startsWith("#")) return "it starts with '#'";
	if (name.trim() !== name) return "it starts or ends with white space";
	if (!name.isWellFormed()) return "it is not valid Unicode";
	return null;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Splits into lines (LF or CRLF); a final newline does not start another line. */
export function splitLines(text: string): string[] {
	const lines = text.split("\n").map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
	if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
	return lines;
}

function decode(content: Uint8Array, file: string): string {
	try {
		return strictUtf8.decode(content);
	} catch {
		let line = 1;
		let start = 0;
		for (let i = 0; i <= content.length; i++) {
			if (i < content.length && content[i] !== 0x0a) continue;
			try {
				strictUtf8.decode(content.subarray(start, i));
			} catch {
				break;
			}
			line++;
			start = i + 1;
		}
		throw new UsersFileError(file, line, "Line is not valid UTF-8");
	}
}

/** Parses the whole file; throws UsersFileError at the first bad line. `file` only names it in errors. */
export function parseUsersFile(content: string | Uint8Array, file: string): UsersFileEntry[] {
	const text = typeof content === "string" ? content.replace(/^\uFEFF/, "") : decode(content, file);
	const entries: UsersFileEntry[] = [];
	const firstLine = new Map<string, number>();
	splitLines(text).forEach((raw, index) => {
		const line = index + 1;
		const trimmed = raw.trim();
		if (trimmed === "" || trimmed.startsWith("#")) return;
		const colon = raw.indexOf(":");
		if (colon < 0) throw new UsersFileError(file, line, "Expected username:hash, found no ':'");
		const username = raw.slice(0, colon);
		const hash = raw.slice(colon + 1).trim();
		const problem = usernameProblem(username);
		if (problem)
			throw new UsersFileError(file, line, `Invalid username "${escapeForLog(username)}": ${problem}`);
		if (!argon2idParameters(hash)) {
			throw new UsersFileError(
				file,
				line,
				`Password hash of "${escapeForLog(username)}" is not an argon2id hash ($argon2id$v=19$...); set it with rpcapd passwd`,
			);
		}
		const previous = firstLine.get(username);
		if (previous !== undefined) {
			throw new UsersFileError(
				file,
				line,
				`Duplicate user "${escapeForLog(username)}" (first defined on line ${previous})`,
			);
		}
		firstLine.set(username, line);
		entries.push({ username, hash, line });
	});
	return entries;
}
