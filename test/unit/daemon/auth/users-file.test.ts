import { describe, expect, test } from "bun:test";
import {
	argon2idParameters,
	parseUsersFile,
	UsersFileError,
	usernameProblem,
} from "../../../../src/daemon/auth/users-file.ts";

const HASH_A =
	"$argon2id$v=19$m=65536,t=2,p=1$6Za1ny1b/ULPskIfI/xBWrtB4NVaVQ/4t2nNdsEeplM$GHLJ0y0iNRaNs06ZEeU1TL9qLiKYQVluFpyWvol+Ir0";
const HASH_B = "$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0c2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXo";

function errorOf(content: string | Uint8Array): UsersFileError {
	try {
		parseUsersFile(content, "/etc/rpcapd/users");
	} catch (error) {
		if (error instanceof UsersFileError) return error;
		throw error;
	}
	throw new Error("expected a UsersFileError");
}

describe("parseUsersFile", () => {
	test("reads entries with their line numbers, skipping comments and blank lines", () => {
		const text = `# rpcapd users\n\nalice:${HASH_A}\n   # indented comment\n\t\nbob:${HASH_B}  \n`;
		expect(parseUsersFile(text, "f")).toEqual([
			{ username: "alice", hash: HASH_A, line: 3 },
			{ username: "bob", hash: HASH_B, line: 6 },
		]);
	});

	test("accepts CRLF line endings, a BOM, no final newline and non-ASCII names", () => {
		const text = `\uFEFFalice:${HASH_A}\r\nJosé:${HASH_B}`;
		expect(parseUsersFile(text, "f").map((e) => e.username)).toEqual(["alice", "José"]);
		const bytes = new TextEncoder().encode(`\uFEFFalice:${HASH_A}\n`);
		expect(parseUsersFile(bytes, "f")[0]!.username).toBe("alice");
	});

	test("an empty file has no users", () => {
		expect(parseUsersFile("", "f")).toEqual([]);
		expect(parseUsersFile("# only a comment\n", "f")).toEqual([]);
	});

	test("errors read file:line: message", () => {
		const error = errorOf(`# header\nalice ${HASH_A}\n`);
		expect(error.message).toBe("/etc/rpcapd/users:2: Expected username:hash, found no ':'");
		expect(error.file).toBe("/etc/rpcapd/users");
		expect(error.line).toBe(2);
	});

	test("each kind of bad line is located", () => {
		expect(errorOf(`:${HASH_A}`).message).toBe('/etc/rpcapd/users:1: Invalid username "": it is empty');
		expect(errorOf(`\n a:${HASH_A}`).message).toBe(
			'/etc/rpcapd/users:2: Invalid username " a": it starts or ends with white space',
		);
		expect(errorOf(`a\u0007b:${HASH_A}`).message).toBe(
			'/etc/rpcapd/users:1: Invalid username "a\\x07b": it contains a control character',
		);
		expect(errorOf("alice:$2b$10$abcdefghijklmnopqrstuu5Lo0g67CiD3M4RpN1BmBb4Crp5w7dbK").message).toBe(
			'/etc/rpcapd/users:1: Password hash of "alice" is not an argon2id hash ($argon2id$v=19$...); set it with rpcapd passwd',
		);
		expect(errorOf("alice:").line).toBe(1);
		expect(errorOf(`alice:${HASH_A}\nbob:${HASH_B}\nalice:${HASH_B}\n`).message).toBe(
			'/etc/rpcapd/users:3: Duplicate user "alice" (first defined on line 1)',
		);
	});

	test("invalid UTF-8 is reported on its line", () => {
		const head = new TextEncoder().encode(`# ok\nalice:${HASH_A}\n`);
		const bytes = new Uint8Array([...head, 0x62, 0xff, 0x3a, 0x0a]);
		expect(errorOf(bytes).message).toBe("/etc/rpcapd/users:3: Line is not valid UTF-8");
	});
});

describe("usernameProblem", () => {
	test("accepts ordinary names", () => {
		for (const name of ["alice", "svc-capture", "user@example.org", "José", "a b"]) {
			expect(usernameProblem(name)).toBeNull();
		}
	});
	test("refuses names the file could not hold or that would break a log line", () => {
		expect(usernameProblem("")).toBe("it is empty");
		expect(usernameProblem("a:b")).toBe("it contains ':'");
		expect(usernameProblem("#root")).toBe("it starts with '#'");
		expect(usernameProblem("a\nb")).toBe("it contains a control character");
		expect(usernameProblem("a\u0085b")).toBe("it contains a control character");
		expect(usernameProblem("a\u2028b")).toBe("it contains a control character");
		expect(usernameProblem("alice ")).toBe("it starts or ends with white space");
		expect(usernameProblem("a\ud800")).toBe("it is not valid Unicode");
	});
});

describe("argon2idParameters", () => {
	test("reads m, t and p", () => {
		expect(argon2idParameters(HASH_A)).toEqual({ memoryCost: 65536, timeCost: 2, parallelism: 1 });
		expect(argon2idParameters(HASH_B)).toEqual({ memoryCost: 4096, timeCost: 3, parallelism: 1 });
	});
	test("anything else is null", () => {
		expect(argon2idParameters(HASH_A.replace("argon2id", "argon2i"))).toBeNull();
		expect(argon2idParameters("$argon2id$garbage")).toBeNull();
		expect(argon2idParameters(`${HASH_A}:extra`)).toBeNull();
	});
});
