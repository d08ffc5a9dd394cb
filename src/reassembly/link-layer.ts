// Finds the network-layer header in a link-layer frame: Ethernet (with VLAN tags), Linux SLL/SLL2, raw IP, BSD loopback.

const LINKTYPE_NULL = 0;
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_LOOP = 108;
const LINKTYPE_IPV4 = 228;
const LINKTYPE_IPV6 = 229;
const LINKTYPE_LINUX_SLL2 = 276;
// DLT_RAW as some platforms spell it in files written by old tools (pcap/dlt.h).
const DLT_RAW_BSD = 12;
const DLT_RAW_OPENBSD = 14;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_QINQ_OLD = 0x9100;
const MAX_VLAN_TAGS = 4;

/** Result slots of findNetworkLayer, reused between packets. */
export interface NetworkLayer {
	/** Offset of the IP header in the frame. */
	offset: number;
	/** ETHERTYPE_IPV4 or ETHERTYPE_IPV6; anything else means "not IP". */
	etherType: number;
}

/** Fills `out` and returns true when the frame carries IPv4 or IPv6 at a known offset. */
export function findNetworkLayer(linktype: number, frame: Uint8Array, out: NetworkLayer): boolean {
	switch (linktype) {
		case LINKTYPE_ETHERNET:
			return ethernet(frame, out);
		case LINKTYPE_RAW:
		case DLT_RAW_BSD:
		case DLT_RAW_OPENBSD:
			return rawIp(frame, 0, out);
		case LINKTYPE_IPV4:
		case LINKTYPE_IPV6:
			return rawIp(frame, 0, out);
		case LINKTYPE_LINUX_SLL:
			// 16-byte header, protocol (an EtherType) in its last two bytes.
			return frame.length >= 16 && etherPayload(16, (frame[14]! << 8) | frame[15]!, out);
		case LINKTYPE_LINUX_SLL2:
			// 20-byte header, protocol first.
			return frame.length >= 20 && etherPayload(20, (frame[0]! << 8) | frame[1]!, out);
		case LINKTYPE_NULL:
		case LINKTYPE_LOOP:
			// 4-byte address family in the capturing host's order (NULL) or network order (LOOP): the IP
			// version nibble decides, which avoids guessing the writer's byte order.
			return frame.length >= 4 && rawIp(frame, 4, out);
		default:
			return false;
	}
}

function ethernet(frame: Uint8Array, out: NetworkLayer): boolean {
	if (frame.length < 14) return false;
	let at = 12;
	let type = (frame[at]! << 8) | frame[at + 1]!;
	for (let tags = 0; isVlan(type) && tags < MAX_VLAN_TAGS; tags++) {
		at += 4;
		if (frame.length < at + 2) return false;
		type = (frame[at]! << 8) | frame[at + 1]!;
	}
	return etherPayload(at + 2, type, out);
}

function isVlan(type: number): boolean {
	return type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD;
}

function etherPayload(offset: number, type: number, out: NetworkLayer): boolean {
	if (type !== ETHERTYPE_IPV4 && type !== ETHERTYPE_IPV6) return false;
	out.offset = offset;
	out.etherType = type;
	return true;
}

function rawIp(frame: Uint8Array, offset: number, out: NetworkLayer): boolean {
	if (frame.length <= offset) return false;
	const version = frame[offset]! >> 4;
	if (version === 4) return etherPayload(offset, ETHERTYPE_IPV4, out);
	if (version === 6) return etherPayload(offset, ETHERTYPE_IPV6, out);
	return false;
}
