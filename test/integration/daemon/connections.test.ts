// Connection-level hostile inputs against the daemon process on loopback (bad-inputs A3, B11, L1, L5, L6, L8, L9).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Subprocess, spawn } from "bun";
import { encodeAuthRequest, encodeEmptyMessage, MessageType } from "../../../src/protocol/index.ts";
import { writeSelfSignedCertificate } from "../../support/self-signed-certificate.ts";
import { waitFor } from "../harness/fake-collector.ts";

const MAIN = join(import.meta.dir, "../../../src/cli/main.ts");
let dir: string;
const daemons: { proc: Subprocess<"ignore", "pipe", "pipe">; log: () => string }[] = [];

function freePort(): number {
	const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
	const port = l.port;
	l.stop(true);
	return port;
}

async function startDaemon(
	args: string[],
): Promise<{ port: number; proc: Subprocess<"ignore", "pipe", "pipe">; log: () => string }> {
	const port = freePort();
	const proc = spawn([process.execPath, MAIN, "-b", "127.0.0.1", "-p", String(port), ...args], {
		stdout: "pipe",
		stderr: "pipe",
		stdin: "ignore",
	});
	let text = "";
	void (async () => {
		for await (const chunk of proc.stderr) text += new TextDecoder().decode(chunk);
	})();
	const d = { proc, log: () => text };
	daemons.push(d);
	await waitFor(() => text.includes("listening on"), 10_000, "the daemon");
	return { port, ...d };
}

/** Connects, sends `bytes`, and collects what comes back until the daemon closes (or `waitMs`). */
function exchange(
	port: number,
	bytes: Uint8Array | null,
	waitMs = 5000,
): Promise<{ data: Buffer; closed: boolean; ms: number }> {
	return new Promise((resolve) => {
		const started = performance.now();
		const socket: Socket = connect(port, "127.0.0.1");
		const chunks: Buffer[] = [];
		let done = false;
		const finish = (closed: boolean) => {
			if (done) return;
			done = true;
			socket.destroy();
			resolve({ data: Buffer.concat(chunks), closed, ms: performance.now() - started });
		};
		socket.on("connect", () => {
			if (bytes) socket.write(bytes);
		});
		socket.on("data", (d: Buffer) => chunks.push(d));
		socket.on("close", () => finish(true));
		socket.on("error", () => finish(true));
		setTimeout(() => finish(false), waitMs);
	});
}

let plain: Awaited<ReturnType<typeof startDaemon>>;
let tls: Awaited<ReturnType<typeof startDaemon>>;
let limited: Awaited<ReturnType<typeof startDaemon>>;

beforeAll(async () => {
	dir = mkdtempSync(join(tmpdir(), "rpcapd-conn-"));
	writeSelfSignedCertificate(dir);
	[plain, tls, limited] = await Promise.all([
		startDaemon(["-n"]),
		startDaemon(["-n", "--tls", "--tls-key", join(dir, "key.pem"), "--tls-cert", join(dir, "cert.pem")]),
		startDaemon(["-n", "--max-clients", "3"]),
	]);
}, 30_000);

afterAll(async () => {
	for (const d of daemons) d.proc.kill("SIGTERM");
	await Promise.all(daemons.map((d) => d.proc.exited));
	rmSync(dir, { recursive: true, force: true });
});

describe("first byte and TLS sniffing", () => {
	test("A3: a TLS ClientHello to a plaintext daemon gets the 7-byte alert echoing its record version, then close", async () => {
		const hello = new Uint8Array([0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00]);
		const r = await exchange(plain.port, hello);
		expect([...r.data]).toEqual([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28]);
		expect(r.closed).toBe(true);
	});

	test("L5: plaintext AUTH to a TLS-required daemon: ERROR 19 in the client's ver, then close", async () => {
		const auth = encodeAuthRequest({ type: "null" });
		auth[0] = 5; // the reply echoes the header's ver (rpcap-protocol.md §12.2)
		const r = await exchange(tls.port, auth);
		expect([...r.data.subarray(0, 8)]).toEqual([5, 1, 0, 19, 0, 0, 0, 30]);
		expect(r.data.subarray(8).toString()).toBe("TLS is required by this server");
		expect(r.closed).toBe(true);
	});

	test("B11: a client that sends nothing is closed after 10 s without a byte", async () => {
		const r = await exchange(plain.port, null, 15_000);
		expect(r.closed).toBe(true);
		expect(r.data.length).toBe(0);
		expect(r.ms).toBeGreaterThan(9_000);
		expect(r.ms).toBeLessThan(12_000);
	}, 20_000);

	test("L6: a TLS handshake that stalls after the first bytes is closed after 10 s", async () => {
		const r = await exchange(tls.port, new Uint8Array([0x16, 0x03, 0x01]), 15_000);
		expect(r.closed).toBe(true);
		expect(r.ms).toBeGreaterThan(9_000);
		expect(r.ms).toBeLessThan(12_000);
	}, 20_000);
});

describe("connection limit and churn", () => {
	test("L8: the connection over the limit gets ERROR 1, the others keep working", async () => {
		const held = await Promise.all(
			[0, 1, 2].map(
				() =>
					new Promise<Socket>((resolve) => {
						const s = connect(limited.port, "127.0.0.1", () => resolve(s));
						s.on("error", () => {});
					}),
			),
		);
		await Bun.sleep(200);
		const extra = await exchange(limited.port, null);
		expect(extra.data.readUInt8(1)).toBe(MessageType.ERROR);
		expect(extra.data.readUInt16BE(2)).toBe(1);
		expect(extra.data.subarray(8).toString()).toBe("Too many connections; try again later");
		const reply = await new Promise<Buffer>((resolve) => {
			held[0]!.once("data", resolve);
			held[0]!.write(encodeAuthRequest({ type: "null" }));
		});
		expect(reply.readUInt8(1)).toBe(MessageType.AUTH_REPLY);
		for (const s of held) s.destroy();
		await Bun.sleep(200);
		const again = await exchange(
			limited.port,
			new Uint8Array([...encodeAuthRequest({ type: "null" }), ...encodeEmptyMessage(MessageType.CLOSE)]),
		);
		expect(again.data.readUInt8(1)).toBe(MessageType.AUTH_REPLY);
	});

	test("L9: 1000 connect/close cycles and 1000 first-byte-then-close leave descriptors flat", async () => {
		const fds = () => readdirSync(`/proc/${plain.proc.pid}/fd`).length;
		const before = fds();
		for (let round = 0; round < 20; round++) {
			await Promise.all(
				Array.from(
					{ length: 50 },
					(_, i) =>
						new Promise<void>((resolve) => {
							const s = connect(plain.port, "127.0.0.1", () => {
								if (i % 2 === 0) s.end(new Uint8Array([0]));
								else s.destroy();
							});
							s.on("close", () => resolve());
							s.on("error", () => resolve());
						}),
				),
			);
		}
		await waitFor(() => fds() <= before + 2, 5000, "descriptors to return to their level");
		expect(fds()).toBeLessThanOrEqual(before + 2);
	}, 60_000);
});
