// The contract between the session state machine and credential checking: AUTH_REQ in, accepted or rejected out.

import type { AuthRequest } from "../../protocol/messages-auth.ts";

/** The only two log levels authentication uses; the daemon's Logger satisfies it. Never given passwords. */
export interface AuthLogger {
	warn(message: string): void;
	debug(message: string): void;
}

/** The OS identity behind an accepted system account (the session may switch to it, rpcap-protocol.md §4.2). */
export interface AccountIdentity {
	readonly uid: number;
	readonly gid: number;
	readonly home: string;
}

export type AuthDecision =
	| {
			readonly result: "accepted";
			/** The verified user name (valid UTF-8, no NUL; escape it with escapeForLog before logging). */
			readonly username: string;
			/** Null for users-file accounts, which have no OS identity. */
			readonly identity: AccountIdentity | null;
	  }
	| { readonly result: "rejected" };

/**
 * Every rejection is this one object: unknown user, wrong password, locked or unusable hash, malformed
 * credentials. Callers cannot tell the causes apart, so neither can the client (CVE-2019-15162/15163).
 */
export const REJECTED: AuthDecision = Object.freeze({ result: "rejected" });

export interface Authenticator {
	/** What is checked against, for startup logs, e.g. `system accounts` or `users file /etc/rpcapd/users`. */
	readonly description: string;
	/**
	 * Decides a decoded AUTH_REQ. Never throws, whatever the bytes. NULL requests are always rejected here: the
	 * session applies the NULL-authentication policy before asking. Never blocks the event loop for long:
	 * users-file checks run argon2id off the main thread (Bun.password.verify is async); system-account checks
	 * run one synchronous crypt(3), about 2 ms for sha512crypt and 20-25 ms for yescrypt at Debian's default
	 * cost. The 1 s delay after a failure and the per-connection attempt limit are the session's job
	 * (rpcap-protocol.md §4.2), and they bound how often an attacker can make us hash.
	 */
	authenticate(request: AuthRequest): Promise<AuthDecision>;
	/** Re-reads the credential source (SIGHUP); on failure the previous state stays and the error is thrown. */
	reload(): Promise<void>;
}
