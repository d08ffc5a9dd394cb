// Classic UDP data channel: one PACKET message per datagram, cut to the family's maximum UDP payload (§11.3).

import { readUint32BE } from "../../protocol/big-endian.ts";
import { HEADER_SIZE } from "../../protocol/header.ts";
import { PKTHDR_CAPLEN_OFFSET, PKTHDR_LENGTH } from "../../protocol/pkthdr.ts";
import { UdpSenderBase, type UdpSenderOptions } from "./udp-sender-base.ts";
import type { DatagramTransport } from "./udp-transport.ts";

const MESSAGE_OVERHEAD = HEADER_SIZE + PKTHDR_LENGTH;

/** Largest UDP payload: 65535 − 20 (IPv4 header) − 8, and 65535 − 8 for IPv6 (the payload length excludes its header). */
export const MAX_UDP_PAYLOAD_IPV4 = 65507;
export const MAX_UDP_PAYLOAD_IPV6 = 65527;

/** The largest caplen that fits one datagram: 65479 (IPv4) or 65499 (IPv6), rpcap-protocol.md §11.3. */
export function maxClassicCaplen(family: 4 | 6): number {
	return (family === 6 ? MAX_UDP_PAYLOAD_IPV6 : MAX_UDP_PAYLOAD_IPV4) - MESSAGE_OVERHEAD;
}

export class ClassicUdpSender extends UdpSenderBase {
	readonly transport = "udp" as const;
	private readonly maxPayload: number;
	/** Reused across batches: sendMany takes a list, the entries are views into the batch. */
	private readonly datagrams: Uint8Array[] = [];

	constructor(socket: DatagramTransport, options: UdpSenderOptions = {}) {
		super(socket, options);
		this.maxPayload = socket.family === 6 ? MAX_UDP_PAYLOAD_IPV6 : MAX_UDP_PAYLOAD_IPV4;
	}

	sendBatch(records: Uint8Array, packets: number): void {
		if (packets <= 0 || records.length === 0) return;
		if (this.state !== "open") {
			this.counts.packetsDropped += packets;
			return;
		}
		const datagrams = this.datagrams;
		datagrams.length = 0;
		let offset = 0;
		while (offset + MESSAGE_OVERHEAD <= records.length) {
			const end = offset + HEADER_SIZE + readUint32BE(records, offset + 4);
			if (end > records.length) break;
			datagrams.push(
				end - offset > this.maxPayload ? this.truncated(records, offset) : records.subarray(offset, end),
			);
			offset = end;
		}
		// A malformed batch is the caller's bug; what could not be framed is still counted.
		if (datagrams.length < packets) {
			this.logger?.error("Malformed PACKET batch", { offset, packets, framed: datagrams.length });
			this.counts.packetsDropped += packets - datagrams.length;
		}
		this.queue.send(datagrams);
		datagrams.length = 0;
	}

	protected datagramSent(datagram: Uint8Array): void {
		this.counts.packetsSent++;
		this.counts.datagramsSent++;
		this.counts.bytesSent += datagram.length;
	}

	protected datagramDropped(_datagram: Uint8Array): void {
		this.counts.packetsDropped++;
		this.counts.datagramsDropped++;
	}

	/** K6: a copy cut to the maximum payload, caplen and plen fixed, `len` kept. */
	private truncated(records: Uint8Array, offset: number): Uint8Array {
		const copy = records.slice(offset, offset + this.maxPayload);
		const copyView = new DataView(copy.buffer);
		const caplen = this.maxPayload - MESSAGE_OVERHEAD;
		copyView.setUint32(4, PKTHDR_LENGTH + caplen);
		copyView.setUint32(HEADER_SIZE + PKTHDR_CAPLEN_OFFSET, caplen);
		this.counts.packetsTruncated++;
		return copy;
	}
}
