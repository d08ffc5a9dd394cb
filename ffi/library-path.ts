// Finds the capture library per OS (libpcap on Linux/macOS, Npcap's wpcap.dll on Windows) and names the package to install when it is missing.

export type Platform = "linux" | "win32" | "darwin";

export class LibraryNotFoundError extends Error {
	override readonly name = "LibraryNotFoundError";
	constructor(
		readonly library: string,
		readonly tried: readonly string[],
		readonly hint: string,
	) {
		super(`Cannot load ${library} (tried ${tried.join(", ")}): ${hint}`);
	}
}

export interface LibraryCandidates {
	readonly library: string;
	readonly candidates: readonly string[];
	readonly hint: string;
}

/** Candidate paths in the order they are tried. Windows loads Npcap by full path so a stray wpcap.dll on PATH is never picked. */
export function libpcapCandidates(
	platform: Platform,
	env: Record<string, string | undefined>,
): LibraryCandidates {
	if (platform === "win32") {
		const systemRoot = env.SystemRoot ?? env.SYSTEMROOT ?? "C:\\Windows";
		return {
			library: "Npcap (wpcap.dll)",
			candidates: [`${systemRoot}\\System32\\Npcap\\wpcap.dll`],
			hint: "install Npcap from https://npcap.com (WinPcap API-compatible mode is not needed)",
		};
	}
	if (platform === "darwin") {
		return {
			library: "libpcap",
			candidates: ["libpcap.A.dylib", "/usr/lib/libpcap.A.dylib"],
			hint: "libpcap ships with macOS; reinstall the Command Line Tools",
		};
	}
	return {
		library: "libpcap",
		candidates: ["libpcap.so.1", "libpcap.so.0.8"],
		hint: "install the libpcap0.8 package (Debian/Ubuntu: apt-get install libpcap0.8; Fedora/RHEL: dnf install libpcap)",
	};
}

/** Tries each candidate with the given opener; the first that loads wins. */
export function openFirst<T>(candidates: LibraryCandidates, open: (path: string) => T): T {
	for (const path of candidates.candidates) {
		try {
			return open(path);
		} catch {
			// try the next candidate; the combined error below names all of them
		}
	}
	throw new LibraryNotFoundError(candidates.library, candidates.candidates, candidates.hint);
}

/** The native address of a bound bun:ffi symbol (present at run time, missing from the type declarations). */
export function symbolAddress(fn: unknown): number {
	const address = (fn as { ptr?: unknown }).ptr;
	if (typeof address !== "number" || address === 0) throw new Error("Bound symbol has no native address");
	return address;
}
