// Client→daemon request bytes for session tests, built with the protocol encoders (plus raw headers for hostile cases).

import {
	type BpfProgram,
	encodeAuthRequest,
	encodeEmptyMessage,
	encodeHeader,
	encodeMessage,
	encodeOpenRequest,
	encodeSetSamplingRequest,
	encodeStartcapRequest,
	encodeUpdateFilterRequest,
	MessageType,
	StartcapFlag,
} from "../../src/protocol/index.ts";

/** `ret #262144`: accept every packet whole. */
export const ACCEPT_ALL: BpfProgram = [{ code: 0x06, jt: 0, jf: 0, k: 262144 }];
/** `ret #0`: accept nothing. */
export const ACCEPT_NONE: BpfProgram = [{ code: 0x06, jt: 0, jf: 0, k: 0 }];
/** `udp and port 9`-ish for IPv4 Ethernet: ldh [12]; jeq #0x800; ldb [23]; jeq #17; ret #262144; ret #0. */
export const IPV4_UDP_ONLY: BpfProgram = [
	{ code: 0x28, jt: 0, jf: 0, k: 12 },
	{ code: 0x15, jt: 0, jf: 3, k: 0x800 },
	{ code: 0x30, jt: 0, jf: 0, k: 23 },
	{ code: 0x15, jt: 0, jf: 1, k: 17 },
	{ code: 0x06, jt: 0, jf: 0, k: 262144 },
	{ code: 0x06, jt: 0, jf: 0, k: 0 },
];

export interface StartcapInit {
	snaplen?: number;
	readTimeout?: number;
	flags?: number;
	portData?: number;
	program?: BpfProgram;
}

export const request = {
	nullAuth: (): Uint8Array => encodeAuthRequest({ type: "null" }),
	password: (username: string | Uint8Array, password: string | Uint8Array): Uint8Array =>
		encodeAuthRequest({ type: "password", username, password }),
	findAllIf: (): Uint8Array => encodeEmptyMessage(MessageType.FINDALLIF_REQ),
	open: (name: string | Uint8Array): Uint8Array => encodeOpenRequest(name),
	startcap: (init: StartcapInit = {}): Uint8Array =>
		encodeStartcapRequest({
			snaplen: init.snaplen ?? 65535,
			readTimeout: init.readTimeout ?? 500,
			flags: init.flags ?? 0,
			portData: init.portData ?? 0,
			program: init.program ?? ACCEPT_ALL,
		}),
	/** A server-opens (SERVEROPEN) or UDP (DGRAM) STARTCAP to the given client port. */
	startcapTo: (flags: number, portData: number, init: StartcapInit = {}): Uint8Array =>
		request.startcap({ ...init, flags, portData }),
	updateFilter: (program: BpfProgram): Uint8Array => encodeUpdateFilterRequest(program),
	setSampling: (method: number, value: number): Uint8Array => encodeSetSamplingRequest({ method, value }),
	stats: (): Uint8Array => encodeEmptyMessage(MessageType.STATS_REQ),
	endcap: (): Uint8Array => encodeEmptyMessage(MessageType.ENDCAP_REQ),
	close: (): Uint8Array => encodeEmptyMessage(MessageType.CLOSE),
	/** Any header and payload, for hostile inputs. */
	raw: (type: number, payload: Uint8Array = new Uint8Array(0), version = 0, value = 0): Uint8Array =>
		encodeMessage(type, value, payload, version),
	/** A header alone, announcing `plen` bytes that are not sent. */
	header: (type: number, plen: number, version = 0): Uint8Array =>
		encodeHeader({ version, type, value: 0, payloadLength: plen }),
	/** `count` bytes of junk (0xA5), e.g. a trailing payload. */
	junk: (count: number): Uint8Array => new Uint8Array(count).fill(0xa5),
};

export { StartcapFlag };

/** The §7.7 libpcap no-filter STARTCAP, all 28 bytes (plen 20, nitems 1, `ret #1500` outside plen). */
export function libpcapNoFilterStartcap(snaplen = 1500): Uint8Array {
	const bytes = new Uint8Array(36);
	const view = new DataView(bytes.buffer);
	view.setUint8(1, MessageType.STARTCAP_REQ);
	view.setUint32(4, 20);
	view.setUint32(8, snaplen);
	view.setUint32(12, 500);
	view.setUint16(20, 1);
	view.setUint32(24, 1);
	view.setUint16(28, 0x0006);
	view.setUint32(32, snaplen);
	return bytes;
}
