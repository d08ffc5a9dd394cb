// Interface preselection of an active entry (ifname=/ifaddr=), resolved against the interfaces present now.

import type { Device } from "../capture/source.ts";
import { formatIfaddr, type InterfaceSelectors, selectInterface } from "../config/index.ts";
import type { Preselection } from "./session-types.ts";

export function describeSelectors(selectors: InterfaceSelectors): string {
	const parts: string[] = [];
	if (selectors.ifname !== undefined) parts.push(selectors.ifname);
	if (selectors.ifaddr !== undefined) parts.push(`ifaddr=${formatIfaddr(selectors.ifaddr)}`);
	return parts.join(" ");
}

export function preselectionFor(selectors: InterfaceSelectors): Preselection {
	return {
		description: describeSelectors(selectors),
		resolve(devices: readonly Device[]): string | null {
			const candidates = devices.map((d) => ({
				name: d.name,
				addresses: d.addresses.flatMap((a) => (a.addr.family === "link" ? [] : [a.addr.address])),
			}));
			return selectInterface(candidates, selectors)?.name ?? null;
		},
	};
}

/** A fingerprint of the interface set, so "no match" is logged once until interfaces change. */
export function interfaceFingerprint(devices: readonly Device[]): string {
	return devices
		.map(
			(d) =>
				`${d.name}=${d.addresses.map((a) => (a.addr.family === "link" ? "" : a.addr.address)).join(",")}`,
		)
		.join(";");
}
