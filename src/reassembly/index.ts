// Public API of src/reassembly: TCP stream reassembly from captured frames, and HTTP/1.x exchanges on top.

export { ReassemblerClosedError, ReassemblyOptionError } from "./errors.ts";
export { type Endpoint, endpointText } from "./flow-key.ts";
export { HttpAnalyzer, type HttpAnalyzerOptions } from "./http/http-analyzer.ts";
export {
	exchangeJson,
	type HttpExchange,
	type HttpInterimRecord,
	type HttpRequestRecord,
	type HttpResponseRecord,
	type Timestamp,
	timestampSeconds,
} from "./http/http-exchange.ts";
export type { HeaderList } from "./http/http-head.ts";
export type { HttpOutput, HttpStats } from "./http/http-output.ts";
export { ReassemblyPipeline, type ReassemblyPipelineOptions } from "./pipeline.ts";
export {
	DEFAULT_REASSEMBLER_OPTIONS,
	parseByteSize,
	type ReassemblerOptions,
	type ResolvedReassemblerOptions,
} from "./reassembler-options.ts";
export { AppendFiles, type AppendFilesOptions } from "./sinks/append-files.ts";
export { HttpFiles, type HttpFilesOptions } from "./sinks/http-files.ts";
export { type StreamFileState, StreamFiles } from "./sinks/stream-files.ts";
export type { ReassemblyStats } from "./stats.ts";
export {
	CLIENT_TO_SERVER,
	type Direction,
	type DirectionEnd,
	type FlowEndReason,
	type FlowInfo,
	SERVER_TO_CLIENT,
	type StreamListener,
} from "./stream-listener.ts";
export { StreamTee } from "./stream-tee.ts";
export { TcpReassembler } from "./tcp-reassembler.ts";
