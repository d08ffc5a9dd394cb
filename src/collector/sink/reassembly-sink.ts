// A sink that also feeds every packet to TCP/HTTP reassembly (`collect --http/--streams`), then passes it on.

import { ReassemblyPipeline, type ReassemblyPipelineOptions } from "../../reassembly/index.ts";
import type { Sink, SinkStats, StreamInfo } from "./sink.ts";

export class ReassemblySink implements Sink {
	readonly pipeline: ReassemblyPipeline;
	readonly #linktypes = new Map<number, number>();

	constructor(
		private readonly inner: Sink,
		options: ReassemblyPipelineOptions,
	) {
		this.pipeline = new ReassemblyPipeline(options);
	}

	addStream(info: StreamInfo): number {
		const id = this.inner.addStream(info);
		this.#linktypes.set(id, info.linktype);
		return id;
	}

	write(streamId: number, tsSec: number, tsUsec: number, len: number, data: Uint8Array): void {
		this.inner.write(streamId, tsSec, tsUsec, len, data);
		const linktype = this.#linktypes.get(streamId);
		if (linktype !== undefined) this.pipeline.push(linktype, tsSec, tsUsec, data);
	}

	/** Called about once a second by the collector: flow timeouts run and finished exchanges are written. */
	flush(): Promise<void> {
		this.pipeline.tickLive();
		return this.inner.flush();
	}

	async close(): Promise<void> {
		this.pipeline.close();
		await this.inner.close();
	}

	stats(): SinkStats {
		return this.inner.stats();
	}

	fileOf(streamId: number): string | null {
		return this.inner.fileOf(streamId);
	}
}
