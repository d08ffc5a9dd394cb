// Test support: rewrites a capture the way a network and a lossy capture would — reorders, duplicates and
// drops TCP segments (seeded, so runs repeat) — optionally re-encoding it as pcapng with Linux SLL2 headers.

import { PcapngWriter, PcapWriter, readCapture } from "../../../../src/formats/index.ts";

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_LINUX_SLL2 = 276;

/** What the rewriter knows of a packet (parsed here independently of the code under test). */
export interface PacketFacts {
	/** Index in the input. */
	index: number;
	srcPort: number;
	dstPort: number;
	payloadLength: number;
	/** "srcAddr:srcPort>dstAddr:dstPort". */
	direction: string;
	/** Ordinal among the data-carrying packets of the same direction, from 0 (-1 without payload). */
	dataIndex: number;
}

export interface RewriteOptions {
	seed: number;
	/** Data packets of one direction are shuffled within windows of this many (1: no reordering). */
	reorderWindow?: number;
	/** Share of data packets sent twice (the copy comes 1-3 packets later). */
	duplicateRate?: number;
	/** Packets to leave out. */
	drop?: (facts: PacketFacts) => boolean;
	/** Re-encode as pcapng with SLL2 link-layer headers instead of pcap/Ethernet. */
	asPcapngSll2?: boolean;
}

interface Packet {
	tsSec: number;
	tsUsec: number;
	data: Uint8Array;
	facts: PacketFacts;
}

/** Mulberry32: a tiny seeded generator. */
function random(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export function packetFacts(frame: Uint8Array, index: number, counters: Map<string, number>): PacketFacts {
	const etherType = (frame[12]! << 8) | frame[13]!;
	const ip = 14;
	let tcp: number;
	let end: number;
	let src: string;
	let dst: string;
	if (etherType === 0x0800) {
		tcp = ip + (frame[ip]! & 0x0f) * 4;
		end = ip + ((frame[ip + 2]! << 8) | frame[ip + 3]!);
		src = frame.subarray(ip + 12, ip + 16).join(".");
		dst = frame.subarray(ip + 16, ip + 20).join(".");
	} else {
		tcp = ip + 40;
		end = ip + 40 + ((frame[ip + 4]! << 8) | frame[ip + 5]!);
		src = Buffer.from(frame.subarray(ip + 8, ip + 24)).toString("hex");
		dst = Buffer.from(frame.subarray(ip + 24, ip + 40)).toString("hex");
	}
	const srcPort = (frame[tcp]! << 8) | frame[tcp + 1]!;
	const dstPort = (frame[tcp + 2]! << 8) | frame[tcp + 3]!;
	const payloadLength = end - (tcp + (frame[tcp + 12]! >> 4) * 4);
	const direction = `${src}:${srcPort}>${dst}:${dstPort}`;
	let dataIndex = -1;
	if (payloadLength > 0) {
		dataIndex = counters.get(direction) ?? 0;
		counters.set(direction, dataIndex + 1);
	}
	return { index, srcPort, dstPort, payloadLength, direction, dataIndex };
}

/** The facts of every packet of an Ethernet capture. */
export function describeCapture(bytes: Uint8Array): PacketFacts[] {
	const counters = new Map<string, number>();
	return readCapture(bytes).records.map((r, i) => packetFacts(r.data, i, counters));
}

export function rewriteCapture(bytes: Uint8Array, options: RewriteOptions): Uint8Array {
	const capture = readCapture(bytes);
	const next = random(options.seed);
	const counters = new Map<string, number>();
	let packets: Packet[] = capture.records.map((r, i) => ({
		tsSec: r.tsSec,
		tsUsec: r.tsUsec,
		data: r.data.slice(),
		facts: packetFacts(r.data, i, counters),
	}));
	packets = packets.filter((p) => !options.drop?.(p.facts));
	const window = options.reorderWindow ?? 1;
	if (window > 1) {
		const byDirection = new Map<string, number[]>();
		packets.forEach((p, position) => {
			if (p.facts.payloadLength === 0) return;
			const positions = byDirection.get(p.facts.direction) ?? [];
			positions.push(position);
			byDirection.set(p.facts.direction, positions);
		});
		const reordered = [...packets];
		for (const positions of byDirection.values()) {
			for (let start = 0; start < positions.length; start += window) {
				const slots = positions.slice(start, start + window);
				const moved = slots.map((slot) => packets[slot]!);
				for (let i = moved.length - 1; i > 0; i--) {
					const j = Math.floor(next() * (i + 1));
					[moved[i], moved[j]] = [moved[j]!, moved[i]!];
				}
				slots.forEach((slot, i) => {
					reordered[slot] = moved[i]!;
				});
			}
		}
		packets = reordered;
	}
	const rate = options.duplicateRate ?? 0;
	if (rate > 0) {
		const withCopies: Packet[] = [];
		const pending: { at: number; packet: Packet }[] = [];
		packets.forEach((p, i) => {
			withCopies.push(p);
			for (const copy of pending.filter((c) => c.at === i)) withCopies.push(copy.packet);
			if (p.facts.payloadLength > 0 && next() < rate)
				pending.push({ at: i + 1 + Math.floor(next() * 3), packet: p });
		});
		for (const copy of pending.filter((c) => c.at >= packets.length)) withCopies.push(copy.packet);
		packets = withCopies;
	}
	return options.asPcapngSll2
		? encodePcapngSll2(packets)
		: encodePcap(packets, capture.interfaces[0]?.linktype ?? LINKTYPE_ETHERNET);
}

function encodePcap(packets: Packet[], linktype: number): Uint8Array {
	const writer = new PcapWriter({ linktype });
	for (const p of packets) writer.writePacket(p.tsSec, p.tsUsec, p.data.length, p.data);
	return Buffer.concat(writer.takeChunks());
}

function encodePcapngSll2(packets: Packet[]): Uint8Array {
	const writer = new PcapngWriter();
	const id = writer.addInterface({ linktype: LINKTYPE_LINUX_SLL2, name: "any" });
	for (const p of packets) {
		const sll2 = new Uint8Array(20 + p.data.length - 14);
		sll2[0] = p.data[12]!; // protocol: the EtherType
		sll2[1] = p.data[13]!;
		sll2[7] = 1; // ifindex 1 (lo)
		sll2[8] = 0x03; // ARPHRD_LOOPBACK (772)
		sll2[9] = 0x04;
		sll2[11] = 6;
		sll2.set(p.data.subarray(14), 20);
		writer.writePacket(id, p.tsSec, p.tsUsec, sll2.length, sll2);
	}
	return Buffer.concat(writer.takeChunks());
}
