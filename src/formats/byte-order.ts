// Byte-order choice for writers and allocation-free integer stores into a Uint8Array.

/** Writers default to little-endian: the native order of x86-64 and arm64 hosts, and what tcpdump writes there. */
export type ByteOrder = "little" | "big";

export function putU16(bytes: Uint8Array, at: number, value: number, littleEndian: boolean): void {
	if (littleEndian) {
		bytes[at] = value;
		bytes[at + 1] = value >>> 8;
	} else {
		bytes[at] = value >>> 8;
		bytes[at + 1] = value;
	}
}

export function putU32(bytes: Uint8Array, at: number, value: number, littleEndian: boolean): void {
	if (littleEndian) {
		bytes[at] = value;
		bytes[at + 1] = value >>> 8;
		bytes[at + 2] = value >>> 16;
		bytes[at + 3] = value >>> 24;
	} else {
		bytes[at] = value >>> 24;
		bytes[at + 1] = value >>> 16;
		bytes[at + 2] = value >>> 8;
		bytes[at + 3] = value;
	}
}
