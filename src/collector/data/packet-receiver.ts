// What every data receiver (TCP stream, UDP classic/udpstr) reports, and the record callback it feeds.

export type { PacketRecordHandler } from "../../protocol/index.ts";

/** Cumulative counters of one data channel. Every packet a sensor numbered but we did not write shows up here. */
export interface ReceiverCounters {
	/** Packets handed to the sink. */
	packets: number;
	/** Sum of their caplen. */
	bytes: number;
	/** Packets missing from npkt gaps, plus udpstr records cut by a lost datagram. */
	lostRecords: number;
	/** udpstr datagrams missing from seqno gaps. */
	lostDatagrams: number;
	/** Datagrams that arrived behind the sequence (reordered or duplicated) and were dropped. */
	lateDatagrams: number;
	/** Messages or datagrams that were not valid packet data, dropped. */
	malformed: number;
	/** Datagrams from an address other than the sensor's, dropped. */
	foreignDatagrams: number;
}

export interface PacketReceiver {
	counters(): ReceiverCounters;
	/** End of the capture: an incomplete record can no longer complete (it is counted as lost). */
	finish(): void;
}

export function zeroCounters(): ReceiverCounters {
	return {
		packets: 0,
		bytes: 0,
		lostRecords: 0,
		lostDatagrams: 0,
		lateDatagrams: 0,
		malformed: 0,
		foreignDatagrams: 0,
	};
}

/** a + b, field by field (totals across connections). */
export function addCounters(a: ReceiverCounters, b: ReceiverCounters): ReceiverCounters {
	return {
		packets: a.packets + b.packets,
		bytes: a.bytes + b.bytes,
		lostRecords: a.lostRecords + b.lostRecords,
		lostDatagrams: a.lostDatagrams + b.lostDatagrams,
		lateDatagrams: a.lateDatagrams + b.lateDatagrams,
		malformed: a.malformed + b.malformed,
		foreignDatagrams: a.foreignDatagrams + b.foreignDatagrams,
	};
}
