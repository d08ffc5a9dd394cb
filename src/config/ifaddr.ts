// The `ifaddr=<ip>[/<prefix>]` preselection selector, shared by rpcapd.ini and the command line (§11.1).

import { parsePrefixedAddress } from "./host-syntax.ts";

/** An interface-address selector: the numeric address as written and the prefix length (default /32, /128). */
export interface IfaddrSelector {
	readonly address: string;
	readonly prefix: number;
}

/** Parses `ip[/prefix]`; throws ConfigValueError, e.g. "ifaddr prefix 33 is out of range 0..32". */
export function parseIfaddr(text: string): IfaddrSelector {
	const parsed = parsePrefixedAddress(text, "ifaddr");
	return { address: parsed.addressText, prefix: parsed.prefix };
}

/** The canonical `address/prefix` spelling, as the writer emits it. */
export function formatIfaddr(selector: IfaddrSelector): string {
	return `${selector.address}/${selector.prefix}`;
}
