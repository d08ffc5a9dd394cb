// Streaming pcapng writer: one section, interfaces added at any time, packets as Enhanced Packet Blocks.

import type { ByteOrder } from "./byte-order.ts";
import { ChunkedOutput } from "./chunked-output.ts";
import { UnknownInterfaceError } from "./errors.ts";
import {
	encodeInterfaceDescriptionBlock,
	encodeSectionHeaderBlock,
	enhancedPacketBlockSize,
	type InterfaceDescription,
	type SectionHeaderOptions,
	writeEnhancedPacketBlock,
} from "./pcapng-blocks.ts";

export interface PcapngWriterOptions extends SectionHeaderOptions {
	/** Size of the output chunks handed out by takeChunks (a block larger than this gets its own chunk). */
	chunkSize?: number;
}

export class PcapngWriter {
	readonly #out: ChunkedOutput;
	readonly #byteOrder: ByteOrder;
	readonly #littleEndian: boolean;
	readonly #interfaces: InterfaceDescription[] = [];
	#packetCount = 0;

	constructor(options: PcapngWriterOptions = {}) {
		this.#out = new ChunkedOutput(options.chunkSize);
		this.#byteOrder = options.byteOrder ?? "little";
		this.#littleEndian = this.#byteOrder === "little";
		this.#append(encodeSectionHeaderBlock(options));
	}

	/**
	 * Emits an Interface Description Block now (so it precedes every packet that uses it) and returns the
	 * interface id to pass to writePacket. Ids count up from 0 in the order interfaces are added.
	 */
	addInterface(iface: InterfaceDescription): number {
		this.#append(encodeInterfaceDescriptionBlock(iface, this.#byteOrder));
		this.#interfaces.push({ ...iface });
		return this.#interfaces.length - 1;
	}

	get interfaces(): readonly InterfaceDescription[] {
		return this.#interfaces;
	}

	/**
	 * Appends an EPB; caplen is `data.length`. The timestamp is seconds + microseconds as received; as pcapng
	 * stores one 64-bit microsecond count, a tsUsec of 10^6 or more carries into the seconds.
	 */
	writePacket(interfaceId: number, tsSec: number, tsUsec: number, len: number, data: Uint8Array): void {
		if (!(interfaceId >= 0 && interfaceId < this.#interfaces.length)) {
			throw new UnknownInterfaceError(interfaceId, this.#interfaces.length);
		}
		const at = this.#out.reserve(enhancedPacketBlockSize(data.length));
		writeEnhancedPacketBlock(this.#out.bytes, at, interfaceId, tsSec, tsUsec, len, data, this.#littleEndian);
		this.#packetCount++;
	}

	get packetCount(): number {
		return this.#packetCount;
	}

	/** Bytes of file produced so far, taken or not. */
	get bytesWritten(): number {
		return this.#out.totalBytes;
	}

	get pendingBytes(): number {
		return this.#out.pendingBytes;
	}

	takeChunks(): Uint8Array[] {
		return this.#out.takeChunks();
	}

	#append(block: Uint8Array): void {
		const at = this.#out.reserve(block.length);
		this.#out.bytes.set(block, at);
	}
}
