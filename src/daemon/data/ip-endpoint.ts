// Address helpers for data channels: IPv4-mapped IPv6 normalisation, family, and a socket's endpoints.

import type { Socket } from "node:net";
import type { SocketEndpoint } from "./sender.ts";

const MAPPED_PREFIX = "::ffff:";

/** Lower-cases and unmaps "::ffff:a.b.c.d" to "a.b.c.d" so one peer compares equal across families (§13.5). */
export function normalizeIp(address: string): string {
	const lower = address.toLowerCase();
	if (lower.startsWith(MAPPED_PREFIX) && lower.includes(".")) return lower.slice(MAPPED_PREFIX.length);
	return lower;
}

export function ipFamily(address: string): 4 | 6 {
	return normalizeIp(address).includes(":") ? 6 : 4;
}

export function localEndpointOf(socket: Socket): SocketEndpoint {
	return { address: normalizeIp(socket.localAddress ?? ""), port: socket.localPort ?? 0 };
}

export function remoteEndpointOf(socket: Socket): SocketEndpoint {
	return { address: normalizeIp(socket.remoteAddress ?? ""), port: socket.remotePort ?? 0 };
}

/** The OS descriptor behind a node:net (or TLS) socket in Bun, or null when it has none. */
export function socketFd(socket: Socket): number | null {
	const handle = (socket as unknown as { _handle?: { fd?: unknown } })._handle;
	const fd = handle?.fd;
	return typeof fd === "number" && fd >= 0 ? fd : null;
}
