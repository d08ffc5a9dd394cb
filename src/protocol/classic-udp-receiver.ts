// Classic UDP data receiver: one RPCAP PACKET message per datagram (rpcap-protocol.md §11.3, §18.2)

import { HEADER_SIZE } from "./header.ts";
import {
	effectiveSnaplen,
	type PacketRecordHandler,
	PKTHDR_CAPLEN_OFFSET,
	PKTHDR_LEN_OFFSET,
	PKTHDR_LENGTH,
	PKTHDR_NPKT_OFFSET,
	PKTHDR_TS_SEC_OFFSET,
	PKTHDR_TS_USEC_OFFSET,
} from "./pkthdr.ts";
import { DATA_MSG_TYPE_PACKET } from "./udpstr-constants.ts";

const HALF_RANGE = 0x80000000;

export interface ClassicUdpReceiverOptions {
	/** The snaplen the capture requested; caplen above it (or above 262144) is malformed. */
	snaplen: number;
	onRecord: PacketRecordHandler;
}

export interface ClassicUdpReceiverCounters {
	datagramsReceived: number;
	bytesReceived: number;
	/** Packets missing from npkt gaps. */
	lostRecords: number;
	/** Datagrams whose npkt is behind the expected one (reordered or duplicated), dropped. */
	lateDatagrams: number;
	malformedDatagrams: number;
	recordsEmitted: number;
	/** Sum of caplen over emitted records. */
	recordBytes: number;
}

/** What `receive` did with one datagram. */
export type ClassicDatagramOutcome = "accepted" | "late" | "malformed";

/**
 * One classic UDP data stream (one capture); make a new receiver at every STARTCAP. Like the udpstr receiver it
 * emits packets in npkt order only: a packet that arrives after a later one was already counted lost and is
 * dropped as late.
 */
export class ClassicUdpReceiver {
	readonly counters: ClassicUdpReceiverCounters = {
		datagramsReceived: 0,
		bytesReceived: 0,
		lostRecords: 0,
		lateDatagrams: 0,
		malformedDatagrams: 0,
		recordsEmitted: 0,
		recordBytes: 0,
	};
	private readonly snaplen: number;
	private readonly onRecord: PacketRecordHandler;
	/** npkt is 1 for the first packet of a capture (rpcap-protocol.md §11.3). */
	private nextNpkt = 1;

	constructor(options: ClassicUdpReceiverOptions) {
		this.snaplen = effectiveSnaplen(options.snaplen);
		this.onRecord = options.onRecord;
	}

	/** Processes one datagram. Never throws on any input. */
	receive(datagram: Uint8Array): ClassicDatagramOutcome {
		const counters = this.counters;
		const n = datagram.length;
		counters.datagramsReceived++;
		counters.bytesReceived += n;
		if (n < HEADER_SIZE + PKTHDR_LENGTH || datagram[0] !== 0 || datagram[1] !== DATA_MSG_TYPE_PACKET) {
			counters.malformedDatagrams++;
			return "malformed";
		}
		const view = new DataView(datagram.buffer, datagram.byteOffset, n);
		const plen = view.getUint32(4);
		const record = HEADER_SIZE;
		const caplen = view.getUint32(record + PKTHDR_CAPLEN_OFFSET);
		// Exactly one message per datagram, and caplen = plen − 20 exactly (the CVE-2026-18238 bound, §11.3).
		if (plen !== n - HEADER_SIZE || caplen !== plen - PKTHDR_LENGTH || caplen > this.snaplen) {
			counters.malformedDatagrams++;
			return "malformed";
		}
		const npkt = view.getUint32(record + PKTHDR_NPKT_OFFSET);
		const gap = (npkt - this.nextNpkt) >>> 0;
		if (gap >= HALF_RANGE) {
			counters.lateDatagrams++;
			return "late";
		}
		counters.lostRecords += gap;
		this.nextNpkt = (npkt + 1) >>> 0;
		counters.recordsEmitted++;
		counters.recordBytes += caplen;
		this.onRecord(
			view.getUint32(record + PKTHDR_TS_SEC_OFFSET),
			view.getUint32(record + PKTHDR_TS_USEC_OFFSET),
			caplen,
			view.getUint32(record + PKTHDR_LEN_OFFSET),
			npkt,
			datagram.subarray(record + PKTHDR_LENGTH, n),
		);
		return "accepted";
	}
}
