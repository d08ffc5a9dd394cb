// Test support: deterministic and random packets to feed the writers.

import fc from "fast-check";

export interface SamplePacket {
	interfaceIndex: number;
	tsSec: number;
	tsUsec: number;
	len: number;
	data: Uint8Array;
}

/** Packets with lengths that exercise every padding remainder, empty data and full-size frames. */
export function samplePackets(count: number, interfaceCount = 1): SamplePacket[] {
	const sizes = [0, 1, 2, 3, 4, 5, 6, 7, 42, 60, 61, 1514, 9000];
	const packets: SamplePacket[] = [];
	for (let i = 0; i < count; i++) {
		const size = sizes[i % sizes.length]!;
		const data = new Uint8Array(size);
		for (let j = 0; j < size; j++) data[j] = (i * 31 + j * 7) & 0xff;
		packets.push({
			interfaceIndex: i % interfaceCount,
			tsSec: 1_700_000_000 + i * 3,
			tsUsec: (i * 123_457) % 1_000_000,
			len: size + (i % 3) * 100,
			data,
		});
	}
	return packets;
}

export const packetArbitrary = (interfaceCount: number): fc.Arbitrary<SamplePacket> =>
	fc.record({
		interfaceIndex: fc.nat({ max: interfaceCount - 1 }),
		tsSec: fc.nat({ max: 0xffffffff }),
		tsUsec: fc.nat({ max: 999_999 }),
		len: fc.nat({ max: 0xffffffff }),
		data: fc.uint8Array({ maxLength: 300 }),
	});
