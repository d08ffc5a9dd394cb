import { concatBytes } from "../../support/bytes.ts";
// Test support: builds TCP/IP frames for every supported link type, and scripted conversations of them.

export const LINK_ETHERNET = 1;
export const LINK_RAW = 101;
export const LINK_SLL = 113;
export const LINK_SLL2 = 276;
export const LINK_NULL = 0;

export interface SegmentSpec {
	src: string;
	dst: string;
	sport: number;
	dport: number;
	seq: number;
	ack?: number;
	/** Any of "S", "A", "F", "R", "P". */
	flags: string;
	payload?: Uint8Array | string;
	/** Payload bytes announced by the IP header beyond those included (a capture cut by the snapshot length). */
	cutBytes?: number;
}

export interface FrameOptions {
	linktype?: number;
	/** VLAN IDs, outermost first (Ethernet only). */
	vlans?: number[];
	/** Ethernet frames padded to this size (with the IP length telling the truth). */
	padTo?: number;
}

const encoder = new TextEncoder();

export function bytesOf(payload: Uint8Array | string | undefined): Uint8Array {
	if (payload === undefined) return new Uint8Array(0);
	return typeof payload === "string" ? encoder.encode(payload) : payload;
}

export function parseAddress(text: string): Uint8Array {
	if (!text.includes(":")) return new Uint8Array(text.split(".").map(Number));
	const [head = "", tail] = text.split("::");
	const headGroups = head === "" ? [] : head.split(":");
	const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
	const groups = [
		...headGroups,
		...new Array(8 - headGroups.length - tailGroups.length).fill("0"),
		...tailGroups,
	];
	const bytes = new Uint8Array(16);
	groups.forEach((g, i) => {
		const value = Number.parseInt(g, 16);
		bytes[i * 2] = value >> 8;
		bytes[i * 2 + 1] = value & 0xff;
	});
	return bytes;
}

function flagBits(flags: string): number {
	let bits = 0;
	if (flags.includes("F")) bits |= 0x01;
	if (flags.includes("S")) bits |= 0x02;
	if (flags.includes("R")) bits |= 0x04;
	if (flags.includes("P")) bits |= 0x08;
	if (flags.includes("A")) bits |= 0x10;
	return bits;
}

function tcpHeader(spec: SegmentSpec): Uint8Array {
	const header = new Uint8Array(20);
	const view = new DataView(header.buffer);
	view.setUint16(0, spec.sport);
	view.setUint16(2, spec.dport);
	view.setUint32(4, spec.seq >>> 0);
	view.setUint32(8, (spec.ack ?? 0) >>> 0);
	header[12] = 5 << 4;
	header[13] = flagBits(spec.flags);
	view.setUint16(14, 65535);
	return header;
}

/** The IP packet (IPv4 or IPv6 from the address syntax) carrying the segment. */
export function ipPacket(spec: SegmentSpec): Uint8Array {
	const payload = bytesOf(spec.payload);
	const tcp = tcpHeader(spec);
	const src = parseAddress(spec.src);
	const dst = parseAddress(spec.dst);
	const announced = tcp.length + payload.length + (spec.cutBytes ?? 0);
	if (src.length === 4) {
		const packet = new Uint8Array(20 + tcp.length + payload.length);
		const view = new DataView(packet.buffer);
		packet[0] = 0x45;
		view.setUint16(2, 20 + announced);
		packet[6] = 0x40; // DF
		packet[8] = 64;
		packet[9] = 6;
		packet.set(src, 12);
		packet.set(dst, 16);
		packet.set(tcp, 20);
		packet.set(payload, 40);
		return packet;
	}
	const packet = new Uint8Array(40 + tcp.length + payload.length);
	const view = new DataView(packet.buffer);
	packet[0] = 0x60;
	view.setUint16(4, announced);
	packet[6] = 6;
	packet[7] = 64;
	packet.set(src, 8);
	packet.set(dst, 24);
	packet.set(tcp, 40);
	packet.set(payload, 60);
	return packet;
}

export function frame(spec: SegmentSpec, options: FrameOptions = {}): Uint8Array {
	const ip = ipPacket(spec);
	const etherType = ip[0]! >> 4 === 4 ? 0x0800 : 0x86dd;
	const linktype = options.linktype ?? LINK_ETHERNET;
	if (linktype === LINK_RAW) return ip;
	if (linktype === LINK_NULL)
		return concatBytes(new Uint8Array([etherType === 0x0800 ? 2 : 10, 0, 0, 0]), ip);
	if (linktype === LINK_SLL) {
		const header = new Uint8Array(16);
		header[1] = 4; // sent by us
		header[3] = 1;
		header[5] = 6;
		header[14] = etherType >> 8;
		header[15] = etherType & 0xff;
		return concatBytes(header, ip);
	}
	if (linktype === LINK_SLL2) {
		const header = new Uint8Array(20);
		header[0] = etherType >> 8;
		header[1] = etherType & 0xff;
		header[9] = 1;
		header[11] = 6;
		return concatBytes(header, ip);
	}
	const parts: Uint8Array[] = [new Uint8Array([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1])];
	for (const vlan of options.vlans ?? []) parts.push(new Uint8Array([0x81, 0x00, vlan >> 8, vlan & 0xff]));
	parts.push(new Uint8Array([etherType >> 8, etherType & 0xff]), ip);
	const frameBytes = concatBytes(...parts);
	if (options.padTo !== undefined && frameBytes.length < options.padTo) {
		const padded = new Uint8Array(options.padTo);
		padded.set(frameBytes);
		padded.fill(0xee, frameBytes.length);
		return padded;
	}
	return frameBytes;
}

export interface ScriptedPacket {
	tsSec: number;
	tsUsec: number;
	data: Uint8Array;
	/** 0 when sent by the client. */
	direction: 0 | 1;
	payloadLength: number;
}

/** A TCP conversation written packet by packet, tracking both sides' sequence numbers. */
export class Conversation {
	readonly packets: ScriptedPacket[] = [];
	clientSeq: number;
	serverSeq: number;
	#time = 1_700_000_000_000_000;

	constructor(
		readonly client: { address: string; port: number },
		readonly server: { address: string; port: number },
		readonly options: FrameOptions & { clientIsn?: number; serverIsn?: number } = {},
	) {
		this.clientSeq = options.clientIsn ?? 1000;
		this.serverSeq = options.serverIsn ?? 5000;
	}

	handshake(): this {
		this.#emit(0, "S", this.clientSeq, 0, undefined);
		this.#emit(1, "SA", this.serverSeq, this.clientSeq + 1, undefined);
		this.clientSeq = (this.clientSeq + 1) >>> 0;
		this.serverSeq = (this.serverSeq + 1) >>> 0;
		this.#emit(0, "A", this.clientSeq, this.serverSeq, undefined);
		return this;
	}

	/** Sends `payload` from one side in segments of at most `mss` bytes. */
	send(direction: 0 | 1, payload: Uint8Array | string, mss = 1460): this {
		const bytes = bytesOf(payload);
		for (let at = 0; at < bytes.length; at += mss) {
			const piece = bytes.subarray(at, Math.min(bytes.length, at + mss));
			if (direction === 0) {
				this.#emit(0, "PA", this.clientSeq, this.serverSeq, piece);
				this.clientSeq = (this.clientSeq + piece.length) >>> 0;
			} else {
				this.#emit(1, "PA", this.serverSeq, this.clientSeq, piece);
				this.serverSeq = (this.serverSeq + piece.length) >>> 0;
			}
		}
		return this;
	}

	fin(direction: 0 | 1): this {
		if (direction === 0) {
			this.#emit(0, "FA", this.clientSeq, this.serverSeq, undefined);
			this.clientSeq = (this.clientSeq + 1) >>> 0;
		} else {
			this.#emit(1, "FA", this.serverSeq, this.clientSeq, undefined);
			this.serverSeq = (this.serverSeq + 1) >>> 0;
		}
		return this;
	}

	reset(direction: 0 | 1): this {
		const seq = direction === 0 ? this.clientSeq : this.serverSeq;
		this.#emit(direction, "R", seq, 0, undefined);
		return this;
	}

	ack(direction: 0 | 1): this {
		if (direction === 0) this.#emit(0, "A", this.clientSeq, this.serverSeq, undefined);
		else this.#emit(1, "A", this.serverSeq, this.clientSeq, undefined);
		return this;
	}

	/** Moves the clock (microseconds). */
	wait(microseconds: number): this {
		this.#time += microseconds;
		return this;
	}

	#emit(direction: 0 | 1, flags: string, seq: number, ack: number, payload: Uint8Array | undefined): void {
		const [a, b] = direction === 0 ? [this.client, this.server] : [this.server, this.client];
		const data = frame(
			{ src: a.address, dst: b.address, sport: a.port, dport: b.port, seq, ack, flags, payload },
			this.options,
		);
		this.#time += 100;
		this.packets.push({
			tsSec: Math.floor(this.#time / 1e6),
			tsUsec: this.#time % 1e6,
			data,
			direction,
			payloadLength: payload?.length ?? 0,
		});
	}
}
