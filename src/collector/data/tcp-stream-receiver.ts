// TCP data stream receiver: PACKET messages back to back on the stream, read in place (rpcap-protocol.md §11.3, §18.2).

import {
	DATA_MSG_TYPE_UDPSTR,
	effectiveSnaplen,
	MessageFramer,
	MessageType,
	type PacketRecordHandler,
	PKTHDR_CAPLEN_OFFSET,
	PKTHDR_LEN_OFFSET,
	PKTHDR_LENGTH,
	PKTHDR_NPKT_OFFSET,
	PKTHDR_TS_SEC_OFFSET,
	PKTHDR_TS_USEC_OFFSET,
	PROTOCOL_VERSION,
	readUint32BE,
} from "../../protocol/index.ts";
import { ProtocolViolationError } from "../errors.ts";
import { type PacketReceiver, type ReceiverCounters, zeroCounters } from "./packet-receiver.ts";

const HALF_RANGE = 0x80000000;

/**
 * The framer hands out each message as a view into the received chunk (a copy only when a message straddles
 * two chunks), and the record reaches the sink as a view of that: one copy per packet, into the file buffer.
 */
export class TcpStreamReceiver implements PacketReceiver {
	readonly #framer: MessageFramer;
	readonly #counters: ReceiverCounters = zeroCounters();
	readonly #snaplen: number;
	#nextNpkt = 1;
	#started = false;
	#failure: ProtocolViolationError | null = null;

	constructor(
		snaplen: number,
		private readonly onRecord: PacketRecordHandler,
	) {
		this.#snaplen = effectiveSnaplen(snaplen);
		// libpcap's client bound (§18.2): nothing longer than one packet message of the requested snaplen.
		this.#framer = new MessageFramer({ maxPayloadLength: PKTHDR_LENGTH + this.#snaplen });
	}

	counters(): ReceiverCounters {
		return { ...this.#counters };
	}

	/** The stream broke the framing (an oversized message): nothing after it can be trusted. */
	get failure(): ProtocolViolationError | null {
		return this.#failure;
	}

	/** Parses a received chunk; returns false once the stream is unusable (see `failure`). */
	push(chunk: Uint8Array): boolean {
		if (this.#failure !== null) return false;
		if (!this.#started && chunk.length > 0) {
			this.#started = true;
			// extrahop-udpstr.md §8.1: the fork's default -t 1472 puts udpstr framing on TCP too (no lengths).
			if (chunk.length >= 2 && chunk[1] === DATA_MSG_TYPE_UDPSTR) {
				this.#failure = new ProtocolViolationError(
					"Sensor sends udpstr framing on its TCP data connection (ExtraHop rpcapd without -t 0): use --transport udpstr",
				);
				return false;
			}
		}
		const framer = this.#framer;
		framer.push(chunk);
		for (;;) {
			const event = framer.next();
			if (event.kind === "incomplete") return true;
			if (event.kind !== "message") {
				this.#failure = new ProtocolViolationError(
					`Sensor sent a data message of ${event.header.payloadLength} bytes, larger than the largest expected packet message (${PKTHDR_LENGTH + this.#snaplen})`,
				);
				return false;
			}
			const { header, payload } = event;
			if (header.type !== MessageType.PACKET || header.version !== PROTOCOL_VERSION) {
				this.#counters.malformed++;
				continue;
			}
			this.#record(payload);
		}
	}

	/** Bytes of an incomplete message at the end of the stream count as one malformed message. */
	finish(): void {
		if (this.#framer.hasPartialMessage && this.#failure === null) this.#counters.malformed++;
	}

	#record(payload: Uint8Array): void {
		const counters = this.#counters;
		if (payload.length < PKTHDR_LENGTH) {
			counters.malformed++;
			return;
		}
		const caplen = readUint32BE(payload, PKTHDR_CAPLEN_OFFSET);
		// The CVE-2026-18238 bound: caplen must fit in plen − 20.
		if (caplen > payload.length - PKTHDR_LENGTH || caplen > this.#snaplen) {
			counters.malformed++;
			return;
		}
		const npkt = readUint32BE(payload, PKTHDR_NPKT_OFFSET);
		const gap = (npkt - this.#nextNpkt) >>> 0;
		if (gap !== 0 && gap < HALF_RANGE) counters.lostRecords += gap;
		this.#nextNpkt = (npkt + 1) >>> 0;
		counters.packets++;
		counters.bytes += caplen;
		this.onRecord(
			readUint32BE(payload, PKTHDR_TS_SEC_OFFSET),
			readUint32BE(payload, PKTHDR_TS_USEC_OFFSET),
			caplen,
			readUint32BE(payload, PKTHDR_LEN_OFFSET),
			npkt,
			payload.subarray(PKTHDR_LENGTH, PKTHDR_LENGTH + caplen),
		);
	}
}
