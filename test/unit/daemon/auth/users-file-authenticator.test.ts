import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REJECTED } from "../../../../src/daemon/auth/authenticator.ts";
import { argon2idParameters, UsersFileError } from "../../../../src/daemon/auth/users-file.ts";
import {
	DUMMY_ARGON2ID_HASH,
	type PasswordVerifier,
	UsersFileAuthenticator,
} from "../../../../src/daemon/auth/users-file-authenticator.ts";
import type { AuthRequest } from "../../../../src/protocol/messages-auth.ts";
import { memoryLogger, pwd } from "./auth-test-support.ts";

const directory = mkdtempSync(join(tmpdir(), "rpcapd-users-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

let fileCounter = 0;
function usersFile(text: string, mode = 0o600): string {
	const path = join(directory, `users-${++fileCounter}`);
	writeFileSync(path, text);
	chmodSync(path, mode);
	return path;
}

/** Cheap argon2id so the suite stays fast; the dummy must follow these parameters. */
const CHEAP = { algorithm: "argon2id", memoryCost: 1024, timeCost: 1 } as const;
const aliceHash = await Bun.password.hash("correct horse", CHEAP);
const bobHash = await Bun.password.hash("bob's pw", CHEAP);

/** Bun.password.verify, recording which hash each check used. */
function countingVerifier() {
	const hashes: string[] = [];
	const verify: PasswordVerifier = (password, hash) => {
		hashes.push(hash);
		return Bun.password.verify(password, hash, "argon2id");
	};
	return { hashes, verify };
}

describe("UsersFileAuthenticator", () => {
	const path = usersFile(`# users\nalice:${aliceHash}\nbob:${bobHash}\n`);

	test("the right password is accepted, without an OS identity", async () => {
		const auth = await UsersFileAuthenticator.load(path, { logger: memoryLogger() });
		expect(auth.userCount).toBe(2);
		expect(auth.description).toBe(`users file ${path}`);
		expect(await auth.authenticate(pwd("alice", "correct horse"))).toEqual({
			result: "accepted",
			username: "alice",
			identity: null,
		});
		expect((await auth.authenticate(pwd("bob", "bob's pw"))).result).toBe("accepted");
	});

	const rejections: [string, AuthRequest, "alice" | "dummy"][] = [
		["wrong password", pwd("alice", "wrong"), "alice"],
		["another user's password", pwd("alice", "bob's pw"), "alice"],
		["unknown user", pwd("mallory", "correct horse"), "dummy"],
		["user name differing in case", pwd("Alice", "correct horse"), "dummy"],
		["NUL in the user name", pwd(new Uint8Array([0x61, 0x00]), "correct horse"), "dummy"],
		["invalid UTF-8 user name", pwd(new Uint8Array([0xff]), "correct horse"), "dummy"],
		["NUL in the password", pwd("alice", new Uint8Array([0x63, 0x00])), "alice"],
		["invalid UTF-8 password", pwd("alice", new Uint8Array([0xfe, 0xff])), "alice"],
		["empty password", pwd("alice", ""), "alice"],
	];

	for (const [name, request, against] of rejections) {
		test(`${name}: the shared REJECTED after exactly one verification`, async () => {
			const { hashes, verify } = countingVerifier();
			const auth = await UsersFileAuthenticator.load(path, { logger: memoryLogger(), verify });
			expect(await auth.authenticate(request)).toBe(REJECTED);
			expect(hashes).toHaveLength(1);
			if (against === "alice") expect(hashes[0]).toBe(aliceHash);
			else {
				// the dummy has the cost of the file's hashes, not Bun's default
				expect(hashes[0]).not.toBe(DUMMY_ARGON2ID_HASH);
				expect(argon2idParameters(hashes[0]!)).toEqual(argon2idParameters(aliceHash));
			}
		});
	}

	test("files with Bun's default cost use the built-in dummy", async () => {
		const defaultHash = await Bun.password.hash("x", { algorithm: "argon2id" });
		const { hashes, verify } = countingVerifier();
		const auth = await UsersFileAuthenticator.load(usersFile(`carol:${defaultHash}\n`), {
			logger: memoryLogger(),
			verify,
		});
		expect(await auth.authenticate(pwd("ghost", "x"))).toBe(REJECTED);
		expect(hashes).toEqual([DUMMY_ARGON2ID_HASH]);
	});

	test("a verifier failure gives REJECTED and a warning, never an exception", async () => {
		const logger = memoryLogger();
		const auth = await UsersFileAuthenticator.load(path, {
			logger,
			verify: () => Promise.reject(new Error("argon2 exploded")),
		});
		expect(await auth.authenticate(pwd("alice", "correct horse"))).toBe(REJECTED);
		expect(logger.lines).toContain("warn Password verification failed: argon2 exploded");
	});

	test("NULL requests are rejected (the session owns the NULL policy)", async () => {
		const auth = await UsersFileAuthenticator.load(path, { logger: memoryLogger() });
		expect(await auth.authenticate({ type: "null" })).toBe(REJECTED);
	});

	test("logs escape user names and never contain the password", async () => {
		const logger = memoryLogger();
		const auth = await UsersFileAuthenticator.load(path, { logger });
		await auth.authenticate(pwd("x\r\nrpcapd: forged", "hunter2-secret"));
		await auth.authenticate(pwd("alice", "hunter2-secret"));
		const lines = logger.lines.slice(1);
		expect(lines).toEqual([
			'debug Password rejected for "x\\x0d\\x0arpcapd: forged": unknown user',
			'debug Password rejected for "alice": wrong password',
		]);
		expect(logger.lines.join("\n")).not.toContain("hunter2");
	});

	test("reload picks up changes; a broken file keeps the previous users and throws", async () => {
		const reloaded = usersFile(`alice:${aliceHash}\n`);
		const auth = await UsersFileAuthenticator.load(reloaded, { logger: memoryLogger() });
		writeFileSync(reloaded, `bob:${bobHash}\n`);
		await auth.reload();
		expect(await auth.authenticate(pwd("alice", "correct horse"))).toBe(REJECTED);
		expect((await auth.authenticate(pwd("bob", "bob's pw"))).result).toBe("accepted");
		writeFileSync(reloaded, `bob:${bobHash}\nbroken line\n`);
		await expect(auth.reload()).rejects.toThrow(
			new UsersFileError(reloaded, 2, "Expected username:hash, found no ':'"),
		);
		expect((await auth.authenticate(pwd("bob", "bob's pw"))).result).toBe("accepted");
	});

	test("a missing file is a typed error naming it", async () => {
		const missing = join(directory, "does-not-exist");
		const attempt = UsersFileAuthenticator.load(missing, { logger: memoryLogger() });
		await expect(attempt).rejects.toThrow(
			new UsersFileError(missing, null, "Cannot read the users file (ENOENT)"),
		);
		await expect(attempt).rejects.toBeInstanceOf(UsersFileError);
	});

	test("a file others can read is loaded with a warning", async () => {
		const logger = memoryLogger();
		const open = usersFile(`alice:${aliceHash}\n`, 0o644);
		await UsersFileAuthenticator.load(open, { logger });
		expect(logger.lines).toContain(`warn Users file ${open} is readable by other users; chmod 600 it`);
	});

	test("unknown users and wrong passwords take comparable time", async () => {
		// Costly enough (~10 ms) that scheduling noise does not dominate the measurement.
		const timedHash = await Bun.password.hash("correct horse", { ...CHEAP, memoryCost: 8192 });
		const auth = await UsersFileAuthenticator.load(usersFile(`alice:${timedHash}\n`), {
			logger: memoryLogger(),
		});
		const time = async (request: AuthRequest) => {
			const start = performance.now();
			await auth.authenticate(request);
			return performance.now() - start;
		};
		await time(pwd("alice", "warm-up"));
		const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
		const unknown: number[] = [];
		const wrong: number[] = [];
		for (let i = 0; i < 7; i++) {
			unknown.push(await time(pwd(`ghost${i}`, "pw")));
			wrong.push(await time(pwd("alice", `pw${i}`)));
		}
		const ratio = median(unknown) / median(wrong);
		expect(ratio).toBeGreaterThan(1 / 3);
		expect(ratio).toBeLessThan(3);
	});
});
