// pcapng sink: one section, one Interface Description Block per sensor/interface, so one file holds many sensors.

import { PcapngWriter } from "../../formats/index.ts";
import type { ByteOutput } from "./byte-output.ts";
import { type EncodedOutput, FormatSink, type FormatSinkOptions } from "./format-sink.ts";
import type { StreamInfo } from "./sink.ts";

/** The if_name of a stream: sensor and interface, e.g. "10.0.0.5/eth0". */
export function pcapngInterfaceName(info: StreamInfo): string {
	return `${info.sensor}/${info.iface}`;
}

export class PcapngSink extends FormatSink {
	#writer: PcapngWriter | null = null;

	constructor(openOutput: () => ByteOutput, options: FormatSinkOptions = {}) {
		super(openOutput, options);
	}

	protected createEncoder(_first: StreamInfo): EncodedOutput {
		this.#writer = new PcapngWriter({
			userAppl: "rpcapd collect",
			...(this.chunkSize === undefined ? {} : { chunkSize: this.chunkSize }),
		});
		return this.#writer;
	}

	protected registerStream(info: StreamInfo): number {
		const description = info.description
			? `${info.description} (sensor ${info.sensor})`
			: `${info.iface} on sensor ${info.sensor}`;
		return this.#writer!.addInterface({
			linktype: info.linktype,
			name: pcapngInterfaceName(info),
			description,
			snaplen: info.snaplen,
			...(info.filter ? { filter: info.filter } : {}),
		});
	}

	protected writeRecord(id: number, tsSec: number, tsUsec: number, len: number, data: Uint8Array): void {
		this.#writer!.writePacket(id, tsSec, tsUsec, len, data);
	}
}
