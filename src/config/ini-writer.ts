// Writes rpcapd.ini in the canonical form of extrahop-udpstr.md §10.4 (readable by both reference dialects).

import { ConfigValueError } from "./config-error.ts";
import { parseAllowEntry, parseHostText } from "./host-syntax.ts";
import { formatIfaddr, parseIfaddr } from "./ifaddr.ts";
import type { IniConfig } from "./ini-config.ts";
import type { ActiveTarget, EffectiveConfig } from "./schema.ts";

/** What the writer needs: an IniConfig whose entries may come from anywhere (their `source` is not written). */
export interface IniWriteInput extends Omit<IniConfig, "activeClients"> {
	readonly activeClients: readonly Omit<ActiveTarget, "source">[];
}

const VALUE_BREAKERS = /[\s,;]/;

/** Renders the file. Throws ConfigValueError for a value the grammar cannot carry (e.g. an ifname with a space). */
export function writeIni(config: IniWriteInput): string {
	const lines = [
		"# rpcapd configuration, read by rpcapd -f (libpcap and ExtraHop dialects)",
		"",
		"# Hosts allowed to connect in passive mode",
		"# Format: PassiveClient = <name, address or address/prefix>",
		...config.passiveClients.map((entry) => `PassiveClient = ${parseAllowEntry(entry).text}`),
		"",
		"# Collectors this server connects to (active mode)",
		"# Format: ActiveClient = <name or address>, <port>[, ifname=<name>][, ifaddr=<address>/<prefix>][, udpstr=on|off]",
		...config.activeClients.map(formatActiveClient),
	];
	if (config.nullAuthPermit !== undefined) {
		lines.push(
			"",
			"# Permit NULL authentication: YES or NO",
			`NullAuthPermit = ${config.nullAuthPermit ? "YES" : "NO"}`,
		);
	}
	if (config.udpstr !== undefined || config.udpstrSize !== undefined) {
		lines.push(
			"",
			"# udpstr data framing (rpcapd extension; other rpcapd versions ignore or log these lines)",
		);
		if (config.udpstr !== undefined) lines.push(`Udpstr = ${config.udpstr}`);
		if (config.udpstrSize !== undefined) lines.push(`UdpstrSize = ${config.udpstrSize}`);
	}
	return `${lines.join("\n")}\n`;
}

function formatActiveClient(entry: Omit<ActiveTarget, "source">): string {
	const host = parseHostText(entry.host, "ActiveClient host");
	if (!Number.isInteger(entry.port) || entry.port < 1 || entry.port > 65535) {
		throw new ConfigValueError(`ActiveClient port ${entry.port} is out of range 1..65535`);
	}
	const parts = [`ActiveClient = ${host}`, String(entry.port)];
	if (entry.ifname !== undefined) {
		if (entry.ifname === "" || VALUE_BREAKERS.test(entry.ifname)) {
			throw new ConfigValueError(
				`Cannot write ifname '${entry.ifname}': it is empty or contains a separator`,
			);
		}
		parts.push(`ifname=${entry.ifname}`);
	}
	if (entry.ifaddr !== undefined) {
		const ifaddr = formatIfaddr(entry.ifaddr);
		parseIfaddr(ifaddr);
		parts.push(`ifaddr=${ifaddr}`);
	}
	if (entry.udpstr !== undefined) parts.push(`udpstr=${entry.udpstr}`);
	return parts.join(", ");
}

/**
 * The file content that `-s` saves for an effective configuration: targets, allow list and NULL-auth setting,
 * plus our udpstr keys only when they differ from the defaults.
 */
export function iniFromEffectiveConfig(config: EffectiveConfig): IniWriteInput {
	return {
		activeClients: config.active.targets.map(({ source: _source, ...target }) => target),
		passiveClients: config.allowHosts,
		nullAuthPermit: config.nullAuth,
		...(config.udpstr.mode === "auto" ? {} : { udpstr: config.udpstr.mode }),
		...(config.udpstr.size === undefined ? {} : { udpstrSize: config.udpstr.size }),
	};
}
