// The 20-byte rpcap_pkthdr shared by PACKET messages and udpstr records, and the record callback type

import { MAX_SNAPLEN, PACKET_HEADER_SIZE } from "./header.ts";

/** `struct rpcap_pkthdr`: ts_sec, ts_usec, caplen, len, npkt, all u32 BE (rpcap-protocol.md §11.3). */
export const PKTHDR_LENGTH = PACKET_HEADER_SIZE;
export const PKTHDR_TS_SEC_OFFSET = 0;
export const PKTHDR_TS_USEC_OFFSET = 4;
export const PKTHDR_CAPLEN_OFFSET = 8;
export const PKTHDR_LEN_OFFSET = 12;
export const PKTHDR_NPKT_OFFSET = 16;

/** libpcap's MAXIMUM_SNAPLEN: no record a receiver accepts is longer. */
export const MAXIMUM_SNAPLEN = MAX_SNAPLEN;

/**
 * Receives one decoded packet record. `data` (caplen bytes) is a view into the datagram or into the
 * receiver's reassembly buffer: it is valid only until the callback returns; copy it to keep it.
 */
export type PacketRecordHandler = (
	tsSec: number,
	tsUsec: number,
	caplen: number,
	len: number,
	npkt: number,
	data: Uint8Array,
) => void;

/** A snaplen that is not an integer. */
export class SnaplenError extends Error {
	override readonly name = "SnaplenError";
	constructor(readonly snaplen: number) {
		super(`Snaplen must be an integer, got ${snaplen}`);
	}
}

/** The caplen bound a receiver enforces: like libpcap, a snaplen ≤ 0 or above 262144 means 262144. */
export function effectiveSnaplen(snaplen: number): number {
	if (!Number.isInteger(snaplen)) throw new SnaplenError(snaplen);
	return snaplen <= 0 || snaplen > MAXIMUM_SNAPLEN ? MAXIMUM_SNAPLEN : snaplen;
}
