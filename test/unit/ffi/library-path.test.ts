import { describe, expect, test } from "bun:test";
import { LibraryNotFoundError, libpcapCandidates, openFirst } from "../../../ffi/library-path.ts";

describe("libpcapCandidates", () => {
	test("Linux tries libpcap.so.1 then libpcap.so.0.8", () => {
		expect(libpcapCandidates("linux", {}).candidates).toEqual(["libpcap.so.1", "libpcap.so.0.8"]);
	});
	test("Windows loads Npcap by full path under SystemRoot", () => {
		expect(libpcapCandidates("win32", { SystemRoot: "D:\\Win" }).candidates).toEqual([
			"D:\\Win\\System32\\Npcap\\wpcap.dll",
		]);
		expect(libpcapCandidates("win32", {}).candidates).toEqual(["C:\\Windows\\System32\\Npcap\\wpcap.dll"]);
	});
	test("macOS uses libpcap.A.dylib", () => {
		expect(libpcapCandidates("darwin", {}).candidates[0]).toBe("libpcap.A.dylib");
	});
});

describe("openFirst", () => {
	test("returns the first candidate that opens", () => {
		const tried: string[] = [];
		const result = openFirst(libpcapCandidates("linux", {}), (path) => {
			tried.push(path);
			if (path === "libpcap.so.1") throw new Error("not found");
			return path;
		});
		expect(result).toBe("libpcap.so.0.8");
		expect(tried).toEqual(["libpcap.so.1", "libpcap.so.0.8"]);
	});
	test("fails with one line naming the package to install", () => {
		const attempt = () =>
			openFirst(libpcapCandidates("linux", {}), () => {
				throw new Error("nope");
			});
		expect(attempt).toThrow(LibraryNotFoundError);
		try {
			attempt();
		} catch (error) {
			const message = (error as Error).message;
			expect(message).not.toContain("\n");
			expect(message).toContain("libpcap0.8");
			expect(message).toContain("libpcap.so.1, libpcap.so.0.8");
		}
	});
	test("Windows message names Npcap", () => {
		expect(() =>
			openFirst(libpcapCandidates("win32", {}), () => {
				throw new Error("nope");
			}),
		).toThrow(/Npcap/);
	});
});
