// udpstr data channel: records packed into fixed-size datagrams (UdpstrPacker), age-based tail flush (§4).

import { readUint32BE } from "../../protocol/big-endian.ts";
import { PKTHDR_CAPLEN_OFFSET, PKTHDR_LENGTH } from "../../protocol/pkthdr.ts";
import {
	UDPSTR_DEFAULT_DATAGRAM_SIZE_IPV4,
	UDPSTR_DEFAULT_DATAGRAM_SIZE_IPV6,
	UDPSTR_DEFAULT_FLUSH_MS,
	UDPSTR_FIRSTHDR_NONE,
	UDPSTR_MAX_FLUSH_MS,
	UDPSTR_MIN_FLUSH_MS,
} from "../../protocol/udpstr-constants.ts";
import { UdpstrPacker } from "../../protocol/udpstr-packer.ts";
import { UdpSenderBase, type UdpSenderOptions } from "./udp-sender-base.ts";
import type { DatagramTransport } from "./udp-transport.ts";

/** extrahop-udpstr.md §4: default 20 ms, configurable 1–1000 ms. */

export class UdpstrFlushIntervalError extends Error {
	override readonly name = "UdpstrFlushIntervalError";
	constructor(readonly flushMs: number) {
		super(`udpstr flush interval must be between 1 and 1000 ms, got ${flushMs}`);
	}
}

export interface UdpstrSenderOptions extends UdpSenderOptions {
	/** M, 64..65000; default 1472 on IPv4 and 1452 on IPv6 (§8.2). */
	datagramSize?: number;
	/** A pending datagram leaves at most this long after its first byte was buffered (default 20 ms). */
	flushMs?: number;
	/** Record starts per datagram, 2..31 (default 15, the fork's single-threaded guard). */
	maxRecordStarts?: number;
}

/** Records that start in a udpstr datagram: walk the record chain from firsthdridx (§2). */
function recordStarts(datagram: Uint8Array): number {
	let position = (datagram[2]! << 8) | datagram[3]!;
	if (position === UDPSTR_FIRSTHDR_NONE) return 0;
	const length = datagram.length;
	let count = 0;
	while (position + PKTHDR_LENGTH <= length) {
		count++;
		position += PKTHDR_LENGTH + readUint32BE(datagram, position + PKTHDR_CAPLEN_OFFSET);
	}
	return count;
}

/**
 * `packetsSent` / `packetsDropped` count records by the datagram they start in; a record whose continuation was
 * dropped is counted as sent (the receiver counts it lost through its seqno and npkt gaps).
 */
export class UdpstrSender extends UdpSenderBase {
	readonly transport = "udpstr" as const;
	private readonly packer: UdpstrPacker;
	private readonly flushMs: number;
	private flushTimer: ReturnType<typeof setTimeout> | null = null;
	/** seqno of the pending datagram being aged, and when its first byte was buffered; -1 when none. */
	private agedSeqno = -1;
	private agedSince = 0;
	private recordsAccounted = 0;

	constructor(socket: DatagramTransport, options: UdpstrSenderOptions = {}) {
		super(socket, options);
		const flushMs = options.flushMs ?? UDPSTR_DEFAULT_FLUSH_MS;
		if (!Number.isInteger(flushMs) || flushMs < UDPSTR_MIN_FLUSH_MS || flushMs > UDPSTR_MAX_FLUSH_MS) {
			throw new UdpstrFlushIntervalError(flushMs);
		}
		this.flushMs = flushMs;
		const defaultSize =
			socket.family === 6 ? UDPSTR_DEFAULT_DATAGRAM_SIZE_IPV6 : UDPSTR_DEFAULT_DATAGRAM_SIZE_IPV4;
		this.packer = new UdpstrPacker({
			datagramSize: options.datagramSize ?? defaultSize,
			...(options.maxRecordStarts === undefined ? {} : { maxRecordStarts: options.maxRecordStarts }),
		});
	}

	get datagramSize(): number {
		return this.packer.datagramSize;
	}

	sendBatch(records: Uint8Array, packets: number): void {
		if (packets <= 0 || records.length === 0) return;
		if (this.state !== "open") {
			this.counts.packetsDropped += packets;
			return;
		}
		const packer = this.packer;
		const recordsBefore = packer.recordsPacked;
		const datagramsBefore = packer.datagramsEmitted;
		let datagrams: readonly Uint8Array[];
		try {
			datagrams = packer.packBatch(records);
		} catch (error) {
			// A malformed batch is the caller's bug. The datagrams completed before the bad record are lost (their
			// seqnos consumed); their records are counted as dropped by settle().
			this.logger?.error("Malformed PACKET batch", { reason: (error as Error).message });
			this.counts.datagramsDropped += packer.datagramsEmitted - datagramsBefore;
			this.counts.packetsDropped += Math.max(0, packets - (packer.recordsPacked - recordsBefore));
			return;
		}
		this.queue.send(datagrams);
		this.ageTail();
	}

	protected datagramSent(datagram: Uint8Array): void {
		const starts = recordStarts(datagram);
		this.recordsAccounted += starts;
		this.counts.packetsSent += starts;
		this.counts.datagramsSent++;
		this.counts.bytesSent += datagram.length;
	}

	protected datagramDropped(datagram: Uint8Array): void {
		const starts = recordStarts(datagram);
		this.recordsAccounted += starts;
		this.counts.packetsDropped += starts;
		this.counts.datagramsDropped++;
	}

	/** J4 / §6: the partial datagram goes out before the socket closes. */
	protected override flushPending(): void {
		this.stopTimer();
		this.queue.send(this.packer.flush());
	}

	protected override settle(): void {
		this.stopTimer();
		const unaccounted = this.packer.recordsPacked - this.recordsAccounted;
		if (unaccounted > 0) this.counts.packetsDropped += unaccounted;
		this.recordsAccounted = this.packer.recordsPacked;
	}

	/** Starts aging a newly pending datagram (K8): the age counts from the batch that put its first byte. */
	private ageTail(): void {
		if (!this.packer.hasPending) {
			this.agedSeqno = -1;
			return;
		}
		const seqno = this.packer.nextSeqno;
		if (seqno !== this.agedSeqno) {
			this.agedSeqno = seqno;
			this.agedSince = performance.now();
		}
		if (this.flushTimer === null) this.flushTimer = setTimeout(this.onFlushTimer, this.flushMs);
	}

	private readonly onFlushTimer = (): void => {
		this.flushTimer = null;
		if (this.state !== "open" || !this.packer.hasPending) return;
		const remaining = this.agedSince + this.flushMs - performance.now();
		if (this.packer.nextSeqno === this.agedSeqno && remaining <= 1) {
			this.agedSeqno = -1;
			this.queue.send(this.packer.flush());
			return;
		}
		this.flushTimer = setTimeout(this.onFlushTimer, Math.max(1, remaining));
	};

	private stopTimer(): void {
		if (this.flushTimer !== null) clearTimeout(this.flushTimer);
		this.flushTimer = null;
	}
}
