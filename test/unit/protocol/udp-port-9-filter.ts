// Fixture: `tcpdump -s 1500 -dd 'udp and port 9'` on EN10MB, the 20 instructions of the Appendix B STARTCAP.

import type { BpfInstruction } from "../../../src/protocol/index.ts";

// libpcap's client compiles with the handle's snaplen (1500), hence `ret #1500`; plain `tcpdump -dd` prints
// the same program with tcpdump's default snaplen 262144 in instruction 18.
export const UDP_PORT_9_FILTER: BpfInstruction[] = [
	[0x28, 0, 0, 0x0000000c],
	[0x15, 0, 9, 0x00000800],
	[0x30, 0, 0, 0x00000017],
	[0x15, 0, 15, 0x00000011],
	[0x28, 0, 0, 0x00000014],
	[0x45, 13, 0, 0x00001fff],
	[0xb1, 0, 0, 0x0000000e],
	[0x48, 0, 0, 0x0000000e],
	[0x15, 9, 0, 0x00000009],
	[0x48, 0, 0, 0x00000010],
	[0x15, 7, 8, 0x00000009],
	[0x15, 0, 7, 0x000086dd],
	[0x30, 0, 0, 0x00000014],
	[0x15, 0, 5, 0x00000011],
	[0x28, 0, 0, 0x00000036],
	[0x15, 2, 0, 0x00000009],
	[0x28, 0, 0, 0x00000038],
	[0x15, 0, 1, 0x00000009],
	[0x6, 0, 0, 0x000005dc],
	[0x6, 0, 0, 0x00000000],
].map(([code, jt, jf, k]) => ({ code: code!, jt: jt!, jf: jf!, k: k! }));
