import { describe, expect, test } from "bun:test";
import { parseUsersFile, UsersFileError } from "../../../../src/daemon/auth/users-file.ts";
import {
	assertValidUsername,
	editUsersFile,
	USERS_FILE_HEADER,
	UsersFileEditError,
} from "../../../../src/daemon/auth/users-file-edit.ts";

const H1 =
	"$argon2id$v=19$m=65536,t=2,p=1$6Za1ny1b/ULPskIfI/xBWrtB4NVaVQ/4t2nNdsEeplM$GHLJ0y0iNRaNs06ZEeU1TL9qLiKYQVluFpyWvol+Ir0";
const H2 = "$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0c2FsdA$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXo";

const EXISTING = `# our users\n\nalice:${H1}\n# bob is the capture robot\nbob:${H1}\n`;

describe("editUsersFile", () => {
	test("a new file gets the header comment and the user", () => {
		const edit = editUsersFile(null, { kind: "set", username: "alice", hash: H1 }, "u");
		expect(edit.outcome).toBe("added");
		expect(edit.text).toBe(`${USERS_FILE_HEADER.join("\n")}\nalice:${H1}\n`);
		expect(parseUsersFile(edit.text, "u")).toEqual([{ username: "alice", hash: H1, line: 3 }]);
	});

	test("updating replaces only that user's line; comments, blanks and order stay", () => {
		const edit = editUsersFile(EXISTING, { kind: "set", username: "alice", hash: H2 }, "u");
		expect(edit.outcome).toBe("updated");
		expect(edit.text).toBe(`# our users\n\nalice:${H2}\n# bob is the capture robot\nbob:${H1}\n`);
	});

	test("a new user is appended, adding the missing final newline", () => {
		const edit = editUsersFile(`alice:${H1}`, { kind: "set", username: "carol", hash: H2 }, "u");
		expect(edit).toEqual({ outcome: "added", text: `alice:${H1}\ncarol:${H2}\n` });
	});

	test("CRLF files stay CRLF", () => {
		const edit = editUsersFile(`# c\r\nalice:${H1}\r\n`, { kind: "set", username: "bob", hash: H2 }, "u");
		expect(edit.text).toBe(`# c\r\nalice:${H1}\r\nbob:${H2}\r\n`);
	});

	test("delete removes exactly the user's line", () => {
		const edit = editUsersFile(EXISTING, { kind: "delete", username: "alice" }, "u");
		expect(edit).toEqual({
			outcome: "deleted",
			text: `# our users\n\n# bob is the capture robot\nbob:${H1}\n`,
		});
	});

	test("deleting a user who is not there fails", () => {
		expect(() => editUsersFile(EXISTING, { kind: "delete", username: "zed" }, "/etc/u")).toThrow(
			new UsersFileEditError('No user "zed" in /etc/u'),
		);
		expect(() => editUsersFile(null, { kind: "delete", username: "zed" }, "/etc/u")).toThrow(
			UsersFileEditError,
		);
	});

	test("user names with ':' or control characters are refused, escaped in the message", () => {
		expect(() => editUsersFile(EXISTING, { kind: "set", username: "a:b", hash: H1 }, "u")).toThrow(
			new UsersFileEditError(`Invalid username "a:b": it contains ':'`),
		);
		expect(() => editUsersFile(EXISTING, { kind: "set", username: "a\nb", hash: H1 }, "u")).toThrow(
			new UsersFileEditError(`Invalid username "a\\x0ab": it contains a control character`),
		);
		expect(() => assertValidUsername("#x")).toThrow(UsersFileEditError);
		expect(() => assertValidUsername("ok")).not.toThrow();
	});

	test("only argon2id hashes are written", () => {
		expect(() => editUsersFile(null, { kind: "set", username: "a", hash: "$6$salt$hash" }, "u")).toThrow(
			new UsersFileEditError("Refusing to write a password hash that is not argon2id"),
		);
	});

	test("a broken file is reported with its location, not rewritten", () => {
		expect(() =>
			editUsersFile(`alice:${H1}\nnonsense\n`, { kind: "delete", username: "alice" }, "u"),
		).toThrow(new UsersFileError("u", 2, "Expected username:hash, found no ':'"));
	});
});
