// UDP data receiver: udpstr (type 110) and classic PACKET (type 7) datagrams from the sensor, gaps counted.

import { ClassicUdpReceiver, type PacketRecordHandler, UdpstrReceiver } from "../../protocol/index.ts";
import { normalizeAddress } from "../control/addresses.ts";
import type { PacketReceiver, ReceiverCounters } from "./packet-receiver.ts";

export type UdpFraming = "classic" | "udpstr";

export interface UdpDataReceiverOptions {
	snaplen: number;
	/** Only datagrams from this address are taken (the control connection's peer). */
	sensorAddress: string;
	onRecord: PacketRecordHandler;
	/** Called once, with the framing of the first valid datagram. */
	onFraming?: (framing: UdpFraming) => void;
}

/**
 * The sensor decides the framing (udpstr cannot be negotiated, extrahop-udpstr.md §8.1), so every datagram is
 * dispatched on its type byte: the udpstr receiver hands type 7 to the classic one.
 */
export class UdpDataReceiver implements PacketReceiver {
	readonly #udpstr: UdpstrReceiver;
	readonly #classic: ClassicUdpReceiver;
	readonly #sensorAddress: string;
	#foreign = 0;
	#framing: UdpFraming | null = null;

	constructor(private readonly options: UdpDataReceiverOptions) {
		this.#sensorAddress = normalizeAddress(options.sensorAddress);
		this.#classic = new ClassicUdpReceiver({ snaplen: options.snaplen, onRecord: options.onRecord });
		this.#udpstr = new UdpstrReceiver({
			snaplen: options.snaplen,
			onRecord: options.onRecord,
			onClassicPacket: (datagram) => this.#classic.receive(datagram),
		});
	}

	get framing(): UdpFraming | null {
		return this.#framing;
	}

	/** One datagram from `address`. */
	receive(datagram: Uint8Array, address: string): void {
		if (address !== this.#sensorAddress && normalizeAddress(address) !== this.#sensorAddress) {
			this.#foreign++;
			return;
		}
		const outcome = this.#udpstr.receive(datagram);
		if (this.#framing === null && outcome !== "malformed") {
			this.#framing = outcome === "classic" ? "classic" : "udpstr";
			this.options.onFraming?.(this.#framing);
		}
	}

	counters(): ReceiverCounters {
		const s = this.#udpstr.counters;
		const c = this.#classic.counters;
		return {
			packets: s.recordsEmitted + c.recordsEmitted,
			bytes: s.recordBytes + c.recordBytes,
			lostRecords: s.lostRecords + c.lostRecords,
			lostDatagrams: s.lostDatagrams,
			lateDatagrams: s.lateDatagrams + c.lateDatagrams,
			malformed: s.malformedDatagrams + c.malformedDatagrams,
			foreignDatagrams: this.#foreign,
		};
	}

	finish(): void {
		this.#udpstr.end();
	}
}
