// Typed failures of setting up a data channel; each carries ERROR 12 (PCAP_ERR_STARTCAPTURE) and a client-ready text.

import { RpcapError } from "../../protocol/errors.ts";
import { ErrorCode } from "../../protocol/header.ts";

export type DataChannelFailureReason =
	/** SERVEROPEN or DGRAM with portdata 0 (bad-inputs.md E12). */
	| "port-zero"
	/** A capture from the same peer already waits on the fixed data port (E21). */
	| "busy"
	/** The data listener could not be opened. */
	| "listen"
	/** Nobody (from the control peer's address) connected in time (E15). */
	| "accept-timeout"
	/** The server-side connect failed (E13). */
	| "connect"
	/** The server-side connect did not complete in time (E14). */
	| "connect-timeout"
	/** The data-channel TLS handshake failed or timed out (L7). */
	| "tls"
	/** The UDP socket could not be created or connected. */
	| "udp"
	/** The capture gave up on the channel before it was established. */
	| "cancelled";

export class DataChannelError extends RpcapError {
	override name = "DataChannelError";
	constructor(
		readonly reason: DataChannelFailureReason,
		message: string,
	) {
		super(ErrorCode.STARTCAPTURE, message);
	}
}

export const CLIENT_DATA_PORT_ZERO = "Client data port is 0";
export const DATA_PORT_BUSY = "Data port busy";
export const DATA_CHANNEL_CANCELLED = "Data connection setup was cancelled";
export const TLS_NOT_CONFIGURED = "TLS is not configured for data connections";

/** "10 s", "0.25 s": timeouts as they appear in error texts. */
export function formatSeconds(ms: number): string {
	return `${Number((ms / 1000).toFixed(3))} s`;
}

/** rpcap-protocol.md §13.5 text, with the configured bound. */
export function acceptTimeoutMessage(timeoutMs: number): string {
	return `Data connection was not established within ${formatSeconds(timeoutMs)}`;
}
