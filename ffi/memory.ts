// Reads native memory behind one small interface, so struct walkers can be tested against fake memory on any platform.

import { CString, type Pointer, read } from "bun:ffi";

/** Addresses are plain numbers (bun:ffi pointers); 0 is NULL. */
export interface MemoryReader {
	u8(address: number): number;
	u16(address: number): number;
	u32(address: number): number;
	u64(address: number): number;
	pointer(address: number): number;
	cstring(address: number): string;
	bytes(address: number, length: number): Uint8Array;
}

/** Host-order reads of process memory through bun:ffi's `read` (never `toArrayBuffer`, see design.md). */
export const nativeMemory: MemoryReader = {
	u8: (address) => read.u8(address as Pointer, 0),
	u16: (address) => read.u16(address as Pointer, 0),
	u32: (address) => read.u32(address as Pointer, 0),
	u64: (address) => Number(read.u64(address as Pointer, 0)),
	pointer: (address) => Number(read.ptr(address as Pointer, 0)),
	cstring: (address) => new CString(address as Pointer).toString(),
	bytes: (address, length) => {
		const out = new Uint8Array(length);
		for (let i = 0; i < length; i++) out[i] = read.u8(address as Pointer, i);
		return out;
	},
};
