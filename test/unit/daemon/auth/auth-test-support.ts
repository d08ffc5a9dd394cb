// What the authenticator tests share: a logger that keeps its lines, and password requests from text or bytes.

import type { AuthRequest } from "../../../../src/protocol/messages-auth.ts";

export function memoryLogger() {
	const lines: string[] = [];
	return {
		lines,
		warn: (m: string) => lines.push(`warn ${m}`),
		debug: (m: string) => lines.push(`debug ${m}`),
	};
}

const encode = (text: string) => new TextEncoder().encode(text);

export function pwd(username: string | Uint8Array, password: string | Uint8Array): AuthRequest {
	return {
		type: "password",
		username: typeof username === "string" ? encode(username) : username,
		password: typeof password === "string" ? encode(password) : password,
	};
}
