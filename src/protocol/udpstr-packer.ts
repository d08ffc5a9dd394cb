// udpstr sender: packs rpcap records into datagrams with the fork's exact segmentation (extrahop-udpstr.md §3)

import { HEADER_SIZE } from "./header.ts";
import { PKTHDR_CAPLEN_OFFSET, PKTHDR_LENGTH } from "./pkthdr.ts";
import {
	DATA_MSG_TYPE_PACKET,
	DATA_MSG_TYPE_UDPSTR,
	IPV4_UDP_OVERHEAD,
	IPV6_UDP_OVERHEAD,
	UDPSTR_DEFAULT_DATAGRAM_SIZE_IPV4,
	UDPSTR_FIRSTHDR_NONE,
	UDPSTR_HEADER_LENGTH,
	UDPSTR_MAX_DATAGRAM_SIZE,
	UDPSTR_MIN_DATAGRAM_SIZE,
	UDPSTR_MULTI_THREAD_MAX_RECORD_STARTS,
	UDPSTR_SINGLE_THREAD_MAX_RECORD_STARTS,
	UDPSTR_THRESHOLD_MARGIN,
} from "./udpstr-constants.ts";

/** Below this many bytes a byte loop beats allocating a subarray for `Uint8Array.set`. */
const SMALL_COPY = 48;
const DEFAULT_ARENA_BYTES = 1 << 20;

/** A datagram size outside 64..65000 (bad-inputs.md K10 gives the text). */
export class UdpstrSizeError extends Error {
	override readonly name = "UdpstrSizeError";
	constructor(readonly size: number) {
		super("udpstr size must be between 64 and 65000");
	}
}

/** A per-datagram record cap outside 2..31. */
export class UdpstrRecordCapError extends Error {
	override readonly name = "UdpstrRecordCapError";
	constructor(readonly maxRecordStarts: number) {
		super(`udpstr record cap must be between 2 and 31, got ${maxRecordStarts}`);
	}
}

/** Input that is not a well-formed PACKET batch or rpcap record (a bug in the caller, not a network input). */
export class PacketBatchError extends Error {
	override readonly name = "PacketBatchError";
	constructor(
		message: string,
		readonly offset: number,
	) {
		super(message);
	}
}

export interface UdpstrPackerOptions {
	/** M, the UDP payload size including the 8-byte udpstr header; 64..65000, default 1472. */
	datagramSize?: number;
	/**
	 * Record starts allowed per datagram (one fewer when it begins with continuation bytes): 15 reproduces the
	 * fork's single-threaded guard (default), 31 its multi-threaded I/O vector.
	 */
	maxRecordStarts?: number;
	/** seqno of the first datagram; 0 at every capture start (§5). Other values exist for tests. */
	initialSeqno?: number;
	/** Initial arena size in bytes; the arena grows when one call produces more. */
	arenaBytes?: number;
}

/**
 * Packs one capture's records into udpstr datagrams (extrahop-udpstr.md §3.2, §4, §5).
 *
 * Every call returns the datagrams it completed as views into one reusable arena, in seqno order; the list and
 * the views are valid until the next call on this packer. A datagram the caller then fails to send (queue full,
 * send error) has still consumed its seqno, so the receiver sees the gap (§5, bad-inputs.md K13): count it, there
 * is nothing to tell the packer.
 *
 * Age-based flushing (§4) belongs to the caller: the pending datagram is identified by `nextSeqno` while
 * `hasPending` is true, so a caller arms its timer when it first sees a (`hasPending`, `nextSeqno`) pair and calls
 * `flush()` when that timer expires with the pair unchanged.
 */
export class UdpstrPacker {
	readonly datagramSize: number;
	/** T = M − 28 (§3.1). */
	readonly sendThreshold: number;
	readonly maxRecordStarts: number;
	private arena: Uint8Array;
	private arenaView: DataView;
	private readonly out: Uint8Array[] = [];
	/** Arena offset of the pending datagram. */
	private start = 0;
	/** L: bytes of the pending datagram including its header (§3.1). */
	private length = UDPSTR_HEADER_LENGTH;
	private firstHeaderIndex = UDPSTR_FIRSTHDR_NONE;
	private seqno: number;
	/** c: 1 when the pending datagram begins with carried continuation bytes. */
	private carried = 0;
	/** r: records started in the pending datagram. */
	private recordStarts = 0;
	private emitted = 0;
	private emittedBytes = 0;
	private records = 0;

	constructor(options: UdpstrPackerOptions = {}) {
		const size = options.datagramSize ?? UDPSTR_DEFAULT_DATAGRAM_SIZE_IPV4;
		if (!Number.isInteger(size) || size < UDPSTR_MIN_DATAGRAM_SIZE || size > UDPSTR_MAX_DATAGRAM_SIZE) {
			throw new UdpstrSizeError(size);
		}
		const cap = options.maxRecordStarts ?? UDPSTR_SINGLE_THREAD_MAX_RECORD_STARTS;
		if (!Number.isInteger(cap) || cap < 2 || cap > UDPSTR_MULTI_THREAD_MAX_RECORD_STARTS) {
			throw new UdpstrRecordCapError(cap);
		}
		this.datagramSize = size;
		this.sendThreshold = size - UDPSTR_THRESHOLD_MARGIN;
		this.maxRecordStarts = cap;
		this.seqno = (options.initialSeqno ?? 0) >>> 0;
		this.arena = new Uint8Array(Math.max(options.arenaBytes ?? DEFAULT_ARENA_BYTES, 2 * size));
		this.arenaView = new DataView(this.arena.buffer);
	}

	/** True when the pending datagram holds bytes that a `flush()` would emit. */
	get hasPending(): boolean {
		return this.length > UDPSTR_HEADER_LENGTH;
	}

	/** L − 8: payload bytes buffered in the pending datagram. */
	get pendingBytes(): number {
		return this.length - UDPSTR_HEADER_LENGTH;
	}

	/** The seqno the pending (or next) datagram will carry. */
	get nextSeqno(): number {
		return this.seqno;
	}

	/** Datagrams emitted so far (each consumed one seqno). */
	get datagramsEmitted(): number {
		return this.emitted;
	}

	/** UDP payload bytes of all emitted datagrams, udpstr headers included. */
	get bytesEmitted(): number {
		return this.emittedBytes;
	}

	/** Records appended so far. */
	get recordsPacked(): number {
		return this.records;
	}

	/**
	 * Packs a batch of back-to-back framed PACKET messages (8-byte rpcap_header, type 7, plen = 20 + caplen, then
	 * the record) from `batch[begin, end)`.
	 */
	packBatch(batch: Uint8Array, begin = 0, end = batch.length): readonly Uint8Array[] {
		this.beginCall();
		const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
		let off = begin;
		while (off < end) {
			if (end - off < HEADER_SIZE + PKTHDR_LENGTH) {
				throw new PacketBatchError(`Truncated PACKET message: ${end - off} bytes left`, off);
			}
			const plen = view.getUint32(off + 4);
			const caplen = view.getUint32(off + HEADER_SIZE + PKTHDR_CAPLEN_OFFSET);
			if (batch[off + 1] !== DATA_MSG_TYPE_PACKET || plen !== PKTHDR_LENGTH + caplen) {
				throw new PacketBatchError(
					`Bad PACKET message: type ${batch[off + 1]}, plen ${plen}, caplen ${caplen}`,
					off,
				);
			}
			const recordStart = off + HEADER_SIZE;
			if (recordStart + plen > end) {
				throw new PacketBatchError(`Truncated PACKET message: plen ${plen} exceeds the batch`, off);
			}
			this.append(batch, recordStart, plen);
			off = recordStart + plen;
		}
		return this.out;
	}

	/** Packs one record: a 20-byte rpcap_pkthdr followed by exactly caplen data bytes. */
	packRecord(record: Uint8Array): readonly Uint8Array[] {
		this.beginCall();
		if (record.length < PKTHDR_LENGTH) {
			throw new PacketBatchError(`Truncated rpcap record: ${record.length} bytes`, 0);
		}
		const caplen = new DataView(record.buffer, record.byteOffset, record.byteLength).getUint32(
			PKTHDR_CAPLEN_OFFSET,
		);
		if (caplen !== record.length - PKTHDR_LENGTH) {
			throw new PacketBatchError(`Record caplen ${caplen} does not match its ${record.length} bytes`, 0);
		}
		this.append(record, 0, record.length);
		return this.out;
	}

	/** Emits the pending datagram if it holds any bytes (§4); an empty flush emits nothing and keeps the seqno. */
	flush(): readonly Uint8Array[] {
		this.beginCall();
		this.flushPending();
		return this.out;
	}

	/** Starts a call: earlier views become invalid, so the pending datagram moves back to the arena start. */
	private beginCall(): void {
		this.out.length = 0;
		if (this.start !== 0) {
			this.arena.copyWithin(0, this.start, this.start + this.length);
			this.start = 0;
		}
	}

	/** §3.2 for one record of `recordLength` bytes at `src[srcOff]`. */
	private append(src: Uint8Array, srcOff: number, recordLength: number): void {
		// Step 1: the record-count guard, evaluated before adding.
		if (this.recordStarts >= this.maxRecordStarts - this.carried) this.flushPending();
		// Step 2.
		if (this.firstHeaderIndex === UDPSTR_FIRSTHDR_NONE) this.firstHeaderIndex = this.length;
		this.recordStarts++;
		this.records++;
		// Steps 3–4, copying the record piecewise straight into the datagrams it ends up in.
		const size = this.datagramSize;
		let remaining = recordLength;
		let from = srcOff;
		for (;;) {
			const room = size - this.length;
			if (remaining > room) {
				// L > M: emit the first M bytes; the rest of this record's data is carried over.
				this.copy(src, from, room);
				from += room;
				remaining -= room;
				this.length = size;
				this.emit();
				this.carried = 1;
				continue;
			}
			this.copy(src, from, remaining);
			this.length += remaining;
			if (this.length >= this.sendThreshold) {
				this.emit();
				this.carried = 0;
			}
			return;
		}
	}

	private flushPending(): void {
		if (this.length === UDPSTR_HEADER_LENGTH) return;
		this.emit();
		this.carried = 0;
	}

	private copy(src: Uint8Array, from: number, count: number): void {
		const arena = this.arena;
		const to = this.start + this.length;
		if (count < SMALL_COPY) {
			for (let i = 0; i < count; i++) arena[to + i] = src[from + i]!;
		} else {
			arena.set(src.subarray(from, from + count), to);
		}
	}

	/** Emits the pending L bytes with the current firsthdridx and seqno, then opens an empty datagram. */
	private emit(): void {
		const start = this.start;
		const length = this.length;
		const arena = this.arena;
		arena[start] = 0;
		arena[start + 1] = DATA_MSG_TYPE_UDPSTR;
		this.arenaView.setUint16(start + 2, this.firstHeaderIndex);
		this.arenaView.setUint32(start + 4, this.seqno);
		this.out.push(arena.subarray(start, start + length));
		this.seqno = (this.seqno + 1) >>> 0;
		this.firstHeaderIndex = UDPSTR_FIRSTHDR_NONE;
		this.recordStarts = 0;
		this.emitted++;
		this.emittedBytes += length;
		this.length = UDPSTR_HEADER_LENGTH;
		this.start = start + length;
		if (this.start + this.datagramSize > arena.length) {
			// The views already returned by this call keep the old arena alive; the new datagram is empty.
			this.arena = new Uint8Array(arena.length * 2);
			this.arenaView = new DataView(this.arena.buffer);
			this.start = 0;
		}
	}
}

/** Counts that determine the wire cost of a udpstr stream. */
export interface UdpstrWireCounts {
	records: number;
	/** Sum of caplen over all records. */
	dataBytes: number;
	datagrams: number;
}

/**
 * Wire bytes of a udpstr stream: 20 per record plus the data, 8 (udpstr header) plus 28 (IPv4 + UDP) or 48
 * (IPv6 + UDP) per datagram. Link-layer framing is not included.
 */
export function udpstrFloorWireBytes(counts: UdpstrWireCounts, family: "ipv4" | "ipv6" = "ipv4"): number {
	const perDatagram = UDPSTR_HEADER_LENGTH + (family === "ipv6" ? IPV6_UDP_OVERHEAD : IPV4_UDP_OVERHEAD);
	return counts.records * PKTHDR_LENGTH + counts.dataBytes + counts.datagrams * perDatagram;
}
