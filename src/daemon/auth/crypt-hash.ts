// Classifies crypt(3) hashes from passwd/shadow (usable, locked, unusable) and derives settings for the timing dummy.

export type StoredHash =
	| { readonly kind: "usable"; readonly hash: string }
	/** "!" prefixed (passwd -l / usermod -L); `inner` is the hash underneath, when there is one. */
	| { readonly kind: "locked"; readonly inner: string | null }
	/** Empty (no password), "*" / "*LK*" / "*NP*", or the "x" placeholder when the shadow entry is unreadable. */
	| { readonly kind: "unusable" };

/** Characters of crypt hashes of every method libxcrypt knows (salts, parameters and the base64 result). */
const CRYPT_CHARACTERS = /^[A-Za-z0-9./$=,+_-]+$/;

/** The account's stored hash: the shadow entry wins over pw_passwd, as in the reference (rpcap-protocol.md §4.2). */
export function classifyStoredHash(hash: string): StoredHash {
	if (hash.startsWith("!")) {
		const inner = hash.replace(/^!+/, "");
		return { kind: "locked", inner: classifyStoredHash(inner).kind === "usable" ? inner : null };
	}
	if (hash === "" || hash === "x" || hash.startsWith("*") || !CRYPT_CHARACTERS.test(hash)) {
		return { kind: "unusable" };
	}
	return { kind: "usable", hash };
}

/**
 * crypt(3) failed: NULL, or libxcrypt's failure tokens "*0"/"*1" (a valid hash never starts with "*", and
 * a token could otherwise equal a stored "*0" and let anyone in, CVE-2019-15162/15163).
 */
export function isCryptFailure(result: string | null): boolean {
	return result === null || result === "" || result.startsWith("*");
}

/**
 * The setting part of a usable hash (method, parameters and salt, without the result), so the dummy run for an
 * unknown user costs what the real accounts cost; null for formats we do not take apart (DES and the like).
 */
export function settingOf(hash: string): string | null {
	// bcrypt: "$2b$" + 2-digit cost + "$" + 22 salt characters, then the result with no "$" before it.
	if (/^\$2[abxy]\$\d\d\$/.test(hash)) return hash.length >= 29 ? hash.slice(0, 29) : null;
	// "$id$[params$]salt$result": at least method, salt and result.
	if (!hash.startsWith("$") || hash.split("$").length < 4) return null;
	return hash.slice(0, hash.lastIndexOf("$"));
}

/** sha512crypt with the default 5000 rounds: the dummy setting when libxcrypt cannot name its default. */
export const FALLBACK_DUMMY_SETTING = "$6$rpcapdTimingPad";
