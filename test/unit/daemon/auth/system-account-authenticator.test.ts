import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import fc from "fast-check";
import type { PasswdEntry, ShadowEntry, SystemAccounts } from "../../../../ffi/system-accounts.ts";
import { REJECTED } from "../../../../src/daemon/auth/authenticator.ts";
import { SystemAccountAuthenticator } from "../../../../src/daemon/auth/system-account-authenticator.ts";
import type { AuthRequest } from "../../../../src/protocol/messages-auth.ts";
import { memoryLogger, pwd } from "./auth-test-support.ts";

/** A stand-in for crypt(3): "$f$<salt>$<digest>"; "*0" for settings it does not know; NULL for "$null$". */
function fakeCrypt(phrase: Uint8Array, setting: string): string | null {
	if (setting.startsWith("$null$")) return null;
	const match = /^\$(f|g)\$([a-z0-9]+)(\$.*)?$/.exec(setting);
	if (!match) return "*0";
	const digest = createHash("sha256").update(match[2]!).update(phrase).digest("hex");
	return `$${match[1]}$${match[2]}$${digest}`;
}

function hashOf(password: string, salt = "salt", method = "f"): string {
	return fakeCrypt(new TextEncoder().encode(password), `$${method}$${salt}`)!;
}

interface Account {
	passwd?: string;
	shadow?: string | null;
	expireDay?: number | null;
	uid?: number;
}

class FakeAccounts implements SystemAccounts {
	readonly cryptCalls: { phrase: string; setting: string }[] = [];
	lookups = 0;
	constructor(
		private readonly accounts: Record<string, Account>,
		private readonly gensalt: string | null = "$g$default",
	) {}
	passwdEntry(name: string): PasswdEntry | null {
		this.lookups++;
		const account = this.accounts[name];
		if (!account) return null;
		const uid = account.uid ?? 1000;
		return {
			name,
			passwd: account.passwd ?? "x",
			uid,
			gid: uid + 1,
			home: `/home/${name}`,
			shell: "/bin/sh",
		};
	}
	shadowEntry(name: string): ShadowEntry | null {
		this.lookups++;
		const account = this.accounts[name];
		if (!account || account.shadow === null || account.shadow === undefined) return null;
		return { passwordHash: account.shadow, expireDay: account.expireDay ?? null };
	}
	crypt(phrase: Uint8Array, setting: string): string | null {
		this.cryptCalls.push({ phrase: Buffer.from(phrase).toString("latin1"), setting });
		return fakeCrypt(phrase, setting);
	}
	defaultSetting(): string | null {
		return this.gensalt;
	}
}

const DAY = 86_400_000;
const TODAY = 20_000;

function setup(
	accounts: Record<string, Account>,
	gensalt: string | null = "$g$default",
	runningAsRoot = false,
) {
	const fake = new FakeAccounts(accounts, gensalt);
	const logger = memoryLogger();
	const auth = new SystemAccountAuthenticator(fake, { logger, now: () => TODAY * DAY + 5000, runningAsRoot });
	return { fake, logger, auth };
}

const STANDARD: Record<string, Account> = {
	alice: { shadow: hashOf("correct horse"), uid: 1001 },
	locked: { shadow: `!${hashOf("locked pw", "lsalt")}` },
	bang: { shadow: "!" },
	star: { shadow: "*" },
	empty: { shadow: "" },
	noshadow: { passwd: "x", shadow: null },
	legacy: { passwd: hashOf("old style", "leg"), shadow: null },
	expired: { shadow: hashOf("expired pw"), expireDay: TODAY },
	expiring: { shadow: hashOf("expiring pw"), expireDay: TODAY + 1 },
	zeroexpire: { shadow: hashOf("zero pw"), expireDay: 0 },
	broken: { shadow: "$null$abc$def" },
	token: { shadow: "$h$unknown$method" },
};

describe("SystemAccountAuthenticator", () => {
	test("the right password is accepted with the account's identity", async () => {
		const { auth, fake } = setup(STANDARD);
		expect(await auth.authenticate(pwd("alice", "correct horse"))).toEqual({
			result: "accepted",
			username: "alice",
			identity: { uid: 1001, gid: 1002, home: "/home/alice" },
		});
		expect(fake.cryptCalls).toEqual([{ phrase: "correct horse", setting: STANDARD.alice!.shadow! }]);
	});

	test("pw_passwd is used when there is no shadow entry", async () => {
		const { auth } = setup(STANDARD);
		expect((await auth.authenticate(pwd("legacy", "old style"))).result).toBe("accepted");
	});

	test("an expiry day still ahead, or 0, does not block", async () => {
		const { auth } = setup(STANDARD);
		expect((await auth.authenticate(pwd("expiring", "expiring pw"))).result).toBe("accepted");
		expect((await auth.authenticate(pwd("zeroexpire", "zero pw"))).result).toBe("accepted");
	});

	const rejections: [string, AuthRequest, string][] = [
		["wrong password", pwd("alice", "wrong"), STANDARD.alice!.shadow!],
		["unknown user", pwd("mallory", "correct horse"), "$g$default"],
		["locked with the right password", pwd("locked", "locked pw"), hashOf("locked pw", "lsalt")],
		["bare '!'", pwd("bang", ""), "$g$default"],
		["'*'", pwd("star", "x"), "$g$default"],
		["empty hash with empty password", pwd("empty", ""), "$g$default"],
		["unreadable shadow ('x')", pwd("noshadow", "x"), "$g$default"],
		["expired account with the right password", pwd("expired", "expired pw"), STANDARD.expired!.shadow!],
		["crypt returns NULL", pwd("broken", "anything"), "$null$abc$def"],
		["crypt returns a failure token", pwd("token", "anything"), "$h$unknown$method"],
		["NUL in the user name", pwd(new Uint8Array([0x61, 0, 0x62]), "correct horse"), "$g$default"],
		["invalid UTF-8 user name", pwd(new Uint8Array([0xff, 0xfe]), "correct horse"), "$g$default"],
		["NUL in the password", pwd("alice", new Uint8Array([0x61, 0])), STANDARD.alice!.shadow!],
		["invalid UTF-8 password", pwd("alice", new Uint8Array([0xc3])), STANDARD.alice!.shadow!],
		["empty user name", pwd("", "correct horse"), "$g$default"],
	];

	for (const [name, request, setting] of rejections) {
		test(`${name}: the shared REJECTED after exactly one crypt run`, async () => {
			const { auth, fake } = setup(STANDARD);
			expect(await auth.authenticate(request)).toBe(REJECTED);
			expect(fake.cryptCalls.map((call) => call.setting)).toEqual([setting]);
		});
	}

	test("every lookup path reads both databases, so unknown names cost the same reads", async () => {
		const { auth, fake } = setup(STANDARD);
		await auth.authenticate(pwd("alice", "wrong"));
		const known = fake.lookups;
		await auth.authenticate(pwd("nobody-here", "wrong"));
		expect(fake.lookups - known).toBe(known);
	});

	test("malformed passwords never reach crypt: the filler is hashed instead", async () => {
		const { auth, fake } = setup(STANDARD);
		await auth.authenticate(pwd("alice", new Uint8Array([0x61, 0, 0x62])));
		expect(fake.cryptCalls[0]!.phrase).toBe("rpcapd-filler-password");
	});

	test("the dummy follows the method and cost of the accounts actually checked", async () => {
		const { auth, fake } = setup({ carol: { shadow: hashOf("pw", "carolsalt", "g") } });
		await auth.authenticate(pwd("ghost", "pw"));
		await auth.authenticate(pwd("carol", "nope"));
		await auth.authenticate(pwd("ghost", "pw"));
		expect(fake.cryptCalls.map((call) => call.setting)).toEqual([
			"$g$default",
			hashOf("pw", "carolsalt", "g"),
			"$g$carolsalt",
		]);
	});

	test("without crypt_gensalt the dummy is sha512crypt; an explicit dummySetting wins", async () => {
		const fallback = setup({}, null);
		await fallback.auth.authenticate(pwd("ghost", "pw"));
		expect(fallback.fake.cryptCalls[0]!.setting).toBe("$6$rpcapdTimingPad");
		const fake = new FakeAccounts({});
		const auth = new SystemAccountAuthenticator(fake, { logger: memoryLogger(), dummySetting: "$f$mine" });
		await auth.authenticate(pwd("ghost", "pw"));
		expect(fake.cryptCalls[0]!.setting).toBe("$f$mine");
	});

	test("without root, a missing shadow entry is warned about once, without the user name", async () => {
		const { auth, logger } = setup(STANDARD);
		await auth.authenticate(pwd("noshadow", "a"));
		await auth.authenticate(pwd("noshadow", "b"));
		const warnings = logger.lines.filter((line) => line.startsWith("warn"));
		expect(warnings).toEqual([
			"warn Cannot read shadow password entries; rpcapd must run as root to check system passwords",
		]);
	});

	test("as root, a missing shadow entry is just an unusable account", async () => {
		const { auth, logger } = setup(STANDARD, "$g$default", true);
		expect(await auth.authenticate(pwd("noshadow", "x"))).toBe(REJECTED);
		expect(logger.lines).toEqual(['debug Password rejected for "noshadow": no usable password hash']);
	});

	test("a throwing account database gives REJECTED and a warning, never an exception", async () => {
		const fake = new FakeAccounts(STANDARD);
		fake.passwdEntry = () => {
			throw new Error("NSS exploded");
		};
		const logger = memoryLogger();
		const auth = new SystemAccountAuthenticator(fake, { logger });
		expect(await auth.authenticate(pwd("alice", "correct horse"))).toBe(REJECTED);
		expect(logger.lines).toContain("warn System account check failed: NSS exploded");
	});

	test("NULL requests are rejected without any work (the session owns the NULL policy)", async () => {
		const { auth, fake } = setup(STANDARD);
		expect(await auth.authenticate({ type: "null" })).toBe(REJECTED);
		expect(fake.cryptCalls).toEqual([]);
	});

	test("logs escape user names and never contain the password", async () => {
		const { auth, logger } = setup(STANDARD);
		await auth.authenticate(pwd("evil\nrpcapd: fake line", "hunter2-secret"));
		await auth.authenticate(pwd("alice", "hunter2-secret"));
		await auth.authenticate(pwd(new Uint8Array([0x0a, 0xff, 0x1b]), "hunter2-secret"));
		expect(logger.lines).toEqual([
			'debug Password rejected for "evil\\x0arpcapd: fake line": unknown user',
			'debug Password rejected for "alice": wrong password',
			'debug Password rejected for "\\x0a\\xff\\x1b": user name has a NUL byte or is not UTF-8',
		]);
	});

	test("property: arbitrary credential bytes are rejected (or accepted only when right), never thrown", async () => {
		const { auth, logger } = setup(STANDARD);
		await fc.assert(
			fc.asyncProperty(
				fc.oneof(
					fc.uint8Array({ maxLength: 40 }),
					fc.constantFrom(...Object.keys(STANDARD)).map((name) => new TextEncoder().encode(name)),
				),
				fc.uint8Array({ maxLength: 40 }),
				async (username, password) => {
					const decision = await auth.authenticate(pwd(username, password));
					expect(decision).toBe(REJECTED);
				},
			),
			{ numRuns: 300 },
		);
		for (const line of logger.lines) expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
	});

	test("reload is a no-op that resolves", async () => {
		const { auth } = setup(STANDARD);
		await auth.reload();
		expect(auth.description).toBe("system accounts");
	});
});
