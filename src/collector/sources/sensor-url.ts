// --connect rpcap[s]://HOST[:PORT]/IFACE: a passive sensor to dial.

import { formatHostPort } from "../control/addresses.ts";
import { CollectorOptionError } from "../errors.ts";

/** libpcap's default passive control port (rpcap-protocol.md §0). */
export const DEFAULT_PASSIVE_PORT = 2002;

export interface SensorTarget {
	/** The URL as given. */
	url: string;
	/** rpcaps:// */
	secure: boolean;
	host: string;
	port: number;
	/** The interface named in the URL, or null when the URL ends at the host. */
	iface: string | null;
	/** The sensor's display name: the host, with the port when it is not 2002. */
	name: string;
}

const URL_PATTERN = /^(rpcaps?):\/\/(\[[^\]]+\]|[^/:[\]]+)(?::(\d+))?(?:\/(.*))?$/;

export function parseSensorUrl(url: string): SensorTarget {
	const match = URL_PATTERN.exec(url);
	if (match === null) {
		throw new CollectorOptionError(
			`Invalid sensor URL "${url}": expected rpcap://HOST[:PORT]/IFACE or rpcaps://…`,
		);
	}
	const [, scheme, rawHost, rawPort, rawIface] = match;
	const host = rawHost!.startsWith("[") ? rawHost!.slice(1, -1) : rawHost!;
	const port = rawPort === undefined ? DEFAULT_PASSIVE_PORT : Number(rawPort);
	if (!Number.isInteger(port) || port < 1 || port > 65535) {
		throw new CollectorOptionError(`Invalid port in sensor URL "${url}": ${rawPort}`);
	}
	const iface = rawIface === undefined || rawIface === "" ? null : decodeURIComponent(rawIface);
	const name = port === DEFAULT_PASSIVE_PORT ? host : formatHostPort(host, port);
	return { url, secure: scheme === "rpcaps", host, port, iface, name };
}
