// A little-endian byte arena that plays native memory for struct walkers, so both platform layouts are testable anywhere.

import type { MemoryReader } from "../../ffi/memory.ts";

export class FakeMemory implements MemoryReader {
	private readonly bytesArea = new Uint8Array(1 << 16);
	private readonly view = new DataView(this.bytesArea.buffer);
	private next = 16; // address 0 stays NULL

	alloc(size: number): number {
		const address = this.next;
		this.next += (size + 7) & ~7;
		return address;
	}

	putU8(address: number, value: number): void {
		this.view.setUint8(address, value);
	}
	putU16(address: number, value: number): void {
		this.view.setUint16(address, value, true);
	}
	putU32(address: number, value: number): void {
		this.view.setUint32(address, value, true);
	}
	putPointer(address: number, value: number): void {
		this.view.setBigUint64(address, BigInt(value), true);
	}
	putBytes(address: number, bytes: ArrayLike<number>): void {
		this.bytesArea.set(bytes, address);
	}
	string(text: string): number {
		const encoded = new TextEncoder().encode(text);
		const address = this.alloc(encoded.length + 1);
		this.putBytes(address, encoded);
		return address;
	}

	u8(address: number): number {
		return this.view.getUint8(address);
	}
	u16(address: number): number {
		return this.view.getUint16(address, true);
	}
	u32(address: number): number {
		return this.view.getUint32(address, true);
	}
	u64(address: number): number {
		return Number(this.view.getBigUint64(address, true));
	}
	pointer(address: number): number {
		return this.u64(address);
	}
	cstring(address: number): string {
		const end = this.bytesArea.indexOf(0, address);
		return new TextDecoder().decode(this.bytesArea.subarray(address, end));
	}
	bytes(address: number, length: number): Uint8Array {
		return this.bytesArea.slice(address, address + length);
	}
}
