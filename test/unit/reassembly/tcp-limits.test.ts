import { describe, expect, test } from "bun:test";
import { ReassemblyOptionError, TcpReassembler } from "../../../src/reassembly/index.ts";
import { Conversation, frame, LINK_ETHERNET } from "./packet-builder.ts";
import { RecordingListener, streamText } from "./recording-listener.ts";

const SERVER = { address: "10.0.0.2", port: 80 };

describe("limits and timeouts", () => {
	test("the global buffer limit declares the oldest holes missing first", () => {
		const listener = new RecordingListener();
		const reassembler = new TcpReassembler(listener, { maxBufferBytes: 25 });
		const conversations = [1, 2, 3].map((i) =>
			new Conversation({ address: `10.0.0.${10 + i}`, port: 40000 }, SERVER)
				.handshake()
				.send(0, "aaaaaaaaaabbbbbbbbbb", 10),
		);
		for (const c of conversations) {
			// handshake, then the second piece only: 10 bytes held behind a hole
			for (const p of [...c.packets.slice(0, 3), c.packets[4]!])
				reassembler.push(LINK_ETHERNET, p.tsSec, p.tsUsec, p.data);
		}
		expect(reassembler.stats.bufferLimitGaps).toBe(1);
		expect(reassembler.stats.peakBufferedBytes).toBeLessThanOrEqual(25);
		expect(streamText(listener.flows[0]!, 0)).toBe("[gap 10]bbbbbbbbbb");
		expect(streamText(listener.flows[1]!, 0)).toBe("");
		expect(streamText(listener.flows[2]!, 0)).toBe("");
	});

	test("after RST a flow with a hole waits closeTimeout for it, then ends with the gap", () => {
		const c = new Conversation({ address: "10.0.0.1", port: 40000 }, SERVER)
			.handshake()
			.send(0, "aaaabbbb", 4)
			.reset(0);
		const listener = new RecordingListener();
		const reassembler = new TcpReassembler(listener, { closeTimeout: 5 });
		for (const p of c.packets.filter((_, i) => i !== 3))
			reassembler.push(LINK_ETHERNET, p.tsSec, p.tsUsec, p.data);
		expect(listener.flows[0]!.closeReason).toBeUndefined();
		reassembler.tick(c.packets[0]!.tsSec + 6, 0);
		expect(listener.flows[0]!.closeReason).toBe("reset");
		expect(streamText(listener.flows[0]!, 0)).toBe("[gap 4]bbbb");
		expect(reassembler.flowCount).toBe(0);
	});

	test("bytes cut by the snapshot length are reported as a gap right away", () => {
		const listener = new RecordingListener();
		const reassembler = new TcpReassembler(listener);
		const base = { src: "10.0.0.1", dst: "10.0.0.2", sport: 40000, dport: 80 };
		reassembler.push(LINK_ETHERNET, 1, 0, frame({ ...base, seq: 100, flags: "S" }));
		reassembler.push(
			LINK_ETHERNET,
			1,
			1,
			frame({ ...base, seq: 101, flags: "A", payload: "head", cutBytes: 6 }),
		);
		reassembler.push(LINK_ETHERNET, 1, 2, frame({ ...base, seq: 111, flags: "A", payload: "tail" }));
		expect(streamText(listener.flows[0]!, 0)).toBe("head[gap 6]tail");
		expect(reassembler.stats.truncatedSegments).toBe(1);
	});

	test("without the retransmission ring, differing retransmissions are not detected", () => {
		const listener = new RecordingListener();
		const reassembler = new TcpReassembler(listener, { overlapCheckBytes: 0 });
		const base = { src: "10.0.0.1", dst: "10.0.0.2", sport: 40000, dport: 80 };
		reassembler.push(LINK_ETHERNET, 1, 0, frame({ ...base, seq: 100, flags: "S" }));
		reassembler.push(LINK_ETHERNET, 1, 1, frame({ ...base, seq: 101, flags: "A", payload: "abcd" }));
		reassembler.push(LINK_ETHERNET, 1, 2, frame({ ...base, seq: 101, flags: "A", payload: "XXXX" }));
		expect(reassembler.stats.conflictingOverlaps).toBe(0);
		expect(reassembler.stats.duplicateBytes).toBe(4);
		expect(streamText(listener.flows[0]!, 0)).toBe("abcd");
	});

	test("options are validated with a typed error", () => {
		const listener = new RecordingListener();
		expect(() => new TcpReassembler(listener, { maxFlows: 0 })).toThrow(ReassemblyOptionError);
		expect(() => new TcpReassembler(listener, { maxBufferBytes: 1.5 })).toThrow(
			"Invalid maxBufferBytes 1.5: expected an integer",
		);
		expect(() => new TcpReassembler(listener, { idleTimeout: -1 })).toThrow(ReassemblyOptionError);
		const reassembler = new TcpReassembler(listener, { maxBufferBytes: 100, maxFlowBufferBytes: 1000 });
		expect(reassembler.options.maxFlowBufferBytes).toBe(100);
	});

	test("push after close is refused", () => {
		const reassembler = new TcpReassembler(new RecordingListener());
		reassembler.close();
		expect(() => reassembler.push(LINK_ETHERNET, 1, 0, new Uint8Array(60))).toThrow(
			"Cannot push packets after close()",
		);
	});
});
