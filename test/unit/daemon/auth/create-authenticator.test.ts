import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SystemAccountsUnsupportedError } from "../../../../ffi/system-accounts.ts";
import {
	createAuthenticator,
	SystemAccountAuthenticator,
	UsersFileAuthenticator,
	UsersFileError,
} from "../../../../src/daemon/auth/index.ts";

const directory = mkdtempSync(join(tmpdir(), "rpcapd-factory-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const logger = { warn() {}, debug() {} };

describe("createAuthenticator", () => {
	test("a users file wins on every platform", async () => {
		const path = join(directory, "users");
		writeFileSync(path, "# nobody yet\n", { mode: 0o600 });
		for (const platform of ["linux", "win32", "darwin"] as const) {
			const auth = await createAuthenticator({ usersFile: path, logger, platform });
			expect(auth).toBeInstanceOf(UsersFileAuthenticator);
			expect(auth.description).toBe(`users file ${path}`);
		}
	});

	test("a bad users file is a UsersFileError", async () => {
		const path = join(directory, "bad");
		writeFileSync(path, "no colon here\n", { mode: 0o600 });
		await expect(createAuthenticator({ usersFile: path, logger })).rejects.toThrow(`${path}:1: Expected`);
		await expect(createAuthenticator({ usersFile: path, logger })).rejects.toBeInstanceOf(UsersFileError);
	});

	test("without a users file, Linux uses the system accounts", async () => {
		const auth = await createAuthenticator({ logger, platform: "linux" });
		expect(auth).toBeInstanceOf(SystemAccountAuthenticator);
		expect(auth.description).toBe("system accounts");
	});

	test("without a users file, Windows and macOS are told to use --users FILE", async () => {
		for (const platform of ["win32", "darwin"] as const) {
			const attempt = createAuthenticator({ logger, platform });
			await expect(attempt).rejects.toBeInstanceOf(SystemAccountsUnsupportedError);
			await expect(createAuthenticator({ logger, platform })).rejects.toThrow(
				`System account authentication is not supported on this platform (${platform}); use --users FILE`,
			);
		}
	});
});
