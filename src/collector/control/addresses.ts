// Address helpers for sockets the collector holds: IPv4-mapped normalisation and the descriptor behind a socket.

import type { Socket } from "node:net";

const MAPPED_PREFIX = "::ffff:";

/** Lower-cases and unmaps "::ffff:a.b.c.d", so a sensor compares equal whichever family its socket has. */
export function normalizeAddress(address: string): string {
	const lower = address.toLowerCase();
	return lower.startsWith(MAPPED_PREFIX) && lower.includes(".") ? lower.slice(MAPPED_PREFIX.length) : lower;
}

/** "host:port", with brackets around IPv6 hosts. */
export function formatHostPort(host: string, port: number): string {
	return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The OS descriptor behind a node:net (or TLS) socket in Bun, or null (for socket options). */
export function socketFd(socket: Socket): number | null {
	const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
	return typeof fd === "number" && fd >= 0 ? fd : null;
}
