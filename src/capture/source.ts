// The capture interfaces every backend implements (live libpcap, file replay, scripted fakes in tests).

import type { Device } from "../../ffi/device-list.ts";

export type { Device, DeviceAddress, SockAddr } from "../../ffi/device-list.ts";

/** A capture failed; the message is fit to send to a client as is (often libpcap's own text). */
export class CaptureError extends Error {
	override readonly name = "CaptureError";
}

export interface CaptureOptions {
	/** Largest caplen emitted; longer packets are cut (and counted as truncated). */
	snaplen: number;
	promisc: boolean;
	/** Upper bound on how long the kernel may hold a packet before handing a batch over, in ms. */
	readTimeoutMs: number;
	/** Kernel buffer size in bytes; 0 keeps the library default. */
	bufferSize: number;
	immediate: boolean;
	direction: "inout" | "in" | "out";
}

export interface Sampling {
	/** rpcap-protocol.md §9: 0 none, 1 one in every N packets, 2 first packet after N ms. */
	method: 0 | 1 | 2;
	value: number;
}

export interface CaptureCounters {
	/** Packets emitted in this capture (the last npkt); RPCAP's svrcapt. */
	emitted: number;
	/** Packets the source saw before sampling. */
	seen: number;
	sampledOut: number;
	/** Packets emitted shorter than on the wire (cut by the snaplen, in the kernel or here). */
	truncated: number;
}

export interface InterfaceStats {
	recv: number;
	drop: number;
	ifdrop: number;
}

export interface BatchSink {
	/**
	 * Back-to-back RPCAP PACKET messages (8-byte header + 20-byte rpcap_pkthdr + data, big-endian), npkt numbered
	 * from 1 per capture. The view is only valid during the call: copy what you keep.
	 */
	onBatch(records: Uint8Array, packets: number): void;
	/** The capture failed for good; the source has already stopped. */
	onError(error: CaptureError): void;
}

export interface CaptureSource {
	readonly linktype: number;
	/** Capture buffer size to report in STARTCAP_REPLY (0 when unknown). */
	readonly bufferSize: number;
	start(sink: BatchSink): void;
	/** Installs a host-order bpf_insn program (already validated); replaces the current one atomically. */
	setFilter(program: Uint8Array): void;
	setSampling(sampling: Sampling): void;
	counters(): CaptureCounters;
	/** Live interface counters; throws CaptureError when the backend cannot tell. */
	stats(): InterfaceStats;
	/** Emits what is still buffered, then releases the capture. */
	stop(): Promise<void>;
}

export interface CaptureBackend {
	/** Interfaces in the library's order; throws CaptureError when enumeration fails. */
	listDevices(): Device[];
	/** Opens and closes the device to check it can capture; returns its link type (DLT). */
	probe(device: string): number;
	open(device: string, options: CaptureOptions): CaptureSource;
	/** Compiles a filter expression for a link type into host-order bpf_insn bytes. */
	compile(linktype: number, snaplen: number, expression: string): Uint8Array;
}
