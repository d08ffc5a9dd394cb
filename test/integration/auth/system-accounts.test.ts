// Real getpwnam/getspnam/crypt checks against test users, in a private mount namespace whose /etc/passwd and
// /etc/shadow are bind-mounted copies: the host's /etc is never written. Needs root (CI runs as root).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { spawnSync } from "bun";

const REPO = resolve(import.meta.dir, "../../..");
const FIXTURE = join(REPO, "test/integration/fixtures/check-system-auth.ts");

function cryptHash(method: "-6" | "-5", password: string): string {
	const r = spawnSync(["openssl", "passwd", method, "-stdin"], { stdin: Buffer.from(`${password}\n`) });
	if (r.exitCode !== 0) throw new Error(`openssl passwd failed: ${r.stderr.toString()}`);
	return r.stdout.toString().trim();
}

const hex = (value: string | number[]) =>
	(typeof value === "string" ? Buffer.from(value, "utf8") : Buffer.from(value)).toString("hex");

interface Output {
	results: Record<string, unknown>;
	lookups: Record<string, number | null>;
	timing: { known: number[]; unknown: number[] };
	logs: string[];
}

let directory = "";
let output: Output;
const hostPasswdBefore = readFileSync("/etc/passwd", "utf8");
// Only a digest of the real shadow file: a failing comparison must not print real hashes.
const shadowDigest = () => createHash("sha256").update(readFileSync("/etc/shadow")).digest("hex");
const hostShadowBefore = shadowDigest();

const REJECTED = { result: "rejected" };
const rejectedCases: [string, string, string | number[]][] = [
	["wrong password", "rpcapt_alice", "Alice-Pass-2"],
	["unknown user", "rpcapt_nobody", "Alice-Pass-1"],
	["user name in the wrong case", "RPCAPT_ALICE", "Alice-Pass-1"],
	["locked (!hash) with the right password", "rpcapt_locked", "Locked-Pass-1"],
	["bare '!'", "rpcapt_bang", "anything"],
	["unusable hash '*'", "rpcapt_star", "anything"],
	["empty hash, empty password", "rpcapt_empty", ""],
	["expired account with the right password", "rpcapt_expired", "Expired-Pass-1"],
	["'x' without a shadow line", "rpcapt_noshadow", "x"],
	["NUL inside the password", "rpcapt_alice", [...Buffer.from("Alice-Pass-1"), 0, 0x41]],
	["invalid UTF-8 password", "rpcapt_alice", [0xc3, 0x28, 0xff]],
	["over-long password", "rpcapt_alice", "A".repeat(70000)],
];

beforeAll(() => {
	directory = mkdtempSync(join(tmpdir(), "rpcapd-sysauth-"));
	try {
		output = runChecks(directory);
	} catch (error) {
		rmSync(directory, { recursive: true, force: true });
		throw error;
	}
});

/** Writes the account files and the cases, runs the fixture in a private mount namespace, returns its JSON. */
function runChecks(directory: string): Output {
	const alice = cryptHash("-6", "Alice-Pass-1");
	const users: [string, number, string, string | null][] = [
		// name, uid, pw_passwd, shadow hash (null: no shadow line)
		["rpcapt_alice", 64001, "x", alice],
		["rpcapt_bob", 64002, "x", cryptHash("-5", "Bob-Pass-1")],
		["rpcapt_legacy", 64003, cryptHash("-6", "Legacy-Pass-1"), null],
		["rpcapt_locked", 64004, "x", `!${cryptHash("-6", "Locked-Pass-1")}`],
		["rpcapt_bang", 64005, "x", "!"],
		["rpcapt_star", 64006, "x", "*"],
		["rpcapt_empty", 64007, "x", ""],
		["rpcapt_expired", 64008, "x", cryptHash("-6", "Expired-Pass-1")],
		["rpcapt_noshadow", 64009, "x", null],
	];
	const passwd = users.map(([name, uid, pw]) => `${name}:${pw}:${uid}:${uid}::/home/${name}:/bin/false`);
	const shadow = users
		.filter(([, , , hash]) => hash !== null)
		.map(([name, , , hash]) => `${name}:${hash}:19000:0:99999:7::${name === "rpcapt_expired" ? 1 : ""}:`);
	// Only the test users in shadow: no real hash is ever copied out of /etc/shadow.
	writeFileSync(join(directory, "passwd"), `${hostPasswdBefore.trimEnd()}\n${passwd.join("\n")}\n`);
	writeFileSync(join(directory, "shadow"), `${shadow.join("\n")}\n`, { mode: 0o600 });

	const nulUser = [...Buffer.from("rpcapt_alice"), 0, ...Buffer.from("junk")];
	const cases = [
		{ name: "alice", username: hex("rpcapt_alice"), password: hex("Alice-Pass-1") },
		{ name: "bob", username: hex("rpcapt_bob"), password: hex("Bob-Pass-1") },
		{ name: "legacy", username: hex("rpcapt_legacy"), password: hex("Legacy-Pass-1") },
		{ name: "NUL inside the user name", username: hex(nulUser), password: hex("Alice-Pass-1") },
		{ name: "invalid UTF-8 user name", username: hex([0xff, 0xfe, 0x0a]), password: hex("Alice-Pass-1") },
		...rejectedCases.map(([name, username, password]) => ({
			name,
			username: hex(username),
			password: hex(password),
		})),
	];
	const input = {
		cases,
		lookup: ["rpcapt_alice", "rpcapt_nobody"],
		timing: { known: "rpcapt_alice", unknown: "rpcapt_ghost", rounds: 9 },
	};
	writeFileSync(join(directory, "cases.json"), JSON.stringify(input));

	const script = [
		`mount --bind ${directory}/passwd /etc/passwd`,
		`mount --bind ${directory}/shadow /etc/shadow`,
		`exec "${process.execPath}" "${FIXTURE}" "${directory}/cases.json"`,
	].join(" && ");
	const run = spawnSync(["unshare", "-m", "--propagation", "private", "sh", "-c", script], {
		cwd: REPO,
		timeout: 60_000,
	});
	if (run.exitCode !== 0) {
		throw new Error(`check-system-auth failed (${run.exitCode}): ${run.stderr.toString().slice(0, 2000)}`);
	}
	return JSON.parse(run.stdout.toString()) as Output;
}

afterAll(() => {
	if (directory) rmSync(directory, { recursive: true, force: true });
});

describe("system accounts (bind-mounted /etc/passwd and /etc/shadow)", () => {
	test("the child saw the test accounts through getpwnam", () => {
		expect(output.lookups).toEqual({ rpcapt_alice: 64001, rpcapt_nobody: null });
	});

	test("the right password is accepted: sha512crypt, sha256crypt, and a hash kept in pw_passwd", () => {
		expect(output.results.alice).toEqual({
			result: "accepted",
			username: "rpcapt_alice",
			identity: { uid: 64001, gid: 64001, home: "/home/rpcapt_alice" },
		});
		expect(output.results.bob).toMatchObject({ result: "accepted", username: "rpcapt_bob" });
		expect(output.results.legacy).toMatchObject({ result: "accepted", username: "rpcapt_legacy" });
	});

	for (const name of [
		...rejectedCases.map(([n]) => n),
		"NUL inside the user name",
		"invalid UTF-8 user name",
	]) {
		test(`rejected, identically: ${name}`, () => {
			expect(output.results[name]).toEqual(REJECTED);
		});
	}

	test("unknown users and wrong passwords take comparable time (medians within a factor of 3)", () => {
		const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
		const ratio = median(output.timing.unknown) / median(output.timing.known);
		expect(ratio).toBeGreaterThan(1 / 3);
		expect(ratio).toBeLessThan(3);
	});

	test("log lines are single lines without passwords", () => {
		expect(output.logs.length).toBeGreaterThan(0);
		for (const line of output.logs) {
			expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
			expect(line).not.toContain("Pass-1");
		}
		expect(output.logs).toContain(
			'debug Password rejected for "\\xff\\xfe\\x0a": user name has a NUL byte or is not UTF-8',
		);
	});

	test("the host's /etc was not touched", () => {
		expect(readFileSync("/etc/passwd", "utf8")).toBe(hostPasswdBefore);
		expect(shadowDigest()).toBe(hostShadowBefore);
		expect(spawnSync(["getent", "passwd", "rpcapt_alice"]).exitCode).toBe(2);
	});
});
