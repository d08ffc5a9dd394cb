// The Sink contract: where received packets go (pcap, pcapng, a stream, split per sensor, rotating files).

/** One capture stream: a sensor's interface, as announced to the sink before its first packet. */
export interface StreamInfo {
	/** Sensor name: the --connect host[:port], or the active sensor's address. */
	sensor: string;
	/** Interface name on the sensor. */
	iface: string;
	/** The interface's description from FINDALLIF (may be empty). */
	description?: string;
	/** LINKTYPE value (the sensor's DLT converted with dltToLinktype). */
	linktype: number;
	snaplen: number;
	/** The filter expression the capture runs with, if any. */
	filter?: string;
}

/** Counters every sink reports; bytes are file bytes (headers included). */
export interface SinkStats {
	packetsWritten: number;
	bytesWritten: number;
	/** Packets the sink could not write (output failed or its queue was full); never silently lost. */
	packetsDropped: number;
	filesOpened: number;
	/** The first output error, if any. */
	lastError: string | null;
}

export interface Sink {
	/**
	 * Registers a stream and returns the id to write its packets with. Registering an equal stream again
	 * (same sensor, interface and link type) returns the same id. Throws SinkStreamError when the sink
	 * cannot hold the stream (e.g. a second link type in a pcap file).
	 */
	addStream(info: StreamInfo): number;
	/** Appends one packet, timestamps exactly as received. Never throws for output problems (they are counted). */
	write(streamId: number, tsSec: number, tsUsec: number, len: number, data: Uint8Array): void;
	/** Hands every buffered byte to the operating system and waits until it has taken them. */
	flush(): Promise<void>;
	/** Flushes and closes; later writes are counted as dropped. */
	close(): Promise<void>;
	stats(): SinkStats;
	/** The file a stream currently goes to ("-" for standard output), or null before its file exists. */
	fileOf(streamId: number): string | null;
}

/** Same stream identity as addStream uses. */
export function streamKey(info: StreamInfo): string {
	return `${info.sensor}\u0000${info.iface}\u0000${info.linktype}`;
}
