// Checks AUTH_REQ passwords against a users file of argon2id hashes; reloadable on SIGHUP; identical rejections.

import { readFileSync, statSync } from "node:fs";
import { escapeForLog } from "../../observe/log-escape.ts";
import type { AuthRequest } from "../../protocol/messages-auth.ts";
import { type AuthDecision, type Authenticator, type AuthLogger, REJECTED } from "./authenticator.ts";
import { credentialText, FILLER_PASSWORD } from "./credentials.ts";
import { argon2idParameters, parseUsersFile, UsersFileError } from "./users-file.ts";

/** Checks a password against a PHC hash; resolves false on mismatch (rejects only on a malformed hash). */
export type PasswordVerifier = (password: Uint8Array, hash: string) => Promise<boolean>;

export interface UsersFileAuthenticatorOptions {
	readonly logger: AuthLogger;
	/** Bun.password.verify by default; tests inject a counting one. */
	readonly verify?: PasswordVerifier;
}

/**
 * argon2id of a random, forgotten password with Bun's default cost (m=65536, t=2, p=1), which is what
 * `rpcapd passwd` writes: verified for unknown users so that they cost the same as wrong passwords.
 */
export const DUMMY_ARGON2ID_HASH =
	"$argon2id$v=19$m=65536,t=2,p=1$6Za1ny1b/ULPskIfI/xBWrtB4NVaVQ/4t2nNdsEeplM$GHLJ0y0iNRaNs06ZEeU1TL9qLiKYQVluFpyWvol+Ir0";

const defaultVerify: PasswordVerifier = (password, hash) => Bun.password.verify(password, hash, "argon2id");

interface LoadedUsers {
	readonly hashes: ReadonlyMap<string, string>;
	readonly dummyHash: string;
}

/**
 * Users from `username:hash` lines (users-file.ts). Verification is async (Bun.password runs argon2id off the
 * main thread), so a check never blocks the event loop. Every failure resolves to the same REJECTED.
 */
export class UsersFileAuthenticator implements Authenticator {
	readonly description: string;
	private readonly logger: AuthLogger;
	private readonly verify: PasswordVerifier;
	private users: LoadedUsers = { hashes: new Map(), dummyHash: DUMMY_ARGON2ID_HASH };

	private constructor(
		readonly path: string,
		options: UsersFileAuthenticatorOptions,
	) {
		this.description = `users file ${path}`;
		this.logger = options.logger;
		this.verify = options.verify ?? defaultVerify;
	}

	/** Reads and parses the file; throws UsersFileError (`file:line: message`) when it cannot be used. */
	static async load(path: string, options: UsersFileAuthenticatorOptions): Promise<UsersFileAuthenticator> {
		const authenticator = new UsersFileAuthenticator(path, options);
		await authenticator.reload();
		return authenticator;
	}

	get userCount(): number {
		return this.users.hashes.size;
	}

	async reload(): Promise<void> {
		let content: Uint8Array;
		try {
			content = readFileSync(this.path);
			if ((statSync(this.path).mode & 0o077) !== 0) {
				this.logger.warn(`Users file ${this.path} is readable by other users; chmod 600 it`);
			}
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code;
			throw new UsersFileError(this.path, null, `Cannot read the users file${code ? ` (${code})` : ""}`);
		}
		const entries = parseUsersFile(content, this.path);
		const hashes = new Map(entries.map((entry) => [entry.username, entry.hash]));
		const first = entries[0];
		this.users = { hashes, dummyHash: first ? await dummyLike(first.hash) : DUMMY_ARGON2ID_HASH };
		this.logger.debug(`Loaded ${hashes.size} user(s) from ${this.path}`);
	}

	async authenticate(request: AuthRequest): Promise<AuthDecision> {
		if (request.type !== "password") return REJECTED;
		const { hashes, dummyHash } = this.users; // a reload during the await must not mix two files
		const username = credentialText(request.username);
		const passwordUsable = credentialText(request.password) !== null;
		const hash = username === null ? undefined : hashes.get(username);
		let matched = false;
		try {
			matched = await this.verify(passwordUsable ? request.password : FILLER_PASSWORD, hash ?? dummyHash);
		} catch (error) {
			this.logger.warn(
				`Password verification failed: ${error instanceof Error ? error.message : String(error)}`,
			);
		}
		const shown = `"${escapeForLog(username ?? request.username)}"`;
		if (username !== null && hash !== undefined && passwordUsable && matched) {
			this.logger.debug(`Password accepted for ${shown}`);
			return { result: "accepted", username, identity: null };
		}
		const reason =
			username === null || !passwordUsable
				? "credentials have a NUL byte or are not UTF-8"
				: hash === undefined
					? "unknown user"
					: "wrong password";
		this.logger.debug(`Password rejected for ${shown}: ${reason}`);
		return REJECTED;
	}
}

/** A dummy hash with the same cost parameters as `hash`, so unknown users take as long as known ones. */
async function dummyLike(hash: string): Promise<string> {
	const wanted = argon2idParameters(hash);
	const current = argon2idParameters(DUMMY_ARGON2ID_HASH);
	if (!wanted || !current) return DUMMY_ARGON2ID_HASH;
	if (wanted.memoryCost === current.memoryCost && wanted.timeCost === current.timeCost)
		return DUMMY_ARGON2ID_HASH;
	const forgotten = crypto.getRandomValues(new Uint8Array(24));
	return Bun.password.hash(forgotten, {
		algorithm: "argon2id",
		memoryCost: wanted.memoryCost,
		timeCost: wanted.timeCost,
	});
}
