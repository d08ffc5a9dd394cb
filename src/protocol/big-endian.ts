// Network-order reads straight from bytes: no DataView per packet on the hot paths.

/** The big-endian u32 at `at`; the caller guarantees four bytes are there. */
export function readUint32BE(bytes: Uint8Array, at: number): number {
	return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}
