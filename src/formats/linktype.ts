// Maps the DLT value a capture device reports (RPCAP OPEN_REPLY) to the LINKTYPE value written in files.

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IEEE802_11_RADIOTAP = 127;
export const LINKTYPE_LINUX_SLL2 = 276;

// libpcap pcap-common.c dlt_to_linktype(). RPCAP sends the sensor's DLT as its own libpcap defines it, and we
// do not know the sensor's OS, so the table takes each platform's spelling of the few DLTs whose value differs
// between platforms (pcap/dlt.h): DLT_ATM_RFC1483 11, DLT_RAW 12 (14 on OpenBSD), DLT_SLIP_BSDOS 15,
// DLT_PPP_BSDOS 16, DLT_PFSYNC 18 (OpenBSD, NetBSD, macOS), DLT_ATM_CLIP 19. 13 is left alone: it is
// DLT_SLIP_BSDOS on NetBSD/FreeBSD but DLT_ENC on OpenBSD. 0-10, 50, 51, 99 and the 104+ "matching range"
// are identical in both numberings.
const DLT_TO_LINKTYPE: ReadonlyMap<number, number> = new Map([
	[11, 100],
	[12, LINKTYPE_RAW],
	[14, LINKTYPE_RAW],
	[15, 102],
	[16, 103],
	[18, 246],
	[19, 106],
]);

/** LINKTYPE value for a DLT value; values with no special mapping are returned unchanged. */
export function dltToLinktype(dlt: number): number {
	return DLT_TO_LINKTYPE.get(dlt) ?? dlt;
}
