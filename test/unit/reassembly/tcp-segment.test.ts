import { describe, expect, test } from "bun:test";
import { addressText, flowKey, type KeyOrientation } from "../../../src/reassembly/flow-key.ts";
import { decodeTcpSegment, newTcpSegment } from "../../../src/reassembly/tcp-segment.ts";
import { concatBytes } from "../../support/bytes.ts";
import { frame, ipPacket, LINK_ETHERNET, LINK_RAW, LINK_SLL, parseAddress } from "./packet-builder.ts";

const spec = {
	src: "10.0.0.1",
	dst: "10.0.0.2",
	sport: 1234,
	dport: 80,
	seq: 7,
	ack: 9,
	flags: "PA",
	payload: "abc",
};

function decode(linktype: number, bytes: Uint8Array) {
	const segment = newTcpSegment();
	return { outcome: decodeTcpSegment(linktype, bytes, segment), segment };
}

describe("decodeTcpSegment", () => {
	test("reads ports, numbers, flags and payload position", () => {
		const { outcome, segment } = decode(LINK_ETHERNET, frame(spec));
		expect(outcome).toBe("tcp");
		expect(segment).toMatchObject({ family: 4, srcPort: 1234, dstPort: 80, seq: 7, ack: 9, flags: 0x18 });
		expect(
			new TextDecoder().decode(
				segment.frame.subarray(segment.payloadOffset, segment.payloadOffset + segment.payloadLength),
			),
		).toBe("abc");
	});

	test("802.1ad outer tag and 802.1Q inner tag are skipped", () => {
		const inner = frame(spec, { vlans: [5] });
		const qinq = concatBytes(inner.subarray(0, 12), new Uint8Array([0x88, 0xa8, 0, 9]), inner.subarray(12));
		expect(decode(LINK_ETHERNET, qinq).segment.payloadLength).toBe(3);
	});

	test("IPv6 extension headers before TCP are walked; fragments are reported", () => {
		const plain = ipPacket({ ...spec, src: "2001:db8::1", dst: "2001:db8::2" });
		const withOptions = concatBytes(
			plain.subarray(0, 40),
			new Uint8Array([60, 0, 1, 4, 0, 0, 0, 0]),
			new Uint8Array([6, 0, 1, 4, 0, 0, 0, 0]),
			plain.subarray(40),
		);
		withOptions[6] = 0; // hop-by-hop first
		withOptions[5] = plain[5]! + 16;
		const decoded = decode(LINK_RAW, withOptions);
		expect(decoded.outcome).toBe("tcp");
		expect(decoded.segment.payloadLength).toBe(3);
		const fragment = concatBytes(
			plain.subarray(0, 40),
			new Uint8Array([6, 0, 0, 1, 0, 0, 0, 1]),
			plain.subarray(40),
		);
		fragment[6] = 44;
		expect(decode(LINK_RAW, fragment).outcome).toBe("fragment");
	});

	test("short, cut and foreign frames are classified, never thrown on", () => {
		const good = frame(spec, { linktype: LINK_RAW });
		expect(decode(LINK_RAW, good.subarray(0, 30)).outcome).toBe("malformed");
		const sll = frame(spec, { linktype: LINK_SLL });
		sll[14] = 0x08;
		sll[15] = 0x06; // ARP
		expect(decode(LINK_SLL, sll).outcome).toBe("not-ip");
		for (let length = 0; length < good.length; length++) {
			expect(() => decode(LINK_RAW, good.subarray(0, length))).not.toThrow();
		}
	});

	test("a capture cut by the snapshot length keeps the announced payload length", () => {
		const { segment } = decode(LINK_ETHERNET, frame({ ...spec, cutBytes: 100 }));
		expect(segment.payloadLength).toBe(3);
		expect(segment.wirePayloadLength).toBe(103);
	});
});

describe("flow keys and addresses", () => {
	test("both directions share one key, and the orientation tells them apart", () => {
		const a = newTcpSegment();
		const b = newTcpSegment();
		decodeTcpSegment(LINK_ETHERNET, frame(spec), a);
		decodeTcpSegment(
			LINK_ETHERNET,
			frame({ ...spec, src: spec.dst, dst: spec.src, sport: 80, dport: 1234 }),
			b,
		);
		const oa: KeyOrientation = { fromFirst: false };
		const ob: KeyOrientation = { fromFirst: false };
		expect(flowKey(a, oa)).toBe(flowKey(b, ob));
		expect(oa.fromFirst).not.toBe(ob.fromFirst);
	});

	test("IPv6 text follows RFC 5952", () => {
		const text = (address: string) => addressText(parseAddress(address), 0, 6);
		expect(text("::1")).toBe("::1");
		expect(text("2001:db8:0:0:1:0:0:1")).toBe("2001:db8::1:0:0:1");
		expect(text("2001:db8:0:1:1:1:1:1")).toBe("2001:db8:0:1:1:1:1:1");
		expect(text("fe80::")).toBe("fe80::");
		expect(addressText(parseAddress("192.0.2.33"), 0, 4)).toBe("192.0.2.33");
	});
});
