// udpstr receiver: resynchronising unpacker of one capture's datagrams into records (extrahop-udpstr.md §7)

import {
	effectiveSnaplen,
	type PacketRecordHandler,
	PKTHDR_CAPLEN_OFFSET,
	PKTHDR_LEN_OFFSET,
	PKTHDR_LENGTH,
	PKTHDR_NPKT_OFFSET,
	PKTHDR_TS_USEC_OFFSET,
} from "./pkthdr.ts";
import {
	DATA_MSG_TYPE_PACKET,
	DATA_MSG_TYPE_UDPSTR,
	UDPSTR_FIRSTHDR_NONE,
	UDPSTR_HEADER_LENGTH,
} from "./udpstr-constants.ts";

const HALF_RANGE = 0x80000000;

export interface UdpstrReceiverOptions {
	/** The snaplen the capture requested; caplen above it (or above 262144) is malformed. */
	snaplen: number;
	onRecord: PacketRecordHandler;
	/** Receives type-7 datagrams (classic PACKET) met on the same socket; they are counted either way. */
	onClassicPacket?: (datagram: Uint8Array) => void;
}

export interface UdpstrReceiverCounters {
	/** Every datagram passed to `receive`, classic ones included. */
	datagramsReceived: number;
	bytesReceived: number;
	/** Type-7 datagrams handed to the classic path. */
	classicDatagrams: number;
	/**
	 * seqno gaps (§7 step 2). Datagrams lost before the first one received are not seen (their records still
	 * count through npkt); a malformed datagram is never sequenced, so it also shows up here.
	 */
	lostDatagrams: number;
	/** Datagrams with a seqno behind the expected one (late or duplicate), dropped. */
	lateDatagrams: number;
	malformedDatagrams: number;
	/** npkt gaps plus dropped partial records. */
	lostRecords: number;
	/** Continuation bytes that belonged to no partial record (its start was lost) and were skipped. */
	discardedContinuationBytes: number;
	recordsEmitted: number;
	/** Sum of caplen over emitted records. */
	recordBytes: number;
	/** Records whose npkt went backwards (a broken sender); not counted as loss. */
	npktRegressions: number;
}

/** What `receive` did with one datagram. */
export type UdpstrDatagramOutcome = "accepted" | "late" | "malformed" | "classic";

/**
 * One udpstr stream (one capture from one source address and port); make a new receiver at every STARTCAP.
 * Records go to `onRecord` in stream order; reordered datagrams count as loss (§7).
 */
export class UdpstrReceiver {
	readonly counters: UdpstrReceiverCounters = {
		datagramsReceived: 0,
		bytesReceived: 0,
		classicDatagrams: 0,
		lostDatagrams: 0,
		lateDatagrams: 0,
		malformedDatagrams: 0,
		lostRecords: 0,
		discardedContinuationBytes: 0,
		recordsEmitted: 0,
		recordBytes: 0,
		npktRegressions: 0,
	};
	private readonly snaplen: number;
	private readonly onRecord: PacketRecordHandler;
	private readonly onClassicPacket: ((datagram: Uint8Array) => void) | undefined;
	private expectedSeqno = 0;
	private hasExpected = false;
	private nextNpkt = 1;
	/** The incomplete record (header included); empty when `partialLength` is 0. */
	private readonly partial: Uint8Array;
	private readonly partialView: DataView;
	private partialLength = 0;
	private partialNeeded = 0;

	constructor(options: UdpstrReceiverOptions) {
		this.snaplen = effectiveSnaplen(options.snaplen);
		this.onRecord = options.onRecord;
		this.onClassicPacket = options.onClassicPacket;
		this.partial = new Uint8Array(PKTHDR_LENGTH + this.snaplen);
		this.partialView = new DataView(this.partial.buffer);
	}

	/** True while an incomplete record waits for continuation bytes. */
	get hasPartial(): boolean {
		return this.partialLength > 0;
	}

	/** Processes one datagram (§7 steps 1–6). Never throws on any input. */
	receive(datagram: Uint8Array): UdpstrDatagramOutcome {
		const counters = this.counters;
		const n = datagram.length;
		counters.datagramsReceived++;
		counters.bytesReceived += n;
		// Step 1: validate.
		if (n >= 2 && datagram[1] === DATA_MSG_TYPE_PACKET) {
			counters.classicDatagrams++;
			this.onClassicPacket?.(datagram);
			return "classic";
		}
		if (n < UDPSTR_HEADER_LENGTH || datagram[0] !== 0 || datagram[1] !== DATA_MSG_TYPE_UDPSTR) {
			counters.malformedDatagrams++;
			return "malformed";
		}
		const view = new DataView(datagram.buffer, datagram.byteOffset, n);
		const idx = view.getUint16(2);
		const seqno = view.getUint32(4);
		if (idx !== UDPSTR_FIRSTHDR_NONE && (idx < UDPSTR_HEADER_LENGTH || idx > n - PKTHDR_LENGTH)) {
			counters.malformedDatagrams++;
			this.dropPartial();
			return "malformed";
		}
		// Step 2: order.
		let inOrder = false;
		if (this.hasExpected) {
			const distance = (seqno - this.expectedSeqno) >>> 0;
			if (distance === 0) inOrder = true;
			else if (distance < HALF_RANGE) counters.lostDatagrams += distance;
			else {
				counters.lateDatagrams++;
				return "late";
			}
		}
		this.expectedSeqno = (seqno + 1) >>> 0;
		this.hasExpected = true;
		const continuationLength = (idx === UDPSTR_FIRSTHDR_NONE ? n : idx) - UDPSTR_HEADER_LENGTH;
		if (inOrder && this.partialLength > 0) {
			// Step 3 with a partial record.
			if (idx === UDPSTR_FIRSTHDR_NONE) {
				if (continuationLength > this.partialNeeded) {
					this.dropPartial();
					counters.discardedContinuationBytes += continuationLength;
					counters.malformedDatagrams++;
					return "malformed";
				}
				this.appendToPartial(datagram, continuationLength);
				return "accepted";
			}
			if (continuationLength !== this.partialNeeded) {
				// Records are back to back, so the sender broke its own framing: lose the record, keep parsing.
				this.dropPartial();
				counters.discardedContinuationBytes += continuationLength;
				counters.malformedDatagrams++;
				this.parseRecords(datagram, view, idx);
				return "malformed";
			}
			this.appendToPartial(datagram, continuationLength);
		} else {
			// Step 3 without a partial (its start was lost earlier), or step 4: resync.
			this.dropPartial();
			counters.discardedContinuationBytes += continuationLength;
			if (idx === UDPSTR_FIRSTHDR_NONE) return "accepted";
		}
		return this.parseRecords(datagram, view, idx) ? "accepted" : "malformed";
	}

	/** End of capture: an incomplete record can no longer complete, so it is lost (§7). */
	end(): void {
		this.dropPartial();
	}

	/** Step 5: parses records from `pos`; false when the datagram turned out malformed. */
	private parseRecords(datagram: Uint8Array, view: DataView, pos: number): boolean {
		const n = datagram.length;
		while (pos + PKTHDR_LENGTH <= n) {
			const caplen = view.getUint32(pos + PKTHDR_CAPLEN_OFFSET);
			if (caplen > this.snaplen) {
				this.counters.malformedDatagrams++;
				return false;
			}
			this.accountNpkt(view.getUint32(pos + PKTHDR_NPKT_OFFSET));
			const end = pos + PKTHDR_LENGTH + caplen;
			if (end > n) {
				this.partial.set(datagram.subarray(pos, n), 0);
				this.partialLength = n - pos;
				this.partialNeeded = end - n;
				return true;
			}
			this.emit(view, pos, caplen, datagram.subarray(pos + PKTHDR_LENGTH, end));
			pos = end;
		}
		if (pos < n) {
			// 0 < n − pos < 20: a header cut at the datagram end, which the sender never does (§3.3).
			this.counters.malformedDatagrams++;
			return false;
		}
		return true;
	}

	private appendToPartial(datagram: Uint8Array, count: number): void {
		this.partial.set(
			datagram.subarray(UDPSTR_HEADER_LENGTH, UDPSTR_HEADER_LENGTH + count),
			this.partialLength,
		);
		this.partialLength += count;
		this.partialNeeded -= count;
		if (this.partialNeeded !== 0) return;
		const caplen = this.partialLength - PKTHDR_LENGTH;
		this.partialLength = 0;
		this.emit(this.partialView, 0, caplen, this.partial.subarray(PKTHDR_LENGTH, PKTHDR_LENGTH + caplen));
	}

	private emit(view: DataView, pos: number, caplen: number, data: Uint8Array): void {
		this.counters.recordsEmitted++;
		this.counters.recordBytes += caplen;
		this.onRecord(
			view.getUint32(pos),
			view.getUint32(pos + PKTHDR_TS_USEC_OFFSET),
			caplen,
			view.getUint32(pos + PKTHDR_LEN_OFFSET),
			view.getUint32(pos + PKTHDR_NPKT_OFFSET),
			data,
		);
	}

	/**
	 * Step 6, done when a record header is read rather than when the record completes, so a record whose
	 * partial is later dropped is counted once (by the drop), not a second time by the next npkt gap.
	 */
	private accountNpkt(npkt: number): void {
		const gap = (npkt - this.nextNpkt) >>> 0;
		if (gap !== 0) {
			if (gap < HALF_RANGE) this.counters.lostRecords += gap;
			else this.counters.npktRegressions++;
		}
		this.nextNpkt = (npkt + 1) >>> 0;
	}

	private dropPartial(): void {
		if (this.partialLength === 0) return;
		this.partialLength = 0;
		this.counters.lostRecords++;
	}
}
