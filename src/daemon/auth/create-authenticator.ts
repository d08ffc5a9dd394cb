// Picks the authenticator from the configuration: the users file when one is given, else the system accounts.

import type { Platform } from "../../../ffi/library-path.ts";
import { loadSystemAccounts } from "../../../ffi/system-accounts.ts";
import type { Authenticator, AuthLogger } from "./authenticator.ts";
import { SystemAccountAuthenticator } from "./system-account-authenticator.ts";
import { UsersFileAuthenticator } from "./users-file-authenticator.ts";

export interface AuthenticatorConfig {
	/** `--users FILE` (EffectiveConfig.usersFile). */
	readonly usersFile?: string | undefined;
	readonly logger: AuthLogger;
	readonly platform?: Platform;
}

/**
 * The users file when configured (any platform); otherwise the OS accounts, which exist only on Linux.
 * Throws UsersFileError for an unusable file, SystemAccountsUnsupportedError on Windows and macOS without a
 * users file, and LibraryNotFoundError (naming the package) when libc or libcrypt is missing.
 */
export async function createAuthenticator(config: AuthenticatorConfig): Promise<Authenticator> {
	if (config.usersFile !== undefined) {
		return UsersFileAuthenticator.load(config.usersFile, { logger: config.logger });
	}
	const accounts = loadSystemAccounts(config.platform ?? (process.platform as Platform));
	return new SystemAccountAuthenticator(accounts, { logger: config.logger });
}
