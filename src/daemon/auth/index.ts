// Password authentication for AUTH_REQ: the Authenticator contract, its two implementations and the factory.

export { SystemAccountsUnsupportedError } from "../../../ffi/system-accounts.ts";
export { escapeForLog } from "../../observe/log-escape.ts";
export {
	type AccountIdentity,
	type AuthDecision,
	type Authenticator,
	type AuthLogger,
	REJECTED,
} from "./authenticator.ts";
export { type AuthenticatorConfig, createAuthenticator } from "./create-authenticator.ts";
export {
	SystemAccountAuthenticator,
	type SystemAccountAuthenticatorOptions,
} from "./system-account-authenticator.ts";
export { parseUsersFile, type UsersFileEntry, UsersFileError, usernameProblem } from "./users-file.ts";
export {
	DUMMY_ARGON2ID_HASH,
	type PasswordVerifier,
	UsersFileAuthenticator,
	type UsersFileAuthenticatorOptions,
} from "./users-file-authenticator.ts";
export {
	editUsersFile,
	type UsersFileChange,
	type UsersFileEdit,
	UsersFileEditError,
} from "./users-file-edit.ts";
