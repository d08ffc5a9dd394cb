// Wire constants of ExtraHop's udpstr data format (extrahop-udpstr.md §2, §3, §8.2)

/** `RPCAP_MSG_PACKET`: one classic packet message (rpcap-protocol.md §11.3). */
export const DATA_MSG_TYPE_PACKET = 7;
/** `RPCAP_MSG_UDPSTR_PACKET`: one udpstr datagram (extrahop-udpstr.md §2.1). */
export const DATA_MSG_TYPE_UDPSTR = 110;

/** `struct rpcap_udpstr_header`: ver, type, firsthdridx (u16), seqno (u32). */
export const UDPSTR_HEADER_LENGTH = 8;
/** `UDPSTR_FIRSTHDR_NONE`: no record begins in the datagram. */
export const UDPSTR_FIRSTHDR_NONE = 0xffff;

/** Valid datagram sizes M (UDP payload, udpstr header included), extrahop-udpstr.md §8.2. */
export const UDPSTR_MIN_DATAGRAM_SIZE = 64;
export const UDPSTR_MAX_DATAGRAM_SIZE = 65000;
/** 1500 − 20 (IPv4) − 8 (UDP) and 1500 − 40 (IPv6) − 8 (UDP). */
export const UDPSTR_DEFAULT_DATAGRAM_SIZE_IPV4 = 1472;
export const UDPSTR_DEFAULT_DATAGRAM_SIZE_IPV6 = 1452;
/** T = M − 28: the udpstr header plus one `rpcap_pkthdr` (extrahop-udpstr.md §3.1). */
export const UDPSTR_THRESHOLD_MARGIN = 28;

/** Record starts per datagram: the fork's single-threaded guard (default) and multi-threaded vector (§3.2). */
export const UDPSTR_SINGLE_THREAD_MAX_RECORD_STARTS = 15;
export const UDPSTR_MULTI_THREAD_MAX_RECORD_STARTS = 31;

/** IP + UDP header bytes per datagram, for wire-size accounting. */
export const IPV4_UDP_OVERHEAD = 28;
export const IPV6_UDP_OVERHEAD = 48;

/** Age-based flush of a pending datagram (extrahop-udpstr.md §4, §8.2): default and allowed range, ms. */
export const UDPSTR_DEFAULT_FLUSH_MS = 20;
export const UDPSTR_MIN_FLUSH_MS = 1;
export const UDPSTR_MAX_FLUSH_MS = 1000;
