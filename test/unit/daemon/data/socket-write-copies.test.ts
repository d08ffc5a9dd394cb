// The TCP sender hands batch views straight to net.Socket.write and reuses the buffer afterwards. That is safe only
// because Bun's net.Socket copies what it cannot send at once; this test fails if a Bun upgrade changes that.

import { expect, test } from "bun:test";
import { connect, createServer } from "node:net";

test("Bun's net.Socket.write copies unsent bytes: mutating the buffer after write() does not change what arrives", async () => {
	const size = 16 << 20;
	const result = await new Promise<{ received: number; corrupted: number; queued: number }>((resolve) => {
		const server = createServer((s) => {
			let received = 0;
			let corrupted = 0;
			s.pause();
			setTimeout(() => s.resume(), 200); // hold the reader back so most of the buffer must be queued
			s.on("data", (d: Buffer) => {
				for (let i = 0; i < d.length; i += 1024) if (d[i] !== 0x11) corrupted++;
				received += d.length;
			});
			s.on("end", () => {
				server.close();
				resolve({ received, corrupted, queued });
			});
		});
		let queued = 0;
		server.listen(0, "127.0.0.1", () => {
			const port = (server.address() as { port: number }).port;
			const client = connect(port, "127.0.0.1", () => {
				const buffer = new Uint8Array(size).fill(0x11);
				client.write(buffer);
				queued = client.writableLength;
				buffer.fill(0xee);
				client.end();
			});
		});
	});
	expect(result.queued).toBeGreaterThan(0);
	expect(result.received).toBe(size);
	expect(result.corrupted).toBe(0);
});
