// The data-channel contract: every sender (TCP stream, classic UDP, udpstr) takes batches of framed PACKET records.

export interface DataSenderCounters {
	/** PACKET records handed to the kernel (or, for udpstr, packed into datagrams that were sent). */
	packetsSent: number;
	/** Bytes written to the socket (UDP: datagram payload bytes). */
	bytesSent: number;
	/** Records dropped because the bounded send queue was full or a send failed. */
	packetsDropped: number;
	/** udpstr/classic UDP: datagrams dropped locally (their seqno is still consumed). */
	datagramsDropped: number;
	/** Datagrams sent (UDP channels). */
	datagramsSent: number;
	/** Records whose caplen had to be cut to fit one datagram (classic UDP). */
	packetsTruncated: number;
	/** Bytes waiting in the send queue now. */
	queuedBytes: number;
}

/** "handshake": the data channel's TLS handshake failed (reported as a late ERROR 12, rpcap-protocol.md §14.2). */
export type DataFailureKind = "peer-closed" | "error" | "stalled" | "handshake";

export interface DataFailure {
	kind: DataFailureKind;
	/** A readable reason, sent to the client in the asynchronous ERROR 9. */
	message: string;
}

export interface SocketEndpoint {
	address: string;
	port: number;
}

export interface DataSender {
	readonly transport: "tcp" | "udp" | "udpstr";
	/** The data socket's own and peer addresses, for the self-traffic exclusion filter. */
	readonly local: SocketEndpoint;
	readonly remote: SocketEndpoint;
	/**
	 * Sends back-to-back RPCAP PACKET messages (8-byte header + 20-byte pkthdr + data) produced by a capture
	 * source. The view is only valid during the call. Never throws: what cannot be sent is dropped and counted.
	 */
	sendBatch(records: Uint8Array, packets: number): void;
	/**
	 * Sends what is pending (udpstr tail, TCP queue) within `flushTimeoutMs`, then closes the channel (TCP:
	 * shutdown-write first, so the peer sees EOF before the ENDCAP reply). Resolves when the socket is closed.
	 */
	close(flushTimeoutMs: number): Promise<void>;
	counters(): DataSenderCounters;
	/** Called at most once when the channel fails on its own (peer reset/EOF, fatal send error, stall). */
	onFailure(handler: (failure: DataFailure) => void): void;
}

export function emptyCounters(): DataSenderCounters {
	return {
		packetsSent: 0,
		bytesSent: 0,
		packetsDropped: 0,
		datagramsDropped: 0,
		datagramsSent: 0,
		packetsTruncated: 0,
		queuedBytes: 0,
	};
}
