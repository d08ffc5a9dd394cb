// The data channel effects a session needs (UDP socket, TCP listener, TCP dial), as an interface for in-memory tests.

/** TLS client settings for control and TCP data connections (the RPCAP client always initiates TLS, §12.3). */
export interface TlsClientSettings {
	/** PEM CA bundle to verify the sensor's certificate with; absent = the system's CAs. */
	ca?: string | Buffer;
	/** False with --insecure: no verification, as libpcap's own client (§12.3). */
	verify: boolean;
	/** Host name or address to check the certificate against (the --connect host); absent = chain check only. */
	servername?: string;
}

export interface StreamChannelHandlers {
	data(chunk: Uint8Array): void;
	/** EOF or failure; called once. */
	end(error: Error | null): void;
}

/** A TCP (or TLS) data connection. Data arriving before setHandlers is kept for it. */
export interface StreamChannel {
	readonly remoteAddress: string;
	setHandlers(handlers: StreamChannelHandlers): void;
	close(): void;
}

/** A bound UDP socket receiving the sensor's datagrams. */
export interface DatagramChannel {
	readonly port: number;
	/** `address` is the datagram's source address. */
	setHandler(onDatagram: (datagram: Uint8Array, address: string) => void): void;
	/** Enlarges SO_RCVBUF; returns the size the kernel reports, or null where unsupported. */
	setReceiveBufferSize(bytes: number): number | null;
	close(): void;
}

/** A listener for the one TCP data connection a sensor opens in active mode (SERVEROPEN, §13.4). */
export interface StreamListener {
	readonly port: number;
	/** The sensor's connection (TLS done when asked); rejects with SessionError("data") on timeout or failure. */
	readonly accepted: Promise<StreamChannel>;
	close(): void;
}

export interface DataChannelFactory {
	/** A UDP socket bound to `localAddress`, ephemeral port, SO_RCVBUF at least `receiveBufferBytes`. */
	openDatagram(localAddress: string, receiveBufferBytes: number): Promise<DatagramChannel>;
	/** Listens on `localAddress` (ephemeral port) for one connection from `sensorAddress` within `timeoutMs`. */
	listenStream(
		localAddress: string,
		sensorAddress: string,
		timeoutMs: number,
		tls: TlsClientSettings | null,
	): Promise<StreamListener>;
	/** Dials the sensor's data port (client-opens TCP, §7.3) within `timeoutMs`. */
	dialStream(
		address: string,
		port: number,
		timeoutMs: number,
		tls: TlsClientSettings | null,
	): Promise<StreamChannel>;
}
