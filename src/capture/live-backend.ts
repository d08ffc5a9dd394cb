// The libpcap/Npcap capture backend: lists interfaces, probes and opens them, compiles filters.

import { findAllDevices } from "../../ffi/find-devices.ts";
import { PCAP_D, PcapHandle } from "../../ffi/pcap-handle.ts";
import { LiveCaptureSource } from "./live-source.ts";
import {
	type CaptureBackend,
	CaptureError,
	type CaptureOptions,
	type CaptureSource,
	type Device,
} from "./source.ts";

function asCaptureError(error: unknown): CaptureError {
	return error instanceof CaptureError
		? error
		: new CaptureError(error instanceof Error ? error.message : String(error));
}

const directions = { inout: PCAP_D.INOUT, in: PCAP_D.IN, out: PCAP_D.OUT } as const;

export class LiveCaptureBackend implements CaptureBackend {
	listDevices(): Device[] {
		try {
			return findAllDevices();
		} catch (error) {
			throw asCaptureError(error);
		}
	}

	probe(device: string): number {
		// The reference's trial open: pcap_open_live(name, 1500, 0, 1000), closed at once (rpcap-protocol.md §6.2).
		let handle: PcapHandle | undefined;
		try {
			handle = PcapHandle.open(device, {
				snaplen: 1500,
				promisc: false,
				timeoutMs: 1000,
				bufferSize: 0,
				immediate: false,
			});
			return handle.datalink();
		} catch (error) {
			throw asCaptureError(error);
		} finally {
			handle?.close();
		}
	}

	open(device: string, options: CaptureOptions): CaptureSource {
		let handle: PcapHandle | undefined;
		try {
			handle = PcapHandle.open(device, {
				snaplen: options.snaplen,
				promisc: options.promisc,
				timeoutMs: Math.max(1, options.readTimeoutMs),
				bufferSize: options.bufferSize,
				immediate: options.immediate,
			});
			if (options.direction !== "inout") handle.setDirection(directions[options.direction]);
			return new LiveCaptureSource(handle, options.snaplen, options.bufferSize);
		} catch (error) {
			handle?.close();
			throw asCaptureError(error);
		}
	}

	compile(linktype: number, snaplen: number, expression: string): Uint8Array {
		const compiler = PcapHandle.openDead(linktype, snaplen);
		try {
			return compiler.compile(expression);
		} catch (error) {
			throw asCaptureError(error);
		} finally {
			compiler.close();
		}
	}
}
