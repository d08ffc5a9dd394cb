// The content of one rpcapd.ini file, as the parser returns it and the writer takes it.

import type { ConfigWarning } from "./config-error.ts";
import type { ActiveTarget, UdpstrMode } from "./schema.ts";

/** An ActiveClient entry in a file: always one interface name at most (repeated `ifname=` is expanded). */
export type IniActiveClient = ActiveTarget & {
	readonly source: { readonly file: string; readonly line: number };
};

export interface IniConfig {
	/** ActiveClient entries in file order, one per (expanded) entry. */
	readonly activeClients: readonly IniActiveClient[];
	/** PassiveClient entries (names, addresses, CIDR networks) in file order, canonical spelling. */
	readonly passiveClients: readonly string[];
	/** Absent when the file has no NullAuthPermit line (the command line then decides). */
	readonly nullAuthPermit?: boolean;
	readonly udpstr?: UdpstrMode;
	readonly udpstrSize?: number;
}

export interface IniParseResult {
	readonly config: IniConfig;
	readonly warnings: readonly ConfigWarning[];
}
