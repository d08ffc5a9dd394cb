// Checks AUTH_REQ passwords against the OS accounts (getpwnam, getspnam, crypt), rejecting every failure identically.

import type { PasswdEntry, ShadowEntry, SystemAccounts } from "../../../ffi/system-accounts.ts";
import { escapeForLog } from "../../observe/log-escape.ts";
import type { AuthRequest } from "../../protocol/messages-auth.ts";
import { type AuthDecision, type Authenticator, type AuthLogger, REJECTED } from "./authenticator.ts";
import { constantTimeEqual, credentialText, FILLER_PASSWORD } from "./credentials.ts";
import { classifyStoredHash, FALLBACK_DUMMY_SETTING, isCryptFailure, settingOf } from "./crypt-hash.ts";

const DAY_MS = 86_400_000;

export interface SystemAccountAuthenticatorOptions {
	readonly logger: AuthLogger;
	/** Milliseconds since the epoch, for account expiry; Date.now by default. */
	readonly now?: () => number;
	/** The crypt setting hashed for unknown users until a real account teaches a better one. */
	readonly dummySetting?: string;
	/** Whether shadow entries are readable (root); from process.getuid by default. */
	readonly runningAsRoot?: boolean;
}

/** What one check found, before the single crypt run that every path makes. */
interface Plan {
	/** The setting crypt runs with: the account's hash, or the dummy. */
	readonly setting: string;
	/** Set only when a match means success; null means reject whatever crypt returns. */
	readonly expected: string | null;
	readonly account: PasswdEntry | null;
	/** For the debug log only; never sent to the client. */
	readonly reason: string;
}

/**
 * The reference's UN*X check (rpcap-protocol.md §4.2) hardened: every path runs exactly one crypt of the
 * same cost, unknown users included (against a dummy setting of the same method and cost as the accounts
 * last seen), so neither the reply nor its timing tells unknown user, wrong password and unusable hash apart.
 */
export class SystemAccountAuthenticator implements Authenticator {
	readonly description = "system accounts";
	private readonly logger: AuthLogger;
	private readonly now: () => number;
	private dummySetting: string;
	private readonly runningAsRoot: boolean;
	private warnedShadowUnreadable = false;

	constructor(
		private readonly accounts: SystemAccounts,
		options: SystemAccountAuthenticatorOptions,
	) {
		this.logger = options.logger;
		this.now = options.now ?? Date.now;
		this.runningAsRoot = options.runningAsRoot ?? process.getuid?.() === 0;
		this.dummySetting = options.dummySetting ?? safeDefaultSetting(accounts) ?? FALLBACK_DUMMY_SETTING;
	}

	async authenticate(request: AuthRequest): Promise<AuthDecision> {
		if (request.type !== "password") return REJECTED;
		try {
			return this.check(request.username, request.password);
		} catch (error) {
			this.logger.warn(
				`System account check failed: ${error instanceof Error ? error.message : String(error)}`,
			);
			return REJECTED;
		}
	}

	/** Nothing to re-read: every check asks the account database afresh. */
	async reload(): Promise<void> {}

	private check(usernameBytes: Uint8Array, passwordBytes: Uint8Array): AuthDecision {
		const username = credentialText(usernameBytes);
		const passwordUsable = credentialText(passwordBytes) !== null;
		const plan = this.plan(username, passwordUsable);
		const result = this.accounts.crypt(passwordUsable ? passwordBytes : FILLER_PASSWORD, plan.setting);
		if (plan.account && plan.setting !== this.dummySetting && !isCryptFailure(result)) {
			this.dummySetting = settingOf(plan.setting) ?? this.dummySetting;
		}
		const shown = `"${escapeForLog(username ?? usernameBytes)}"`;
		if (plan.expected !== null && plan.account && result !== null && !isCryptFailure(result)) {
			if (constantTimeEqual(result, plan.expected)) {
				const { uid, gid, home } = plan.account;
				this.logger.debug(`Password accepted for system account ${shown}`);
				return { result: "accepted", username: plan.account.name, identity: { uid, gid, home } };
			}
		}
		const why = plan.expected !== null && isCryptFailure(result) ? "crypt failed" : plan.reason;
		this.logger.debug(`Password rejected for ${shown}: ${why}`);
		return REJECTED;
	}

	private plan(username: string | null, passwordUsable: boolean): Plan {
		// Both lookups run for every well-formed name so that unknown names cost the same database reads.
		const account = username === null ? null : this.accounts.passwdEntry(username);
		const shadow = username === null ? null : this.accounts.shadowEntry(username);
		const dummy = (reason: string): Plan => ({ setting: this.dummySetting, expected: null, account, reason });
		if (username === null) return dummy("user name has a NUL byte or is not UTF-8");
		if (!account) return dummy("unknown user");
		const stored = classifyStoredHash(this.storedHash(account, shadow));
		if (stored.kind === "locked") {
			return stored.inner === null
				? dummy("account locked")
				: { setting: stored.inner, expected: null, account, reason: "account locked" };
		}
		if (stored.kind === "unusable") return dummy("no usable password hash");
		const rejectWith = (reason: string): Plan => ({ setting: stored.hash, expected: null, account, reason });
		if (!passwordUsable) return rejectWith("password has a NUL byte or is not UTF-8");
		if (this.expired(shadow)) return rejectWith("account expired");
		return { setting: stored.hash, expected: stored.hash, account, reason: "wrong password" };
	}

	private storedHash(account: PasswdEntry, shadow: ShadowEntry | null): string {
		if (shadow) return shadow.passwordHash;
		if (account.passwd === "x" && !this.runningAsRoot && !this.warnedShadowUnreadable) {
			this.warnedShadowUnreadable = true;
			this.logger.warn(
				"Cannot read shadow password entries; rpcapd must run as root to check system passwords",
			);
		}
		return account.passwd;
	}

	private expired(shadow: ShadowEntry | null): boolean {
		// shadow(5): 0 is ambiguous and treated as "never", like an empty field.
		if (!shadow || shadow.expireDay === null || shadow.expireDay <= 0) return false;
		return Math.floor(this.now() / DAY_MS) >= shadow.expireDay;
	}
}

function safeDefaultSetting(accounts: SystemAccounts): string | null {
	try {
		const setting = accounts.defaultSetting();
		return setting && !isCryptFailure(setting) ? setting : null;
	} catch {
		return null;
	}
}
