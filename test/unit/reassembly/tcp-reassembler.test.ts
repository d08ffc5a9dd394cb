import { describe, expect, test } from "bun:test";
import { TcpReassembler } from "../../../src/reassembly/index.ts";
import {
	Conversation,
	frame,
	LINK_ETHERNET,
	LINK_NULL,
	LINK_RAW,
	LINK_SLL,
	LINK_SLL2,
	type ScriptedPacket,
} from "./packet-builder.ts";
import { RecordingListener, streamText } from "./recording-listener.ts";

const CLIENT = { address: "10.0.0.1", port: 40000 };
const SERVER = { address: "10.0.0.2", port: 80 };

function run(packets: readonly ScriptedPacket[], linktype = LINK_ETHERNET, options = {}) {
	const listener = new RecordingListener();
	const reassembler = new TcpReassembler(listener, options);
	for (const p of packets) reassembler.push(linktype, p.tsSec, p.tsUsec, p.data);
	reassembler.close();
	return { listener, reassembler, stats: reassembler.stats };
}

function simpleExchange(options: ConstructorParameters<typeof Conversation>[2] = {}): Conversation {
	return new Conversation(CLIENT, SERVER, options)
		.handshake()
		.send(0, "GET / HTTP/1.1\r\n\r\n")
		.send(1, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
		.fin(0)
		.fin(1)
		.ack(0);
}

describe("in-order streams", () => {
	test("both directions arrive in order and the flow closes on FIN/FIN", () => {
		const { listener, stats } = run(simpleExchange().packets);
		expect(listener.flows).toHaveLength(1);
		const flow = listener.flows[0]!;
		expect(flow.info.client).toEqual(CLIENT);
		expect(flow.info.server).toEqual(SERVER);
		expect(flow.info.midstream).toBe(false);
		expect(streamText(flow, 0)).toBe("GET / HTTP/1.1\r\n\r\n");
		expect(streamText(flow, 1)).toBe("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
		expect(flow.ends).toEqual(["fin", "fin"]);
		expect(flow.closeReason).toBe("closed");
		expect(stats.flowsClosed).toBe(1);
		expect(stats.gaps).toBe(0);
		expect(stats.activeFlows).toBe(0);
	});

	for (const [name, linktype, vlans] of [
		["Ethernet", LINK_ETHERNET, []],
		["Ethernet with two VLAN tags", LINK_ETHERNET, [10, 20]],
		["raw IP", LINK_RAW, []],
		["Linux SLL", LINK_SLL, []],
		["Linux SLL2", LINK_SLL2, []],
		["BSD loopback", LINK_NULL, []],
	] as const) {
		for (const [family, client, server] of [
			["IPv4", CLIENT, SERVER],
			["IPv6", { address: "2001:db8::1", port: 40000 }, { address: "2001:db8::2", port: 80 }],
		] as const) {
			test(`${name} over ${family}`, () => {
				const c = new Conversation(client, server, { linktype, vlans: [...vlans] })
					.handshake()
					.send(0, "ping")
					.send(1, "pong")
					.fin(0)
					.fin(1);
				const { listener } = run(c.packets, linktype);
				const flow = listener.flows[0]!;
				expect(flow.info.family).toBe(family === "IPv4" ? 4 : 6);
				expect(flow.info.client).toEqual(client);
				expect(streamText(flow, 0)).toBe("ping");
				expect(streamText(flow, 1)).toBe("pong");
				expect(flow.closeReason).toBe("closed");
			});
		}
	}

	test("Ethernet padding after a short IP packet is not payload", () => {
		const packet = frame(
			{
				src: "10.0.0.1",
				dst: "10.0.0.2",
				sport: 40000,
				dport: 80,
				seq: 1,
				ack: 1,
				flags: "PA",
				payload: "x",
			},
			{ padTo: 60 },
		);
		const listener = new RecordingListener();
		const reassembler = new TcpReassembler(listener);
		reassembler.push(LINK_ETHERNET, 1, 0, packet);
		reassembler.close();
		expect(streamText(listener.flows[0]!, 0)).toBe("x");
	});

	test("frames that are not TCP/IP are counted, not reassembled", () => {
		const listener = new RecordingListener();
		const reassembler = new TcpReassembler(listener);
		reassembler.push(LINK_ETHERNET, 1, 0, new Uint8Array(14)); // EtherType 0
		const udp = frame(
			{ src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2, seq: 0, flags: "" },
			{ linktype: LINK_RAW },
		);
		udp[9] = 17;
		reassembler.push(LINK_RAW, 1, 0, udp);
		const fragment = frame(
			{ src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2, seq: 0, flags: "A" },
			{ linktype: LINK_RAW },
		);
		fragment[6] = 0x20; // more fragments
		reassembler.push(LINK_RAW, 1, 0, fragment);
		reassembler.push(LINK_RAW, 1, 0, new Uint8Array([0x45, 0, 0]));
		reassembler.push(147, 1, 0, new Uint8Array(40)); // unknown link type
		expect(reassembler.stats).toMatchObject({
			notIp: 2,
			notTcp: 1,
			ipFragments: 1,
			malformed: 1,
			tcpSegments: 0,
		});
		expect(listener.flows).toHaveLength(0);
	});
});

describe("disorder", () => {
	test("out-of-order segments are delivered in order", () => {
		const c = new Conversation(CLIENT, SERVER).handshake().send(0, "aaaabbbbccccdddd", 4).fin(0).fin(1);
		const p = c.packets;
		// handshake (3), then a b c d, then FINs
		const shuffled = [p[0]!, p[1]!, p[2]!, p[6]!, p[4]!, p[3]!, p[5]!, p[7]!, p[8]!];
		const { listener, stats } = run(shuffled);
		expect(streamText(listener.flows[0]!, 0)).toBe("aaaabbbbccccdddd");
		expect(stats.outOfOrderSegments).toBe(2);
		expect(stats.gaps).toBe(0);
		expect(listener.flows[0]!.closeReason).toBe("closed");
	});

	test("retransmissions and overlaps keep the first copy and count conflicts", () => {
		const c = new Conversation(CLIENT, SERVER).handshake();
		const base = c.clientSeq;
		const seg = (seq: number, payload: string) =>
			frame({
				src: "10.0.0.1",
				dst: "10.0.0.2",
				sport: 40000,
				dport: 80,
				seq: base + seq,
				ack: c.serverSeq,
				flags: "PA",
				payload,
			});
		const listener = new RecordingListener();
		const reassembler = new TcpReassembler(listener);
		for (const p of c.packets) reassembler.push(LINK_ETHERNET, p.tsSec, p.tsUsec, p.data);
		reassembler.push(LINK_ETHERNET, 2, 0, seg(0, "0123"));
		reassembler.push(LINK_ETHERNET, 2, 1, seg(0, "0123")); // same bytes again
		reassembler.push(LINK_ETHERNET, 2, 2, seg(8, "89ab")); // ahead: held
		reassembler.push(LINK_ETHERNET, 2, 3, seg(10, "XXcd")); // overlaps held "ab" with "XX": conflict
		reassembler.push(LINK_ETHERNET, 2, 4, seg(2, "2Y4567")); // overlaps delivered "23" with "2Y": conflict
		reassembler.close();
		expect(streamText(listener.flows[0]!, 0)).toBe("0123456789abcd");
		expect(reassembler.stats.conflictingOverlaps).toBe(2);
		expect(reassembler.stats.duplicateBytes).toBe(4 + 2 + 2);
	});

	test("a hole that is never filled becomes a gap when the flow ends", () => {
		const c = new Conversation(CLIENT, SERVER).handshake().send(0, "aaaabbbbcccc", 4).fin(0).fin(1);
		const withoutB = c.packets.filter((_, i) => i !== 4);
		const { listener, stats } = run(withoutB);
		const flow = listener.flows[0]!;
		expect(streamText(flow, 0)).toBe("aaaa[gap 4]cccc");
		expect(stats.gaps).toBe(1);
		expect(stats.gapBytes).toBe(4);
		expect(flow.ends[0]).toBe("fin"); // reached, with the hole before it declared missing
		expect(flow.closeReason).toBe("closed"); // both FINs were seen; only the hole kept it open
	});

	test("a lost last segment is a gap up to the FIN", () => {
		const c = new Conversation(CLIENT, SERVER).handshake().send(1, "aaaabbbb", 4).fin(1).fin(0);
		const { listener } = run(c.packets.filter((_, i) => i !== 4));
		expect(streamText(listener.flows[0]!, 1)).toBe("aaaa[gap 4]");
	});

	test("a lost last segment with no FIN is a gap up to what the peer acknowledged", () => {
		const c = new Conversation(CLIENT, SERVER).handshake().send(1, "aaaabbbb", 4).ack(0);
		const { listener } = run(c.packets.filter((_, i) => i !== 4));
		expect(streamText(listener.flows[0]!, 1)).toBe("aaaa[gap 4]");
	});

	test("a hole older than holeTimeout becomes a gap while the flow goes on", () => {
		const c = new Conversation(CLIENT, SERVER)
			.handshake()
			.send(0, "aaaa")
			.send(0, "bbbb")
			.wait(5_000_000)
			.send(0, "cccc");
		const packets = c.packets.filter((_, i) => i !== 3);
		const listener = new RecordingListener();
		const reassembler = new TcpReassembler(listener, { holeTimeout: 2 });
		for (const p of packets) reassembler.push(LINK_ETHERNET, p.tsSec, p.tsUsec, p.data);
		expect(streamText(listener.flows[0]!, 0)).toBe("[gap 4]bbbbcccc");
		expect(listener.flows[0]!.closeReason).toBeUndefined();
	});

	test("the per-flow buffer limit forces a gap", () => {
		const c = new Conversation(CLIENT, SERVER).handshake().send(0, "a".repeat(10) + "b".repeat(30), 10);
		const packets = c.packets.filter((_, i) => i !== 3);
		const { listener, stats } = run(packets, LINK_ETHERNET, { maxFlowBufferBytes: 15 });
		expect(streamText(listener.flows[0]!, 0)).toBe(`[gap 10]${"b".repeat(30)}`);
		expect(stats.bufferLimitGaps).toBe(1);
		expect(stats.peakBufferedBytes).toBeLessThanOrEqual(20);
	});

	test("sequence numbers wrap around 2^32", () => {
		const c = new Conversation(CLIENT, SERVER, { clientIsn: 0xfffffff0, serverIsn: 0xffffffff })
			.handshake()
			.send(0, "0123456789abcdefghijklmnopqrstuvwxyz", 8)
			.send(1, "server data crossing zero", 5)
			.fin(0)
			.fin(1);
		const p = c.packets;
		const reordered = [...p.slice(0, 3), p[5]!, p[3]!, p[4]!, ...p.slice(6)];
		const { listener, stats } = run(reordered);
		expect(streamText(listener.flows[0]!, 0)).toBe("0123456789abcdefghijklmnopqrstuvwxyz");
		expect(streamText(listener.flows[0]!, 1)).toBe("server data crossing zero");
		expect(stats.gaps).toBe(0);
		expect(listener.flows[0]!.closeReason).toBe("closed");
	});
});

describe("connection life", () => {
	test("a flow seen mid-stream starts at its first segment and guesses the client by port", () => {
		const c = new Conversation(CLIENT, SERVER).handshake().send(0, "one").send(1, "two").send(0, "three");
		const { listener } = run(c.packets.slice(3));
		const flow = listener.flows[0]!;
		expect(flow.info.midstream).toBe(true);
		expect(flow.info.client).toEqual(CLIENT);
		expect(streamText(flow, 0)).toBe("onethree");
		expect(streamText(flow, 1)).toBe("two");
	});

	test("RST ends the flow at once when nothing is missing", () => {
		const c = new Conversation(CLIENT, SERVER).handshake().send(0, "hi").reset(1);
		const listener = new RecordingListener();
		const reassembler = new TcpReassembler(listener);
		for (const p of c.packets) reassembler.push(LINK_ETHERNET, p.tsSec, p.tsUsec, p.data);
		expect(listener.flows[0]!.closeReason).toBe("reset");
		expect(listener.flows[0]!.ends).toEqual(["cut", "cut"]);
		expect(reassembler.stats.flowsClosed).toBe(1);
	});

	test("packets after the close are absorbed; a new SYN on the same ports starts a new flow", () => {
		const first = simpleExchange();
		const second = new Conversation(CLIENT, SERVER, { clientIsn: 90000 })
			.handshake()
			.send(0, "again")
			.fin(0)
			.fin(1);
		const late = first.packets[first.packets.length - 2]!; // a retransmitted FIN
		const { listener, stats } = run([...first.packets, late, ...second.packets]);
		expect(listener.flows).toHaveLength(2);
		expect(listener.flows.map((f) => f.info.id)).toEqual([0, 1]);
		expect(streamText(listener.flows[1]!, 0)).toBe("again");
		expect(stats.packetsAfterClose).toBe(2); // the last ACK of the first connection, and the late FIN
	});

	test("a SYN with another ISN on an open flow supersedes it", () => {
		const first = new Conversation(CLIENT, SERVER).handshake().send(0, "unfinished");
		const second = new Conversation(CLIENT, SERVER, { clientIsn: 777777 })
			.handshake()
			.send(0, "fresh")
			.fin(0)
			.fin(1);
		const { listener, stats } = run([...first.packets, ...second.packets]);
		expect(listener.flows.map((f) => f.closeReason)).toEqual(["superseded", "closed"]);
		expect(streamText(listener.flows[0]!, 0)).toBe("unfinished");
		expect(streamText(listener.flows[1]!, 0)).toBe("fresh");
		expect(stats).toMatchObject({ flowsSuperseded: 1, packetsAfterClose: 0, activeFlows: 0 });
	});

	test("idle flows expire after idleTimeout and are counted", () => {
		const a = new Conversation(CLIENT, SERVER).handshake().send(0, "x");
		const b = new Conversation({ address: "10.0.0.3", port: 40001 }, SERVER).wait(100_000_000).handshake();
		const listener = new RecordingListener();
		const reassembler = new TcpReassembler(listener, { idleTimeout: 60 });
		for (const p of [...a.packets, ...b.packets]) reassembler.push(LINK_ETHERNET, p.tsSec, p.tsUsec, p.data);
		expect(listener.flows[0]!.closeReason).toBe("idle");
		expect(listener.flows[1]!.closeReason).toBeUndefined();
		expect(reassembler.stats.flowsExpired).toBe(1);
		expect(reassembler.flowCount).toBe(1);
	});

	test("maxFlows evicts the least recently active flow and counts it", () => {
		const listener = new RecordingListener();
		const reassembler = new TcpReassembler(listener, { maxFlows: 2 });
		for (let i = 0; i < 5; i++) {
			const c = new Conversation({ address: "10.0.0.1", port: 1000 + i }, SERVER)
				.wait(i * 2_000_000)
				.handshake();
			for (const p of c.packets) reassembler.push(LINK_ETHERNET, p.tsSec, p.tsUsec, p.data);
		}
		expect(reassembler.flowCount).toBe(2);
		expect(reassembler.stats.flowsEvicted).toBe(3);
		expect(listener.flows.map((f) => f.closeReason)).toEqual([
			"evicted",
			"evicted",
			"evicted",
			undefined,
			undefined,
		]);
	});

	test("tick() runs the timeouts without packets", () => {
		const c = new Conversation(CLIENT, SERVER).handshake().send(0, "x");
		const listener = new RecordingListener();
		const reassembler = new TcpReassembler(listener, { idleTimeout: 10 });
		for (const p of c.packets) reassembler.push(LINK_ETHERNET, p.tsSec, p.tsUsec, p.data);
		reassembler.tick(c.packets[0]!.tsSec + 5, 0);
		expect(listener.flows[0]!.closeReason).toBeUndefined();
		reassembler.tick(c.packets[0]!.tsSec + 11, 0);
		expect(listener.flows[0]!.closeReason).toBe("idle");
	});
});
