// Pure parsers for command-line flag values (-a, --active, -l, --udpstr, --udpstr-size, ports).

import { ConfigValueError } from "./config-error.ts";
import { DEFAULT_ACTIVE_PORT, UDPSTR_SIZE_MAX, UDPSTR_SIZE_MIN } from "./defaults.ts";
import { parseAllowEntry, parseHostText, parsePort } from "./host-syntax.ts";
import { parseIpv6 } from "./ip-address.ts";
import type { ActiveTarget, UdpstrMode } from "./schema.ts";

/** The separators of libpcap's `-a` and `-l` lists (`RPCAP_HOSTLIST_SEP`). */
const LIST_SEPARATORS = /[ ,;\n\r]+/;

function splitList(value: string): string[] {
	return value.split(LIST_SEPARATORS).filter((item) => item !== "");
}

/**
 * `-a host,port[,host,port…]` as libpcap spells it (rpcap-protocol.md Appendix A.1): a missing last port or
 * `DEFAULT` means 2003. No limit on the number of targets.
 */
export function parseActiveTargetsFlag(value: string): ActiveTarget[] {
	const items = splitList(value);
	if (items.length === 0) throw new ConfigValueError("Active target list is empty");
	const targets: ActiveTarget[] = [];
	for (let index = 0; index < items.length; index += 2) {
		const host = parseHostText(items[index]!, "Active target host");
		const portText = items[index + 1];
		const port =
			portText === undefined ? DEFAULT_ACTIVE_PORT : parsePort(portText, "Active target port", true);
		targets.push({ host, port, source: "cli" });
	}
	return targets;
}

/** `--active HOST[:PORT]`: IPv6 literals in brackets (`[::1]:2003`, `[fe80::1%eth0]`); the port defaults to 2003. */
export function parseActiveTargetOption(value: string): ActiveTarget {
	let host: string;
	let portText: string | undefined;
	if (value.startsWith("[")) {
		const close = value.indexOf("]");
		if (close < 0) throw new ConfigValueError(`Active target '${value}' has no closing ']'`);
		host = value.slice(1, close);
		if (!parseIpv6(host))
			throw new ConfigValueError(`Active target '${value}' has no IPv6 address in brackets`);
		const rest = value.slice(close + 1);
		if (rest !== "" && !rest.startsWith(":")) {
			throw new ConfigValueError(`Active target '${value}' has unexpected text after ']'`);
		}
		portText = rest === "" ? undefined : rest.slice(1);
	} else {
		const colons = value.split(":").length - 1;
		if (colons > 1) {
			throw new ConfigValueError(
				`IPv6 address '${value}' must be in brackets, e.g. [${value}]:${DEFAULT_ACTIVE_PORT}`,
			);
		}
		const colon = value.indexOf(":");
		host = parseHostText(colon < 0 ? value : value.slice(0, colon), "Active target host");
		portText = colon < 0 ? undefined : value.slice(colon + 1);
	}
	if (portText === "") throw new ConfigValueError(`Active target '${value}' has an empty port`);
	const port = portText === undefined ? DEFAULT_ACTIVE_PORT : parsePort(portText, "Active target port", true);
	return { host, port, source: "cli" };
}

/** `-l` host list: names, addresses and CIDR networks separated by `" ,;\n\r"`; canonical spellings returned. */
export function parseHostListFlag(value: string): string[] {
	return splitList(value).map((item) => parseAllowEntry(item).text);
}

/** `--udpstr-size` (and `UdpstrSize`, `-t` under `--compat=extrahop`): 64–65000 (bad-inputs.md K10, N17). */
export function parseUdpstrSize(value: string | number): number {
	const text = String(value).trim();
	if (!/^[+-]?[0-9]+$/.test(text)) throw new ConfigValueError(`udpstr size '${value}' is not a number`);
	const size = Number(text);
	if (size < UDPSTR_SIZE_MIN || size > UDPSTR_SIZE_MAX) {
		throw new ConfigValueError(`udpstr size must be between ${UDPSTR_SIZE_MIN} and ${UDPSTR_SIZE_MAX}`);
	}
	return size;
}

/** `--udpstr=auto|on|off` (extrahop-udpstr.md §8.2). */
export function parseUdpstrMode(value: string): UdpstrMode {
	if (value === "auto" || value === "on" || value === "off") return value;
	throw new ConfigValueError(`udpstr mode must be auto, on or off, not '${value}'`);
}

/** A TCP/UDP port flag value (`-p`, `--data-port`); `what` names it in the message, e.g. "Passive port". */
export function parsePortFlag(value: string, what: string): number {
	return parsePort(value, what, false);
}
