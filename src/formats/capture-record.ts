// Types produced by the capture readers: records, interfaces and the whole-file result.

import type { ByteOrder } from "./byte-order.ts";
import type { CaptureFormatError } from "./errors.ts";

export type CaptureFormat = "pcap" | "pcapng";

export interface CaptureRecord {
	/** 0 for pcap; for pcapng the index of the interface among all IDBs of the file, across sections. */
	interfaceId: number;
	/** LINKTYPE value of the record's interface. */
	linktype: number;
	/** Seconds since the epoch. */
	tsSec: number;
	/** Microseconds within the second (tsNsec / 1000 rounded down; the file's value for microsecond pcap). */
	tsUsec: number;
	/**
	 * Nanoseconds within the second, exact for microsecond and nanosecond files, rounded down for finer
	 * resolutions. pcap values are passed through unnormalised. 0 for pcapng Simple Packet Blocks.
	 */
	tsNsec: number;
	caplen: number;
	/** Original length on the wire. */
	len: number;
	/** View of the captured bytes (into the pushed chunk, or a copy when the record spanned chunks). */
	data: Uint8Array;
}

export interface CaptureInterface {
	/** Value of CaptureRecord.interfaceId for this interface. */
	id: number;
	/** 0-based index of the pcapng section; 0 for pcap. */
	section: number;
	linktype: number;
	snaplen: number;
	/** Timestamp resolution in the pcapng if_tsresol encoding: 6 = microseconds, 9 = nanoseconds. */
	tsresol: number;
	name?: string;
	description?: string;
}

export interface CaptureFile {
	format: CaptureFormat | undefined;
	byteOrder: ByteOrder | undefined;
	interfaces: CaptureInterface[];
	records: CaptureRecord[];
	/** Set when the input ends inside a header, block or record; `records` holds everything before it. */
	truncated: CaptureFormatError | undefined;
}
