// Keeps the daemon's own control and data traffic out of every capture: a filter expression of this session's sockets, ANDed in front of the client's program.

import type { CaptureBackend } from "../capture/source.ts";
import {
	andPrograms,
	type BpfProgram,
	bpfProgramFromHostBytes,
	bpfProgramToHostBytes,
} from "../protocol/index.ts";
import { normalizeIp } from "./data/ip-endpoint.ts";
import type { SocketEndpoint } from "./data/sender.ts";

export interface OwnFlow {
	protocol: "tcp" | "udp";
	local: SocketEndpoint;
	/** The peer's port may be unknown (a client-opens listener before accept): then only its host is matched. */
	remote: { address: string; port: number | null };
}

/** `not (...)` over every flow, in pcap filter syntax; an empty list gives null (nothing to exclude). */
export function exclusionExpression(flows: readonly OwnFlow[]): string | null {
	if (flows.length === 0) return null;
	const terms = flows.map((f) => {
		const parts = [
			f.protocol,
			`host ${normalizeIp(f.local.address)}`,
			`host ${normalizeIp(f.remote.address)}`,
		];
		parts.push(`port ${f.local.port}`);
		if (f.remote.port !== null) parts.push(`port ${f.remote.port}`);
		return `(${parts.join(" and ")})`;
	});
	return `not (${terms.join(" or ")})`;
}

/**
 * The host-order program to install: the client's program, preceded by the exclusion of `flows` when there is
 * one. Compiles against the capture's link type; throws CaptureError when libpcap cannot compile it.
 */
export function composeCaptureFilter(
	backend: CaptureBackend,
	linktype: number,
	snaplen: number,
	clientProgram: BpfProgram,
	flows: readonly OwnFlow[],
): Uint8Array {
	const expression = exclusionExpression(flows);
	if (expression === null) return bpfProgramToHostBytes(clientProgram);
	const exclusion = bpfProgramFromHostBytes(backend.compile(linktype, snaplen, expression));
	return bpfProgramToHostBytes(andPrograms(exclusion, clientProgram));
}
