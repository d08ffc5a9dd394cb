// Syntax of host names, address literals, ports, `address/prefix` selectors and allow-list entries (pure).

import { ConfigValueError } from "./config-error.ts";
import { DEFAULT_ACTIVE_PORT } from "./defaults.ts";
import { type IpAddress, maxPrefix, parseIpAddress, parseIpv6 } from "./ip-address.ts";

const HOST_LABEL = /^[A-Za-z0-9_-]{1,63}$/;
const LOOKS_NUMERIC = /^[0-9.]+$/;

/** A DNS-style host name: dot-separated labels of letters, digits, `-` and `_`, at most 253 characters. */
export function isHostName(text: string): boolean {
	const name = text.endsWith(".") ? text.slice(0, -1) : text;
	if (name.length === 0 || name.length > 253 || LOOKS_NUMERIC.test(name)) return false;
	return name.split(".").every((label) => HOST_LABEL.test(label));
}

/**
 * A host as written in a config value or flag: a name, an IPv4 literal, or an IPv6 literal optionally in
 * brackets (brackets are removed from the result). `what` starts the error message, e.g. "ActiveClient host".
 */
export function parseHostText(text: string, what: string): string {
	if (text === "") throw new ConfigValueError(`${what} is empty`);
	if (text.startsWith("[")) {
		const close = text.indexOf("]");
		if (close === text.length - 1 && parseIpv6(text.slice(1, close))) return text.slice(1, close);
		if (close > 0 && text[close + 1] === ":") {
			throw new ConfigValueError(`${what} '${text}' is not valid; give the port as a separate value`);
		}
		throw new ConfigValueError(`${what} '${text}' is not an IPv6 address in brackets`);
	}
	if (parseIpAddress(text) || isHostName(text)) return text;
	if (LOOKS_NUMERIC.test(text)) throw new ConfigValueError(`${what} '${text}' is not a valid IPv4 address`);
	throw new ConfigValueError(`${what} '${text}' is not a valid host name or address`);
}

export interface PrefixedAddress {
	/** The address as written (without the prefix). */
	readonly addressText: string;
	readonly address: IpAddress;
	readonly prefix: number;
}

/**
 * `<numeric address>[/<prefix>]` with the prefix checked against the family (extrahop-udpstr.md §11.1): no
 * prefix means /32 or /128. `label` names the value in messages ("ifaddr"); error offsets point into `text`.
 */
export function parsePrefixedAddress(text: string, label: string): PrefixedAddress {
	const slash = text.indexOf("/");
	const addressText = slash < 0 ? text : text.slice(0, slash);
	const address = parseIpAddress(addressText);
	if (!address) {
		throw new ConfigValueError(`${label} '${addressText}' is not a numeric IPv4 or IPv6 address`);
	}
	const limit = maxPrefix(address.family);
	if (slash < 0) return { addressText, address, prefix: limit };
	const prefixText = text.slice(slash + 1);
	if (!/^[0-9]+$/.test(prefixText)) {
		throw new ConfigValueError(`${label} prefix '${prefixText}' is not a number`, slash + 1);
	}
	const prefix = Number(prefixText);
	if (prefix > limit) {
		throw new ConfigValueError(`${label} prefix ${prefixText} is out of range 0..${limit}`, slash + 1);
	}
	return { addressText, address, prefix };
}

/** One allow-list entry (`-l`, PassiveClient): an address, a CIDR network, or a name resolved by the daemon. */
export type AllowEntry =
	| { readonly kind: "address"; readonly text: string; readonly address: IpAddress }
	| { readonly kind: "network"; readonly text: string; readonly address: IpAddress; readonly prefix: number }
	| { readonly kind: "name"; readonly text: string };

/** Parses an allow-list entry; `text` of the result is the canonical spelling (brackets removed). */
export function parseAllowEntry(text: string): AllowEntry {
	if (text.includes("/")) {
		const network = parsePrefixedAddress(text, "Allowed host network");
		return {
			kind: "network",
			text: `${network.addressText}/${network.prefix}`,
			address: network.address,
			prefix: network.prefix,
		};
	}
	const host = parseHostText(text, "Allowed host");
	const address = parseIpAddress(host);
	return address ? { kind: "address", text: host, address } : { kind: "name", text: host };
}

/**
 * A port 1–65535; with `allowDefault`, the word `DEFAULT` means 2003 (the active-mode port of both references).
 * `what` starts the error message, e.g. "ActiveClient port".
 */
export function parsePort(text: string, what: string, allowDefault: boolean): number {
	if (allowDefault && text === "DEFAULT") return DEFAULT_ACTIVE_PORT;
	if (!/^[0-9]+$/.test(text)) {
		throw new ConfigValueError(
			`${what} '${text}' is not a number 1..65535${allowDefault ? " or DEFAULT" : ""}`,
		);
	}
	const port = Number(text);
	if (port < 1 || port > 65535) throw new ConfigValueError(`${what} ${text} is out of range 1..65535`);
	return port;
}
