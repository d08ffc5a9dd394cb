// pcap_findalldevs through the struct walker: every interface with its addresses, in libpcap's order.

import type { Pointer } from "bun:ffi";
import { type Device, readDeviceList } from "./device-list.ts";
import { errbufText, loadLibpcap, PCAP_ERRBUF_SIZE } from "./libpcap.ts";
import type { Platform } from "./library-path.ts";
import { nativeMemory } from "./memory.ts";
import { PcapError } from "./pcap-handle.ts";
import { layoutsFor } from "./structs.ts";

export function findAllDevices(platform: Platform = process.platform as Platform): Device[] {
	const pcap = loadLibpcap(platform).symbols;
	const headOut = new BigUint64Array(1);
	const errbuf = new Uint8Array(PCAP_ERRBUF_SIZE);
	if (pcap.pcap_findalldevs(headOut, errbuf) !== 0)
		throw new PcapError(errbufText(errbuf) || "pcap_findalldevs failed");
	const head = Number(headOut[0]);
	if (head === 0) return [];
	try {
		return readDeviceList(nativeMemory, head, layoutsFor(platform));
	} finally {
		pcap.pcap_freealldevs(head as Pointer);
	}
}
