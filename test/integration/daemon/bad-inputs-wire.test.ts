// bad-inputs.md protocol rows against the daemon process over TCP: the right ERROR on the wire, the payload consumed (a canary in the same write gets its normal reply), the connection kept or closed as the row says, and a fresh client served afterwards.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Subprocess, spawn } from "bun";
import { MessageType, StartcapFlag } from "../../../src/protocol/index.ts";
import { concatBytes } from "../../support/bytes.ts";
import { ACCEPT_ALL, libpcapNoFilterStartcap, request } from "../../support/rpcap-requests.ts";
import { WireClient } from "../../support/wire-client.ts";
import { waitFor } from "../harness/fake-collector.ts";

const MAIN = join(import.meta.dir, "../../../src/cli/main.ts");
const procs: Subprocess<"ignore", "pipe", "pipe">[] = [];
let dir: string;
let open: number; // -n
let closedAuth: number; // password only (users file)

function freePort(): number {
	const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
	const port = l.port;
	l.stop(true);
	return port;
}

async function startDaemon(args: string[]): Promise<number> {
	const port = freePort();
	const proc = spawn([process.execPath, MAIN, "-b", "127.0.0.1", "-p", String(port), ...args], {
		stdout: "pipe",
		stderr: "pipe",
		stdin: "ignore",
	});
	procs.push(proc);
	let text = "";
	void (async () => {
		for await (const chunk of proc.stderr) text += new TextDecoder().decode(chunk);
	})();
	await waitFor(() => text.includes("listening on"), 10_000, "the daemon to listen");
	return port;
}

beforeAll(async () => {
	dir = mkdtempSync(join(tmpdir(), "rpcapd-badwire-"));
	const hash = await Bun.password.hash("secret", { algorithm: "argon2id" });
	writeFileSync(join(dir, "users"), `alice:${hash}\n`, { mode: 0o600 });
	[open, closedAuth] = await Promise.all([startDaemon(["-n"]), startDaemon(["--users", join(dir, "users")])]);
}, 30_000);

afterAll(async () => {
	for (const p of procs) p.kill("SIGTERM");
	await Promise.all(procs.map((p) => p.exited));
	rmSync(dir, { recursive: true, force: true });
});

type Expect = { error: [code: number, text: string | RegExp] } | { type: number };

async function authenticated(port = open): Promise<WireClient> {
	const c = await WireClient.open(port);
	c.send(request.nullAuth());
	expect((await c.next())?.header.type).toBe(MessageType.AUTH_REPLY);
	return c;
}

function check(m: Awaited<ReturnType<WireClient["next"]>>, want: Expect): void {
	expect(m).not.toBeNull();
	if ("type" in want) {
		expect(m!.header.type).toBe(want.type);
		return;
	}
	expect(m!.header.type).toBe(MessageType.ERROR);
	expect(m!.header.value).toBe(want.error[0]);
	if (typeof want.error[1] === "string") expect(m!.text).toBe(want.error[1]);
	else expect(m!.text).toMatch(want.error[1]);
	expect(m!.header.version).toBe(0);
}

/** Sends `bad` and a canary in one write; checks the answer to each, then that a fresh client is served. */
async function row(opts: { preAuth?: boolean; bad: Uint8Array; want: Expect; port?: number }): Promise<void> {
	const c = opts.preAuth ? await WireClient.open(opts.port ?? open) : await authenticated(opts.port ?? open);
	const canary = opts.preAuth ? request.nullAuth() : request.stats();
	c.send(concatBytes(opts.bad, canary));
	check(await c.next(), opts.want);
	check(await c.next(), { type: opts.preAuth ? MessageType.AUTH_REPLY : MessageType.STATS_REPLY });
	expect(c.closed).toBe(false);
	c.destroy();
	const fresh = await authenticated(opts.port ?? open);
	fresh.send(request.findAllIf());
	check(await fresh.next(), { type: MessageType.FINDALLIF_REPLY });
	fresh.destroy();
}

async function closingRow(opts: {
	preAuth?: boolean;
	bad: Uint8Array;
	want: Expect;
	version?: number;
}): Promise<void> {
	const c = opts.preAuth ? await WireClient.open(open) : await authenticated();
	c.send(opts.bad);
	const m = await c.next();
	check(m ? { ...m, header: { ...m.header, version: 0 } } : m, opts.want);
	if (opts.version !== undefined) expect(m!.header.version).toBe(opts.version);
	expect(await c.closedWithin()).toBe(true);
	const fresh = await authenticated();
	fresh.destroy();
}

describe("A: framing and header", () => {
	test("A1: pre-auth ver 1 → ERROR 17 echoing ver, close", () =>
		closingRow({
			preAuth: true,
			bad: request.raw(MessageType.AUTH_REQ, new Uint8Array(8), 1),
			want: { error: [17, "RPCAP version in requests in the authentication phase must be 0"] },
			version: 1,
		}));
	test("A2: post-auth ver 255 → ERROR 17 echoing ver, close", () =>
		closingRow({
			bad: request.raw(MessageType.STATS_REQ, new Uint8Array(0), 255),
			want: { error: [17, "RPCAP version in message isn't supported by the server"] },
			version: 255,
		}));
	for (const type of [0x00, 0x0c, 0x6e, 0x81, 0x86, 0x87, 0xff]) {
		for (const preAuth of [true, false]) {
			test(`A4: unknown type 0x${type.toString(16)} ${preAuth ? "pre" : "post"}-auth with 100 bytes → ERROR 16, continue`, () =>
				row({
					preAuth,
					bad: request.raw(type, request.junk(100)),
					want: { error: [16, `Unknown message type ${type}`] },
				}));
		}
	}
	test("A5: S→C type sent by the client → ERROR 16, continue", () =>
		row({
			bad: request.raw(MessageType.STARTCAP_REPLY, request.junk(8)),
			want: { error: [16, "Server-to-client message RPCAP_MSG_STARTCAP_REPLY received from client"] },
		}));
	test("A6: plen 0 OPEN → ERROR 6", () =>
		row({
			bad: request.raw(MessageType.OPEN_REQ),
			want: { error: [6, "The source string must not be empty."] },
		}));
	test("A6: plen 0 STARTCAP → ERROR 12", () =>
		row({
			bad: request.raw(MessageType.STARTCAP_REQ),
			want: { error: [12, "Message payload is too short"] },
		}));
	test("A6: plen 0 SETSAMPLING → ERROR 15", () =>
		row({
			bad: request.raw(MessageType.SETSAMPLING_REQ),
			want: { error: [15, "Message payload is too short"] },
		}));
	test("A6: plen 0 AUTH → ERROR 3", () =>
		row({
			preAuth: true,
			bad: request.raw(MessageType.AUTH_REQ),
			want: { error: [3, "Message payload is too short"] },
		}));
	for (const plen of [262145, 2 ** 31, 2 ** 32 - 1]) {
		test(`A7: plen ${plen} (header only) → ERROR 12 "Message payload is too large", close`, () =>
			closingRow({
				bad: request.header(MessageType.STARTCAP_REQ, plen),
				want: { error: [12, "Message payload is too large"] },
			}));
	}
	test("A8: a request split into 1-byte segments 100 ms apart", async () => {
		const c = await WireClient.open(open);
		for (const byte of request.nullAuth()) {
			c.send(new Uint8Array([byte]));
			await Bun.sleep(100);
		}
		check(await c.next(), { type: MessageType.AUTH_REPLY });
		c.destroy();
	}, 10_000);
	test("A9: ten requests coalesced → ten replies in order", async () => {
		const c = await authenticated();
		c.send(
			concatBytes(...Array.from({ length: 10 }, (_, i) => (i % 2 ? request.stats() : request.findAllIf()))),
		);
		for (let i = 0; i < 10; i++)
			check(await c.next(), { type: i % 2 ? MessageType.STATS_REPLY : MessageType.FINDALLIF_REPLY });
		c.destroy();
	});
	test("A11: 100 bytes of trailing junk on STATS are consumed", () =>
		row({
			bad: request.raw(MessageType.STATS_REQ, request.junk(100)),
			want: { type: MessageType.STATS_REPLY },
		}));
});

describe("B: authentication", () => {
	test("B1: AUTH plen 7 → ERROR 3", () =>
		row({
			preAuth: true,
			bad: request.raw(MessageType.AUTH_REQ, new Uint8Array(7)),
			want: { error: [3, "Message payload is too short"] },
		}));
	test("B2: AUTH type 2 → ERROR 20", () =>
		row({
			preAuth: true,
			bad: request.raw(MessageType.AUTH_REQ, new Uint8Array([0, 2, 0, 0, 0, 0, 0, 0])),
			want: { error: [20, "Authentication type not recognized."] },
		}));
	test("B3: NULL auth while disabled → ERROR 18", async () => {
		const c = await WireClient.open(closedAuth);
		c.send(request.nullAuth());
		check(await c.next(), { error: [18, "Authentication failed; NULL authentication not permitted."] });
		c.destroy();
	});
	test("B5: unknown user and wrong password give the same ERROR 18; the right one is accepted", async () => {
		for (const [user, pass] of [
			["mallory", "secret"],
			["alice", "wrong"],
		]) {
			const c = await WireClient.open(closedAuth);
			c.send(request.password(user!, pass!));
			check(await c.next(), { error: [18, "Authentication failed"] });
			c.destroy();
		}
		const ok = await WireClient.open(closedAuth);
		ok.send(request.password("alice", "secret"));
		check(await ok.next(), { type: MessageType.AUTH_REPLY });
		ok.destroy();
	});
	test("B7: AUTH after authentication → ERROR 16, continue", () =>
		row({
			bad: request.nullAuth(),
			want: { error: [16, "RPCAP_MSG_AUTH_REQ request sent after authentication was completed"] },
		}));
	test("B8: CLOSE with a 100-byte payload before authentication → closed, no reply", async () => {
		const c = await WireClient.open(open);
		c.send(request.raw(MessageType.CLOSE, request.junk(100)));
		expect(await c.next(2000)).toBeNull();
		expect(c.closed).toBe(true);
	});
	test("B10: request types before authentication → ERROR 16 with their names", () =>
		row({
			preAuth: true,
			bad: request.raw(MessageType.FINDALLIF_REQ, request.junk(10)),
			want: { error: [16, "RPCAP_MSG_FINDALLIF_REQ request sent before authentication was completed"] },
		}));
	test("B13: NUL bytes and invalid UTF-8 in credentials → ERROR 18", async () => {
		const c = await WireClient.open(closedAuth);
		c.send(request.password(new Uint8Array([0x61, 0, 0xff, 0x0a]), new Uint8Array([0, 0xfe])));
		check(await c.next(), { error: [18, "Authentication failed"] });
		c.destroy();
	});
});

describe("C–D: FINDALLIF and OPEN", () => {
	test("C1: FINDALLIF with 37 bytes of junk: reply length matches, junk consumed", async () => {
		const c = await authenticated();
		c.send(concatBytes(request.raw(MessageType.FINDALLIF_REQ, request.junk(37)), request.stats()));
		const reply = await c.next();
		expect(reply?.header.type).toBe(MessageType.FINDALLIF_REPLY);
		expect(reply?.header.payloadLength).toBe(reply?.payload.length);
		check(await c.next(), { type: MessageType.STATS_REPLY });
		c.destroy();
	});
	test("D2: a 1025-byte name → ERROR 6 Source string too long", () =>
		row({ bad: request.open("x".repeat(1025)), want: { error: [6, "Source string too long"] } }));
	test("D3: a name with a NUL byte → ERROR 6", () =>
		row({
			bad: request.open(new Uint8Array([0x6c, 0x6f, 0, 0x78])),
			want: { error: [6, "Source string contains a NUL byte"] },
		}));
	for (const url of ["x://y", "rpcap://h/d", "rpcaps://h:2002/eth0", "file://x.pcap"]) {
		test(`D4: OPEN "${url}" → ERROR 6 refers to a remote device`, () =>
			row({ bad: request.open(url), want: { error: [6, "Source string refers to a remote device"] } }));
	}
	test("D6: OPEN of an rpcap URL then STARTCAP: no outbound connection, ERROR 12 No capture device", async () => {
		const seen: number[] = [];
		const listener = createServer((s) => {
			seen.push(1);
			s.destroy();
		});
		await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
		const port = (listener.address() as { port: number }).port;
		const c = await authenticated();
		c.send(concatBytes(request.open(`rpcap://127.0.0.1:${port}/lo`), request.startcap()));
		check(await c.next(), { error: [6, "Source string refers to a remote device"] });
		check(await c.next(), { error: [12, "No capture device was specified"] });
		await Bun.sleep(300);
		expect(seen.length).toBe(0);
		c.destroy();
		listener.close();
	});
	test("D8: OPEN(valid), OPEN(invalid), STARTCAP → No capture device was specified", async () => {
		const c = await authenticated();
		c.send(concatBytes(request.open("lo"), request.open("nope0"), request.startcap()));
		check(await c.next(), { type: MessageType.OPEN_REPLY });
		check(await c.next(), { error: [6, "No such device: nope0"] });
		check(await c.next(), { error: [12, "No capture device was specified"] });
		c.destroy();
	});
});

describe("E–F: STARTCAP and filters", () => {
	const opened = async () => {
		const c = await authenticated();
		c.send(request.open("lo"));
		check(await c.next(), { type: MessageType.OPEN_REPLY });
		return c;
	};
	async function startcapRow(bad: Uint8Array, want: Expect): Promise<void> {
		const c = await opened();
		c.send(concatBytes(bad, request.stats()));
		check(await c.next(), want);
		check(await c.next(), { type: MessageType.STATS_REPLY });
		c.destroy();
	}
	const insn = (code: number, jt: number, jf: number, k: number) => ({ code, jt, jf, k });
	test("E2: plen 12 (no filter header) → ERROR 12 too short", () =>
		startcapRow(request.raw(MessageType.STARTCAP_REQ, new Uint8Array(12)), {
			error: [12, "Message payload is too short"],
		}));
	test("E3: filtertype 2 → ERROR 12", () => {
		const bad = request.startcap();
		bad[8 + 12 + 1] = 2;
		return startcapRow(bad, { error: [12, "Only BPF/NPF filters are currently supported"] });
	});
	test("E4: nitems 0xFFFFFFFF → ERROR 12 too large; nothing allocated", () => {
		const bad = request.startcap();
		new DataView(bad.buffer).setUint32(8 + 12 + 4, 0xffffffff);
		return startcapRow(bad, {
			error: [12, "Filter program is larger than the maximum size of 8192 instructions"],
		});
	});
	test("E5: nitems 10 with 3 instructions inside plen → ERROR 12 too short", () => {
		const bad = request.startcap({ program: [insn(6, 0, 0, 1), insn(6, 0, 0, 1), insn(6, 0, 0, 1)] });
		new DataView(bad.buffer).setUint32(8 + 12 + 4, 10);
		return startcapRow(bad, { error: [12, "Message payload is too short"] });
	});
	test("E6: the libpcap no-filter shape is accepted (all 28 bytes consumed)", () =>
		startcapRow(libpcapNoFilterStartcap(), { type: MessageType.STARTCAP_REPLY }));
	test("E7a: plen 20, nitems 1, followed by a real STATS header → ERROR 12, then the STATS is answered", () => {
		const bad = libpcapNoFilterStartcap().subarray(0, 28);
		return startcapRow(bad, { error: [12, "Message payload is too short"] });
	});
	test("E12: SERVEROPEN with portdata 0 → ERROR 12 Client data port is 0", () =>
		startcapRow(request.startcapTo(StartcapFlag.SERVEROPEN, 0), { error: [12, "Client data port is 0"] }));
	test("E13: SERVEROPEN to a closed port → ERROR 12 with the connect error", () =>
		startcapRow(request.startcapTo(StartcapFlag.SERVEROPEN, freePort()), { error: [12, /refused/i] }));
	test("E17: a second STARTCAP while capturing → ERROR 12; the first keeps running", async () => {
		const c = await opened();
		c.send(concatBytes(request.startcap(), request.startcap(), request.endcap()));
		check(await c.next(), { type: MessageType.STARTCAP_REPLY });
		check(await c.next(), { error: [12, "A capture is already running; send ENDCAP first"] });
		check(await c.next(), { type: MessageType.ENDCAP_REPLY });
		c.destroy();
	});
	test("E18: STARTCAP before any OPEN, E6 shape → ERROR 12, all 28 bytes consumed", () =>
		row({ bad: libpcapNoFilterStartcap(), want: { error: [12, "No capture device was specified"] } }));
	const programs: [string, { code: number; jt: number; jf: number; k: number }[], RegExp][] = [
		[
			"F1 backward ja",
			[insn(0x05, 0, 0, 0xffffffff), insn(6, 0, 0, 0)],
			/jump out of range at instruction 0/,
		],
		[
			"F3 jeq jt 200 in 3 insns",
			[insn(0x15, 200, 0, 0x800), insn(6, 0, 0, 1), insn(6, 0, 0, 0)],
			/jump out of range/,
		],
		["F4 last not RET", [insn(6, 0, 0, 0), insn(0x28, 0, 0, 12)], /The filter contains invalid instructions/],
		["F5 ld M[16]", [insn(0x60, 0, 0, 16), insn(6, 0, 0, 0)], /scratch memory index 16/],
		["F6 div #0", [insn(0x34, 0, 0, 0), insn(6, 0, 0, 0)], /The filter contains invalid instructions/],
		["F7 opcode 0xffff", [insn(0xffff, 0, 0, 0), insn(6, 0, 0, 0)], /unknown opcode/],
	];
	for (const [label, program, text] of programs) {
		test(`${label} → ERROR 12 with the validator's text`, () =>
			startcapRow(request.startcap({ program }), { error: [12, text] }));
	}
});

describe("G–J: UPDATEFILTER, SETSAMPLING, STATS, ENDCAP", () => {
	test("G1: UPDATEFILTER without a capture → ERROR 7, payload consumed", () =>
		row({
			bad: request.updateFilter(ACCEPT_ALL),
			want: { error: [7, "Device not opened. Cannot update filter"] },
		}));
	test("H1: SETSAMPLING plen 4 → ERROR 15", () =>
		row({
			bad: request.raw(MessageType.SETSAMPLING_REQ, new Uint8Array(4)),
			want: { error: [15, "Message payload is too short"] },
		}));
	test("H2: SETSAMPLING method 3 → ERROR 15", () =>
		row({ bad: request.setSampling(3, 10), want: { error: [15, "Unknown sampling method 3"] } }));
	test("H3: method 1 value 0 → SETSAMPLING_REPLY", () =>
		row({ bad: request.setSampling(1, 0), want: { type: MessageType.SETSAMPLING_REPLY } }));
	test("I1: STATS before any capture → zeros", async () => {
		const c = await authenticated();
		c.send(request.stats());
		const m = await c.next();
		expect([...(m?.payload ?? [])]).toEqual(new Array(16).fill(0));
		c.destroy();
	});
	test("J1: ENDCAP without a capture → ERROR 13", () =>
		row({ bad: request.endcap(), want: { error: [13, "Device not opened. Cannot close the capture"] } }));
	test("J2: ENDCAP with trailing payload during a capture → ENDCAP_REPLY", async () => {
		const c = await authenticated();
		c.send(
			concatBytes(
				request.open("lo"),
				request.startcap(),
				request.raw(MessageType.ENDCAP_REQ, request.junk(50)),
				request.stats(),
			),
		);
		for (const type of [
			MessageType.OPEN_REPLY,
			MessageType.STARTCAP_REPLY,
			MessageType.ENDCAP_REPLY,
			MessageType.STATS_REPLY,
		]) {
			check(await c.next(), { type });
		}
		c.destroy();
	});
});
