// A scripted Authenticator: a table of accounts (byte-exact compare), a record of every request, optional holds.

import { type AuthDecision, type Authenticator, REJECTED } from "../../src/daemon/auth/authenticator.ts";
import type { AuthRequest } from "../../src/protocol/index.ts";

export interface FakeAccount {
	username: string | Uint8Array;
	password: string | Uint8Array;
}

function bytesOf(value: string | Uint8Array): Uint8Array {
	return typeof value === "string" ? new TextEncoder().encode(value) : value;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
	return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

export class FakeAuthenticator implements Authenticator {
	readonly description = "fake accounts";
	/** Every request decided (credentials copied), in order. */
	readonly requests: AuthRequest[] = [];
	reloads = 0;
	/** When set, decisions wait until release() is called (an authenticator that is slow to answer). */
	holdDecisions = false;
	private readonly accounts: { username: Uint8Array; password: Uint8Array }[];
	private readonly held: (() => void)[] = [];

	constructor(accounts: FakeAccount[] = [{ username: "alice", password: "secret" }]) {
		this.accounts = accounts.map((a) => ({ username: bytesOf(a.username), password: bytesOf(a.password) }));
	}

	async authenticate(request: AuthRequest): Promise<AuthDecision> {
		this.requests.push(
			request.type === "null"
				? request
				: { type: "password", username: request.username.slice(), password: request.password.slice() },
		);
		if (this.holdDecisions) await new Promise<void>((resolve) => this.held.push(resolve));
		if (request.type === "null") return REJECTED;
		const account = this.accounts.find(
			(a) => sameBytes(a.username, request.username) && sameBytes(a.password, request.password),
		);
		if (!account) return REJECTED;
		return {
			result: "accepted",
			username: new TextDecoder().decode(account.username),
			identity: null,
		};
	}

	/** Lets every held decision complete. */
	release(): void {
		for (const resolve of this.held.splice(0)) resolve();
	}

	async reload(): Promise<void> {
		this.reloads++;
	}
}
