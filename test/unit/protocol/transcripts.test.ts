// rpcap-protocol.md Appendix B: every transcript message decodes and re-encodes byte for byte.

import { describe, expect, test } from "bun:test";
import {
	decodeAuthReply,
	decodeAuthRequest,
	decodeErrorMessage,
	decodeOpenReply,
	decodeOpenRequest,
	decodePacket,
	decodeStartcapReply,
	decodeStartcapRequest,
	decodeStatsReply,
	ErrorCode,
	encodeAuthReply,
	encodeAuthRequest,
	encodeEmptyMessage,
	encodeErrorMessage,
	encodeOpenReply,
	encodeOpenRequest,
	encodePacket,
	encodeStartcapReply,
	encodeStartcapRequest,
	encodeStatsReply,
	type FramerEvent,
	MessageFramer,
	MessageType,
	type RpcapHeader,
	StartcapFlag,
} from "../../../src/protocol/index.ts";
import { concatBytes } from "../../support/bytes.ts";
import { runBpf } from "./bpf-interpreter.ts";
import { ascii, hex, toHex } from "./hex.ts";
import { UDP_PORT_9_FILTER } from "./udp-port-9-filter.ts";

const UDP_PORT_9_WIRE = `
	0028 00 00 0000000c  0015 00 09 00000800  0030 00 00 00000017  0015 00 0f 00000011
	0028 00 00 00000014  0045 0d 00 00001fff  00b1 00 00 0000000e  0048 00 00 0000000e
	0015 09 00 00000009  0048 00 00 00000010  0015 07 08 00000009  0015 00 07 000086dd
	0030 00 00 00000014  0015 00 05 00000011  0028 00 00 00000036  0015 02 00 00000009
	0028 00 00 00000038  0015 00 01 00000009  0006 00 00 000005dc  0006 00 00 00000000`;

// A 52-byte frame on lo: Ethernet (zero MACs) + IPv4 127.0.0.1 → 127.0.0.1 + UDP 40000 → 9 + 10 bytes.
const FRAME_52 = hex(`
	000000000000 000000000000 0800
	4500 0026 1234 4000 4011 0000 7f000001 7f000001
	9c40 0009 0012 0000
	68656c6c6f2c20726370`);

/** One whole message through a daemon-side framer: header and payload exactly as a session sees them. */
function frame(bytes: Uint8Array): { header: RpcapHeader; payload: Uint8Array; event: FramerEvent } {
	const framer = new MessageFramer({ tolerateNoFilterStartcap: true });
	framer.push(bytes);
	const event = framer.next();
	if (event.kind !== "message") throw new Error(`expected a message, got ${event.kind}`);
	expect(framer.bufferedByteCount).toBe(0);
	return { header: event.header, payload: event.payload, event };
}

describe("Appendix B main transcript (passive, lo, 'udp and port 9')", () => {
	test("C>S AUTH_REQ, NULL auth", () => {
		const wire = hex("00 08 0000 00000008  0000 0000 0000 0000");
		const { header, payload } = frame(wire);
		expect(header).toEqual({ version: 0, type: MessageType.AUTH_REQ, value: 0, payloadLength: 8 });
		const request = decodeAuthRequest(payload);
		expect(request).toEqual({ type: "null" });
		expect(encodeAuthRequest(request)).toEqual(wire);
	});

	test("S>C AUTH_REPLY min 0, max 0, magic from a little-endian host", () => {
		const wire = hex("00 88 0000 00000008  00 00 0000 d4c3b2a1");
		const reply = decodeAuthReply(frame(wire).payload);
		expect(reply).toEqual({ minVersion: 0, maxVersion: 0, byteOrder: "little" });
		expect(encodeAuthReply(reply)).toEqual(wire);
	});

	test("C>S OPEN_REQ lo", () => {
		const wire = hex("00 03 0000 00000002  6c6f");
		expect(decodeOpenRequest(frame(wire).payload)).toBe("lo");
		expect(encodeOpenRequest("lo")).toEqual(wire);
	});

	test("S>C OPEN_REPLY linktype 1, tzoff 0", () => {
		const wire = hex("00 83 0000 00000008  00000001 00000000");
		const reply = decodeOpenReply(frame(wire).payload);
		expect(reply).toEqual({ linktype: 1, tzoff: 0 });
		expect(encodeOpenReply(reply)).toEqual(wire);
	});

	test("C>S STARTCAP snaplen 1500, timeout 500, flags 0, 20-instruction filter", () => {
		const wire = hex(
			`00 04 0000 000000b4  000005dc 000001f4 0000 0000  0001 0000 00000014 ${UDP_PORT_9_WIRE}`,
		);
		const { header, payload, event } = frame(wire);
		expect(header.payloadLength).toBe(180);
		expect(event.kind === "message" && event.toleratedNoFilterStartcap).toBe(false);
		const request = decodeStartcapRequest(payload);
		expect(request.snaplen).toBe(1500);
		expect(request.readTimeout).toBe(500);
		expect(request.flags).toBe(0);
		expect(request.portData).toBe(0);
		if (!request.filter.ok) throw request.filter.error;
		expect(request.filter.program).toEqual(UDP_PORT_9_FILTER);
		expect(encodeStartcapRequest({ ...request, program: request.filter.program })).toEqual(wire);
		// The reconstructed program really is "udp and port 9" with snaplen 1500.
		expect(runBpf(request.filter.program, FRAME_52)).toBe(1500);
		expect(
			runBpf(
				request.filter.program,
				concatBytes(FRAME_52.subarray(0, 36), hex("0035"), FRAME_52.subarray(38)),
			),
		).toBe(0);
	});

	test("S>C STARTCAP_REPLY bufsize 262144, data port 46407", () => {
		const wire = hex("00 84 0000 00000008  00040000 b547 0000");
		const reply = decodeStartcapReply(frame(wire).payload);
		expect(reply).toEqual({ bufferSize: 262144, portData: 46407 });
		expect(encodeStartcapReply(reply)).toEqual(wire);
	});

	test("data: PACKET caplen 52, len 52, npkt 1", () => {
		const wire = concatBytes(
			hex("00 07 0000 00000048  6560a3b1 000b71b0 00000034 00000034 00000001"),
			FRAME_52,
		);
		const framer = new MessageFramer({ maxPayloadLength: 20 + 1500 });
		framer.push(wire);
		const event = framer.next();
		if (event.kind !== "message") throw new Error(event.kind);
		const packet = decodePacket(event.payload);
		expect(packet).toEqual({
			timestampSec: 0x6560a3b1,
			timestampUsec: 0x0b71b0,
			length: 52,
			npkt: 1,
			data: FRAME_52,
		});
		expect(encodePacket(packet)).toEqual(wire);
	});

	test("C>S STATS_REQ, S>C STATS_REPLY ifrecv 4, ifdrop 0, krnldrop 0, svrcapt 2", () => {
		const request = hex("00 09 0000 00000000");
		expect(frame(request).header.type).toBe(MessageType.STATS_REQ);
		expect(encodeEmptyMessage(MessageType.STATS_REQ)).toEqual(request);
		const wire = hex("00 89 0000 00000010  00000004 00000000 00000000 00000002");
		const stats = decodeStatsReply(frame(wire).payload);
		expect(stats).toEqual({ ifRecv: 4, ifDrop: 0, krnlDrop: 0, svrCapt: 2 });
		expect(encodeStatsReply(stats)).toEqual(wire);
	});

	test("C>S CLOSE", () => {
		const wire = hex("00 06 0000 00000000");
		expect(frame(wire).header).toEqual({ version: 0, type: MessageType.CLOSE, value: 0, payloadLength: 0 });
		expect(encodeEmptyMessage(MessageType.CLOSE)).toEqual(wire);
	});
});

describe("Appendix B variants", () => {
	test("active mode: STARTCAP flags 0004 with the client's port, reply portdata 0, ENDCAP, CLOSE", () => {
		const wire = hex(
			`00 04 0000 000000b4  000005dc 000001f4 0004 a411  0001 0000 00000014 ${UDP_PORT_9_WIRE}`,
		);
		const request = decodeStartcapRequest(frame(wire).payload);
		expect(request.flags).toBe(StartcapFlag.SERVEROPEN);
		expect(request.portData).toBe(0xa411);
		if (!request.filter.ok) throw request.filter.error;
		expect(encodeStartcapRequest({ ...request, program: request.filter.program })).toEqual(wire);

		const reply = hex("00 84 0000 00000008  00040000 0000 0000");
		expect(decodeStartcapReply(frame(reply).payload)).toEqual({ bufferSize: 262144, portData: 0 });
		expect(encodeStartcapReply({ bufferSize: 262144, portData: 0 })).toEqual(reply);

		expect(toHex(encodeEmptyMessage(MessageType.ENDCAP_REQ))).toBe("000a000000000000");
		expect(toHex(encodeEmptyMessage(MessageType.ENDCAP_REPLY))).toBe("008a000000000000");
		expect(frame(hex("00 8a 0000 00000000")).header.type).toBe(MessageType.ENDCAP_REPLY);
		expect(toHex(encodeEmptyMessage(MessageType.CLOSE))).toBe("0006000000000000");
	});

	test("UDP: flags 0003 with the client's UDP port, reply portdata 0", () => {
		const wire = hex(
			`00 04 0000 000000b4  000005dc 000001f4 0003 c350  0001 0000 00000014 ${UDP_PORT_9_WIRE}`,
		);
		const request = decodeStartcapRequest(frame(wire).payload);
		expect(request.flags).toBe(StartcapFlag.PROMISC | StartcapFlag.DGRAM);
		expect(request.portData).toBe(50000);
		if (!request.filter.ok) throw request.filter.error;
		expect(encodeStartcapRequest({ ...request, program: request.filter.program })).toEqual(wire);
		expect(encodeStartcapReply({ bufferSize: 262144, portData: 0 })).toEqual(
			hex("00 84 0000 00000008  00040000 0000 0000"),
		);
	});

	test("no-filter client bug: 28 bytes under plen 20 are one tolerated STARTCAP with ret #1500", () => {
		const wire = hex(
			"00 04 0000 00000014 | 000005dc 000001f4 0000 0000 | 0001 0000 00000001 | 0006 00 00 000005dc",
		);
		const { header, payload, event } = frame(wire);
		expect(header.payloadLength).toBe(20);
		expect(event.kind === "message" && event.toleratedNoFilterStartcap).toBe(true);
		expect(payload).toEqual(wire.subarray(8));
		const request = decodeStartcapRequest(payload);
		if (!request.filter.ok) throw request.filter.error;
		expect(request.filter.program).toEqual([{ code: 0x06, jt: 0, jf: 0, k: 1500 }]);
		// Re-encoding produces the correct message (plen 28), i.e. the same bytes with the length fixed.
		const fixed = encodeStartcapRequest({ ...request, program: request.filter.program });
		expect(toHex(fixed)).toBe(toHex(concatBytes(hex("00 04 0000 0000001c"), wire.subarray(8))));
	});

	test("TLS required, plaintext client: ERROR 19", () => {
		const wire = concatBytes(hex("00 01 0013 0000001e"), ascii("TLS is required by this server"));
		const { header, payload } = frame(wire);
		expect(header.value).toBe(ErrorCode.TLS_REQUIRED);
		expect(decodeErrorMessage(payload)).toBe("TLS is required by this server");
		expect(encodeErrorMessage(ErrorCode.TLS_REQUIRED, "TLS is required by this server")).toEqual(wire);
	});

	test("fork preselection refusal: ERROR 6", () => {
		const text = "can only open preselected interface 'vA'";
		const wire = concatBytes(hex("00 01 0006 00000028"), ascii(text));
		const { header, payload } = frame(wire);
		expect(header.value).toBe(ErrorCode.OPEN);
		expect(decodeErrorMessage(payload)).toBe(text);
		expect(encodeErrorMessage(ErrorCode.OPEN, text)).toEqual(wire);
	});

	test("the fixture is what tcpdump compiles for 'udp and port 9' at snaplen 1500", () => {
		const result = Bun.spawnSync(["tcpdump", "-s", "1500", "-dd", "udp and port 9"], { stderr: "ignore" });
		if (!result.success) {
			// tcpdump is a development tool here; the literal wire bytes above carry the test without it.
			expect(UDP_PORT_9_FILTER).toHaveLength(20);
			return;
		}
		const compiled = [
			...result.stdout.toString().matchAll(/\{ (0x[0-9a-f]+), (\d+), (\d+), (0x[0-9a-f]+) \}/g),
		].map((m) => ({ code: Number(m[1]), jt: Number(m[2]), jf: Number(m[3]), k: Number(m[4]) }));
		expect(compiled).toEqual(UDP_PORT_9_FILTER);
	});
});
