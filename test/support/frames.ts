// Deterministic Ethernet/IPv4/UDP test frames (addresses only ever used inside test namespaces).

export interface FrameSpec {
	/** Total frame length in bytes, 42..9000 (Ethernet 14 + IPv4 20 + UDP 8 + payload). */
	size: number;
	srcPort?: number;
	dstPort?: number;
	/** Seeds the payload so every frame of a run is distinct and checkable. */
	seed: number;
}

const SRC_MAC = [0x02, 0x00, 0x00, 0x00, 0x77, 0x01];
const DST_MAC = [0x02, 0x00, 0x00, 0x00, 0x77, 0x02];
const SRC_IP = [10, 77, 0, 1];
const DST_IP = [10, 77, 0, 2];

function checksum(bytes: Uint8Array, start: number, end: number): number {
	let sum = 0;
	for (let i = start; i < end; i += 2) sum += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
	while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
	return ~sum & 0xffff;
}

export function udpFrame(spec: FrameSpec): Uint8Array {
	const size = Math.max(42, spec.size);
	const frame = new Uint8Array(size);
	const view = new DataView(frame.buffer);
	frame.set(DST_MAC, 0);
	frame.set(SRC_MAC, 6);
	view.setUint16(12, 0x0800);
	const ipLength = size - 14;
	frame[14] = 0x45;
	view.setUint16(16, ipLength);
	view.setUint16(18, spec.seed & 0xffff);
	frame[22] = 64;
	frame[23] = 17;
	frame.set(SRC_IP, 26);
	frame.set(DST_IP, 30);
	view.setUint16(24, checksum(frame, 14, 34));
	view.setUint16(34, spec.srcPort ?? 40000);
	view.setUint16(36, spec.dstPort ?? 9);
	view.setUint16(38, ipLength - 20);
	let x = (spec.seed * 2654435761) >>> 0;
	for (let i = 42; i < size; i++) {
		x = (x * 1103515245 + 12345) >>> 0;
		frame[i] = x >>> 24;
	}
	// The first payload bytes carry the seed so a frame can be identified in a capture.
	if (size >= 46) view.setUint32(42, spec.seed >>> 0);
	return frame;
}

export function udpFrames(
	count: number,
	size: number | ((i: number) => number),
	dstPort = 9,
	firstSeed = 1,
): Uint8Array[] {
	return Array.from({ length: count }, (_, i) =>
		udpFrame({ size: typeof size === "number" ? size : size(i), dstPort, seed: firstSeed + i }),
	);
}
