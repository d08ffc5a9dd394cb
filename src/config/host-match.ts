// Pure matchers: a peer address against the allow list (A.2, L4) and interface preselection (§11).

import { type AllowEntry, parseAllowEntry, parsePrefixedAddress } from "./host-syntax.ts";
import type { IfaddrSelector } from "./ifaddr.ts";
import { type IpAddress, parseIpAddress, prefixMatches, unmapIpv4 } from "./ip-address.ts";

/** The forms a peer address is compared in: as given, and as IPv4 when it is IPv4-mapped (bad-inputs.md L4). */
function addressForms(address: IpAddress): IpAddress[] {
	const unmapped = unmapIpv4(address);
	return unmapped === address ? [address] : [address, unmapped];
}

/** An IPv4-mapped network (`::ffff:10.0.0.0/104`) is also the IPv4 network 10.0.0.0/8. */
function networkForms(address: IpAddress, prefix: number): Array<{ address: IpAddress; prefix: number }> {
	const forms = [{ address, prefix }];
	const unmapped = unmapIpv4(address);
	if (unmapped !== address && prefix >= 96) forms.push({ address: unmapped, prefix: prefix - 96 });
	return forms;
}

function matchesNetwork(peer: IpAddress, network: IpAddress, prefix: number): boolean {
	const peers = addressForms(peer);
	return networkForms(network, prefix).some((form) =>
		peers.some((candidate) => prefixMatches(candidate, form.address, form.prefix)),
	);
}

function matchesAddress(peer: IpAddress, address: IpAddress): boolean {
	return matchesNetwork(peer, address, address.family === 4 ? 32 : 128);
}

/**
 * Does the peer match one allow-list entry? Names match through `resolvedAddresses` (resolution is the daemon's
 * job); ports and zones are ignored; IPv4-mapped IPv6 and IPv4 spellings of an address are equal.
 */
export function peerMatchesAllowEntry(
	peerAddress: string,
	entry: AllowEntry,
	resolvedAddresses: readonly string[] = [],
): boolean {
	const peer = parseIpAddress(peerAddress);
	if (!peer) return false;
	switch (entry.kind) {
		case "address":
			return matchesAddress(peer, entry.address);
		case "network":
			return matchesNetwork(peer, entry.address, entry.prefix);
		case "name":
			return resolvedAddresses.some((text) => {
				const address = parseIpAddress(text);
				return address !== undefined && matchesAddress(peer, address);
			});
	}
}

export type AllowDecision =
	| { readonly allowed: true }
	/** `unresolved`: names that did not resolve, for the resolver text of ERROR 10 (rpcap-protocol.md A.2). */
	| { readonly allowed: false; readonly unresolved: readonly string[] };

/**
 * The passive allow-list check: an empty list allows everyone; a match wins even if other names failed to
 * resolve. `resolve` returns a name's addresses, or undefined when the name did not resolve.
 */
export function checkAllowList(
	peerAddress: string,
	entries: readonly (string | AllowEntry)[],
	resolve: (name: string) => readonly string[] | undefined,
): AllowDecision {
	if (entries.length === 0) return { allowed: true };
	const unresolved: string[] = [];
	for (const item of entries) {
		const entry = typeof item === "string" ? parseAllowEntry(item) : item;
		let resolved: readonly string[] | undefined = [];
		if (entry.kind === "name") {
			resolved = resolve(entry.text);
			if (resolved === undefined) {
				unresolved.push(entry.text);
				continue;
			}
		}
		if (peerMatchesAllowEntry(peerAddress, entry, resolved)) return { allowed: true };
	}
	return { allowed: false, unresolved };
}

/** An interface as pcap_findalldevs lists it: its name and its addresses in text form. */
export interface InterfaceAddresses {
	readonly name: string;
	readonly addresses: readonly string[];
}

/** Preselection selectors; at least one is given (no selector means no preselection, not "first interface"). */
export type InterfaceSelectors =
	| { readonly ifname: string; readonly ifaddr?: IfaddrSelector }
	| { readonly ifname?: string; readonly ifaddr: IfaddrSelector };

/**
 * §11.1: `ifname` is an exact, case-sensitive name; `ifaddr` matches if any address of the same family has the
 * same bits under the prefix (host bits of the selector ignored, /0 matches any address of that family).
 * Both given: both must match this interface. Throws ConfigValueError for an invalid ifaddr.
 */
export function interfaceMatches(iface: InterfaceAddresses, selectors: InterfaceSelectors): boolean {
	if (selectors.ifname !== undefined && iface.name !== selectors.ifname) return false;
	if (selectors.ifaddr === undefined) return true;
	const { address: network, prefix } = parsePrefixedAddress(
		`${selectors.ifaddr.address}/${selectors.ifaddr.prefix}`,
		"ifaddr",
	);
	return iface.addresses.some((text) => {
		const address = parseIpAddress(text);
		return address !== undefined && prefixMatches(address, network, prefix);
	});
}

/** The first interface, in pcap_findalldevs order, that every given selector matches. */
export function selectInterface<T extends InterfaceAddresses>(
	interfaces: readonly T[],
	selectors: InterfaceSelectors,
): T | undefined {
	return interfaces.find((iface) => interfaceMatches(iface, selectors));
}

/**
 * The selectors of an active target: its own `ifname`/`ifaddr`, with the global default interface (the fork's
 * `-i`) copied in when the target has no `ifname` (§11.1, §11.2). Undefined means no preselection.
 */
export function selectorsForTarget(
	target: { readonly ifname?: string; readonly ifaddr?: IfaddrSelector },
	defaultInterface?: string,
): InterfaceSelectors | undefined {
	const ifname = target.ifname ?? defaultInterface;
	if (ifname !== undefined) return target.ifaddr ? { ifname, ifaddr: target.ifaddr } : { ifname };
	return target.ifaddr ? { ifaddr: target.ifaddr } : undefined;
}
