// Default values and fixed ranges of the daemon configuration, in one place (schema, parsers and writer use these).

/** Passive control port (rpcap-protocol.md Appendix A.1, `-p`). */
export const DEFAULT_PASSIVE_PORT = 2002;
/** Active-mode collector port, written `DEFAULT` in rpcapd.ini and `-a` (extrahop-udpstr.md §10). */
export const DEFAULT_ACTIVE_PORT = 2003;

export const DEFAULT_MAX_CLIENTS = 64;
/** Request `plen` hard cap (rpcap-protocol.md §17). */
export const DEFAULT_REQUEST_SIZE_CAP = 262144;

/** Timeouts of rpcap-protocol.md §14.2, in milliseconds. */
export const DEFAULT_TIMEOUTS_MS = {
	firstByte: 10_000,
	tlsHandshake: 10_000,
	preAuth: 90_000,
	idle: 180_000,
	dataAccept: 10_000,
	connect: 10_000,
	endcapReply: 5_000,
	dataStall: 60_000,
} as const;

/** TCP keepalive for dead-peer detection (rpcap-protocol.md §14.2). */
export const DEFAULT_KEEPALIVE = { idleS: 60, intervalS: 10, count: 6 } as const;

/** Cap of the active-mode reconnect backoff, in seconds (value given by the task brief; §12.2 says 60 s). */
export const DEFAULT_RETRY_MAX_S = 30;

/** udpstr datagram size M and age-based flush (extrahop-udpstr.md §4, §8.2): the format's own values. */
export {
	UDPSTR_DEFAULT_DATAGRAM_SIZE_IPV4 as DEFAULT_UDPSTR_SIZE_IPV4,
	UDPSTR_DEFAULT_DATAGRAM_SIZE_IPV6 as DEFAULT_UDPSTR_SIZE_IPV6,
	UDPSTR_DEFAULT_FLUSH_MS as DEFAULT_UDPSTR_FLUSH_MS,
	UDPSTR_MAX_DATAGRAM_SIZE as UDPSTR_SIZE_MAX,
	UDPSTR_MAX_FLUSH_MS as UDPSTR_FLUSH_MS_MAX,
	UDPSTR_MIN_DATAGRAM_SIZE as UDPSTR_SIZE_MIN,
	UDPSTR_MIN_FLUSH_MS as UDPSTR_FLUSH_MS_MIN,
} from "../protocol/udpstr-constants.ts";

/** libpcap capture buffer size (the fork's `-z` default). */
export const DEFAULT_CAPTURE_BUFFER_SIZE = 16 * 1024 * 1024;
