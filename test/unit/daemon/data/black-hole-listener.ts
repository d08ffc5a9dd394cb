// A loopback TCP port that drops SYNs: a listener (backlog 0) that never accepts, its queue filled by one client.

import { dlopen, FFIType } from "bun:ffi";
import { connect, type Socket } from "node:net";

const { i32, ptr } = FFIType;
const AF_INET = 2;
const SOCK_STREAM = 1;

const libc = dlopen("libc.so.6", {
	socket: { args: [i32, i32, i32], returns: i32 },
	bind: { args: [i32, ptr, i32], returns: i32 },
	listen: { args: [i32, i32], returns: i32 },
	getsockname: { args: [i32, ptr, ptr], returns: i32 },
	close: { args: [i32], returns: i32 },
}).symbols;

export interface BlackHole {
	port: number;
	close(): void;
}

/**
 * Linux drops a SYN when the listener's accept queue is full, so a connect to this port neither completes nor
 * is refused (bad-inputs.md E14) — without leaving loopback or touching firewall rules.
 */
export async function openBlackHole(): Promise<BlackHole> {
	const fd = libc.socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) throw new Error("socket() failed");
	const address = new Uint8Array(16);
	new DataView(address.buffer).setUint16(0, AF_INET, true);
	address.set([127, 0, 0, 1], 4);
	const length = new Int32Array([16]);
	if (
		libc.bind(fd, address, 16) !== 0 ||
		libc.listen(fd, 0) !== 0 ||
		libc.getsockname(fd, address, length) !== 0
	) {
		libc.close(fd);
		throw new Error("bind/listen failed");
	}
	const port = new DataView(address.buffer).getUint16(2);
	// Fill the accept queue (one entry with backlog 0): connect until a connect stops completing.
	const fillers: Socket[] = [];
	for (let i = 0; i < 4; i++) {
		const filler = connect(port, "127.0.0.1");
		filler.on("error", () => {});
		fillers.push(filler);
		const connected = await Promise.race([
			new Promise<boolean>((resolve) => filler.once("connect", () => resolve(true))),
			Bun.sleep(150).then(() => false),
		]);
		if (!connected) break;
	}
	return {
		port,
		close() {
			for (const filler of fillers) filler.destroy();
			libc.close(fd);
		},
	};
}
