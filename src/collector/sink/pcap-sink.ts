// pcap sink: one classic libpcap file (or stream); every stream must share the file's link type.

import { PcapWriter } from "../../formats/index.ts";
import { SinkStreamError } from "../errors.ts";
import type { ByteOutput } from "./byte-output.ts";
import { type EncodedOutput, FormatSink, type FormatSinkOptions } from "./format-sink.ts";
import type { StreamInfo } from "./sink.ts";

export class PcapSink extends FormatSink {
	#writer: PcapWriter | null = null;
	#linktype = -1;
	#streams = 0;

	constructor(openOutput: () => ByteOutput, options: FormatSinkOptions = {}) {
		super(openOutput, options);
	}

	protected createEncoder(first: StreamInfo): EncodedOutput {
		this.#linktype = first.linktype;
		this.#writer = new PcapWriter({
			linktype: first.linktype,
			snaplen: first.snaplen,
			...(this.chunkSize === undefined ? {} : { chunkSize: this.chunkSize }),
		});
		return this.#writer;
	}

	protected registerStream(info: StreamInfo): number {
		if (info.linktype !== this.#linktype) {
			throw new SinkStreamError(
				`Cannot add ${info.sensor}/${info.iface} to a pcap file of link type ${this.#linktype}: its link type is ${info.linktype} (use --format pcapng or --split)`,
			);
		}
		return this.#streams++;
	}

	protected writeRecord(_id: number, tsSec: number, tsUsec: number, len: number, data: Uint8Array): void {
		this.#writer!.writePacket(tsSec, tsUsec, len, data);
	}
}
