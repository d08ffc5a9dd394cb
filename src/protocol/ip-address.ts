// IPv4/IPv6 text ⇄ bytes conversion (dotted quad, RFC 5952 canonical IPv6 text).

/** Parses "10.0.0.1" into 4 bytes; null when the text is not a dotted-quad IPv4 address. */
export function parseIpv4(text: string): Uint8Array | null {
	const parts = text.split(".");
	if (parts.length !== 4) return null;
	const bytes = new Uint8Array(4);
	for (let i = 0; i < 4; i++) {
		const part = parts[i]!;
		if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
		const value = Number(part);
		if (value > 255) return null;
		bytes[i] = value;
	}
	return bytes;
}

export function formatIpv4(bytes: Uint8Array, offset = 0): string {
	return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

function parseHexGroups(text: string, groups: number[]): boolean {
	if (text === "") return true;
	for (const part of text.split(":")) {
		if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return false;
		groups.push(Number.parseInt(part, 16));
	}
	return true;
}

/** Parses any textual IPv6 form ("fe80::1", "::ffff:10.0.0.1") into 16 bytes; null when invalid. No zone ("%eth0"). */
export function parseIpv6(text: string): Uint8Array | null {
	let body = text;
	const tail: number[] = [];
	const lastColon = body.lastIndexOf(":");
	if (lastColon >= 0 && body.indexOf(".", lastColon) > lastColon) {
		const ipv4 = parseIpv4(body.slice(lastColon + 1));
		if (ipv4 === null) return null;
		tail.push((ipv4[0]! << 8) | ipv4[1]!, (ipv4[2]! << 8) | ipv4[3]!);
		body = body.slice(0, lastColon + 1);
		// "::1.2.3.4" leaves "::"; "a:b::1.2.3.4" leaves "a:b::"; "a:…:g:1.2.3.4" leaves a trailing ":".
		if (body.endsWith(":") && !body.endsWith("::")) body = body.slice(0, -1);
	}
	const head: number[] = [];
	const after: number[] = [];
	const doubleColon = body.indexOf("::");
	if (doubleColon >= 0) {
		if (body.indexOf("::", doubleColon + 1) >= 0) return null;
		if (!parseHexGroups(body.slice(0, doubleColon), head)) return null;
		if (!parseHexGroups(body.slice(doubleColon + 2), after)) return null;
		if (head.length + after.length + tail.length > 7) return null;
	} else {
		if (!parseHexGroups(body, head)) return null;
		if (head.length + tail.length !== 8) return null;
	}
	const groups = [
		...head,
		...new Array<number>(8 - head.length - after.length - tail.length).fill(0),
		...after,
		...tail,
	];
	const bytes = new Uint8Array(16);
	groups.forEach((group, i) => {
		bytes[i * 2] = group >>> 8;
		bytes[i * 2 + 1] = group & 0xff;
	});
	return bytes;
}

/** RFC 5952 text: lowercase, longest run (≥ 2) of zero groups as "::", IPv4-mapped addresses as "::ffff:a.b.c.d". */
export function formatIpv6(bytes: Uint8Array, offset = 0): string {
	const groups: number[] = [];
	for (let i = 0; i < 8; i++) groups.push((bytes[offset + i * 2]! << 8) | bytes[offset + i * 2 + 1]!);
	if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
		return `::ffff:${formatIpv4(bytes, offset + 12)}`;
	}
	let bestStart = -1;
	let bestLength = 1;
	for (let i = 0; i < 8; ) {
		if (groups[i] !== 0) {
			i++;
			continue;
		}
		let j = i;
		while (j < 8 && groups[j] === 0) j++;
		if (j - i > bestLength) {
			bestStart = i;
			bestLength = j - i;
		}
		i = j;
	}
	const hex = groups.map((g) => g.toString(16));
	if (bestStart < 0) return hex.join(":");
	return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}
