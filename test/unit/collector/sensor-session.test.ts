// SensorSession against an in-memory sensor: the request sequence, data channels per mode, and every way it ends.

import { describe, expect, test } from "bun:test";
import { SessionError, SinkStreamError } from "../../../src/collector/index.ts";
import {
	AuthType,
	decodeOpenRequest,
	decodeStartcapRequest,
	encodeErrorMessage,
	encodePacket,
	encodeStartcapReply,
	MessageType,
	StartcapFlag,
	utf8Decode,
} from "../../../src/protocol/index.ts";
import {
	type FakeSensor,
	interfaces,
	type ReceivedRequest,
	standardResponder,
} from "./support/fake-sensor.ts";
import { compiledProgram, sessionFixture, waitUntil } from "./support/session-fixture.ts";

function startcapOf(sensor: FakeSensor) {
	const request = sensor.requests.find((r) => r.header.type === MessageType.STARTCAP_REQ)!;
	const decoded = decodeStartcapRequest(request.payload);
	if (!decoded.filter.ok) throw decoded.filter.error;
	return { ...decoded, program: decoded.filter.program, plen: request.header.payloadLength };
}

function openedName(sensor: FakeSensor): string {
	return decodeOpenRequest(sensor.requests.find((r) => r.header.type === MessageType.OPEN_REQ)!.payload);
}

function packets(count: number, first = 1): Uint8Array {
	const parts = Array.from({ length: count }, (_, i) =>
		encodePacket({
			timestampSec: 1_700_000_000 + i,
			timestampUsec: i * 10,
			length: 100 + i,
			npkt: first + i,
			data: new Uint8Array(60 + i).fill(i),
		}),
	);
	return Buffer.concat(parts);
}

async function failure(run: Promise<unknown>): Promise<SessionError> {
	const end = (await run) as { reason: string; error?: SessionError };
	expect(end.reason).toBe("failed");
	expect(end.error).toBeInstanceOf(SessionError);
	return end.error!;
}

describe("SensorSession, passive TCP", () => {
	test("AUTH, FINDALLIF, OPEN the first real interface, STARTCAP, dial, packets in order; stop = ENDCAP + CLOSE", async () => {
		const f = sessionFixture(standardResponder());
		const run = f.session.run();
		await waitUntil("capturing", () => f.session.state === "capturing");
		expect(f.sensor.types).toEqual([
			MessageType.AUTH_REQ,
			MessageType.FINDALLIF_REQ,
			MessageType.OPEN_REQ,
			MessageType.STARTCAP_REQ,
		]);
		expect(f.sensor.requests[0]!.header.payloadLength).toBe(8);
		expect(new DataView(f.sensor.requests[0]!.payload.buffer).getUint16(0)).toBe(AuthType.NULL);
		expect(openedName(f.sensor)).toBe("eth0");
		const startcap = startcapOf(f.sensor);
		expect(startcap).toMatchObject({
			snaplen: 1500,
			readTimeout: 100,
			flags: StartcapFlag.PROMISC,
			portData: 0,
		});
		// No filter: one `ret #snaplen`, inside plen (not libpcap's §7.7 shape).
		expect(startcap.program).toEqual([{ code: 0x06, jt: 0, jf: 0, k: 1500 }]);
		expect(startcap.plen).toBe(28);
		expect(f.data.dials).toEqual([{ address: "127.0.0.2", port: 4242, tls: null }]);
		expect(f.observer.choices[0]).toEqual({ name: "eth0", description: "First NIC", reason: "first-up" });
		expect(f.observer.streams[0]).toMatchObject({
			iface: "eth0",
			dlt: 1,
			linktype: 1,
			snaplen: 1500,
			filter: null,
		});
		const stream = f.data.streams[0]!;
		const bytes = packets(50);
		for (let at = 0; at < bytes.length; at += 97) stream.push(bytes.subarray(at, at + 97));
		expect(f.observer.packets.map((p) => p.npkt)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
		expect(f.observer.packets[3]).toMatchObject({ tsSec: 1_700_000_003, tsUsec: 30, len: 103 });
		expect(f.observer.packets[3]!.data).toEqual(new Uint8Array(63).fill(3));
		await f.session.stop();
		expect(await run).toEqual({ reason: "stopped" });
		expect(f.sensor.types.slice(-2)).toEqual([MessageType.ENDCAP_REQ, MessageType.CLOSE]);
		expect(stream.closed).toBe(true);
		expect(f.observer.receiverNow).toBeNull();
		expect(f.observer.states).toEqual(["opening", "starting", "capturing", "stopping", "ended"]);
	});

	test("a filter expression is compiled for the sensor's DLT and sent in STARTCAP", async () => {
		const f = sessionFixture(standardResponder(), { filter: "ip" });
		const run = f.session.run();
		await waitUntil("capturing", () => f.session.state === "capturing");
		expect(f.compiles).toEqual([{ dlt: 1, snaplen: 1500, expression: "ip" }]);
		expect(startcapOf(f.sensor).program).toEqual(compiledProgram);
		expect(f.observer.streams[0]!.filter).toBe("ip");
		await f.session.stop();
		await run;
	});

	test("the sensor's STATS are polled while capturing", async () => {
		const f = sessionFixture(standardResponder(), { statsIntervalMs: 10 });
		const run = f.session.run();
		await waitUntil("two stats", () => f.observer.stats.length >= 2);
		expect(f.observer.stats[0]).toEqual({ ifRecv: 10, ifDrop: 1, krnlDrop: 2, svrCapt: 7 });
		await f.session.stop();
		await run;
	});
});

describe("SensorSession, interface choice", () => {
	test("the ;preselected interface wins over --iface; its marker is removed from the description", async () => {
		const f = sessionFixture(standardResponder(), { preferredIface: "eth1" });
		f.sensor.interfaces = [
			...interfaces,
			{ name: "vA", description: "Tap ;preselected", flags: 0x16, addresses: [] },
		];
		const run = f.session.run();
		await waitUntil("capturing", () => f.session.state === "capturing");
		expect(openedName(f.sensor)).toBe("vA");
		expect(f.observer.streams[0]!.description).toBe("Tap");
		await f.session.stop();
		await run;
	});

	test("the URL's interface is opened as named; a sensor that cannot list still lets --iface be opened", async () => {
		const named = sessionFixture(standardResponder(), { iface: "eth1" });
		const run1 = named.session.run();
		await waitUntil("capturing", () => named.session.state === "capturing");
		expect(openedName(named.sensor)).toBe("eth1");
		await named.session.stop();
		await run1;
		const unlisted = sessionFixture(
			standardResponder({ [MessageType.FINDALLIF_REQ]: () => encodeErrorMessage(4, "cannot list") }),
			{ preferredIface: "eth9" },
		);
		const run2 = unlisted.session.run();
		await waitUntil("capturing", () => unlisted.session.state === "capturing");
		expect(openedName(unlisted.sensor)).toBe("eth9");
		await unlisted.session.stop();
		await run2;
	});
});

describe("SensorSession, active mode and UDP", () => {
	test("active TCP: listener first, STARTCAP with SERVEROPEN and its port, the sensor connects before replying; no CLOSE on stop", async () => {
		let data: ReturnType<typeof sessionFixture>["data"] | null = null;
		const f = sessionFixture(
			standardResponder({
				[MessageType.STARTCAP_REQ]: () => {
					data!.connectFromSensor();
					return encodeStartcapReply({ bufferSize: 262144, portData: 0 });
				},
			}),
			{ mode: "active" },
		);
		data = f.data;
		const run = f.session.run();
		await waitUntil("capturing", () => f.session.state === "capturing");
		expect(f.data.listens).toEqual([{ local: "127.0.0.1", sensor: "127.0.0.2", tls: null }]);
		const startcap = startcapOf(f.sensor);
		expect(startcap.flags).toBe(StartcapFlag.SERVEROPEN | StartcapFlag.PROMISC);
		expect(startcap.portData).toBe(46000);
		f.data.streams[0]!.push(packets(3));
		expect(f.observer.packets.length).toBe(3);
		await f.session.stop();
		expect(await run).toEqual({ reason: "stopped" });
		expect(f.sensor.types.at(-1)).toBe(MessageType.ENDCAP_REQ);
		expect(f.sensor.types).not.toContain(MessageType.CLOSE);
	});

	test("UDP: socket bound first, STARTCAP with DGRAM and its port, buffer raised to bufsize, classic datagrams received", async () => {
		const f = sessionFixture(
			standardResponder({
				[MessageType.STARTCAP_REQ]: () => encodeStartcapReply({ bufferSize: 16 << 20, portData: 0 }),
			}),
			{ transport: "udp", promisc: false },
		);
		const run = f.session.run();
		await waitUntil("capturing", () => f.session.state === "capturing");
		const startcap = startcapOf(f.sensor);
		expect(startcap.flags).toBe(StartcapFlag.DGRAM);
		expect(startcap.portData).toBe(45000);
		const datagram = f.data.datagram!;
		expect(f.data.openedBufferBytes).toBe(8 << 20);
		expect(datagram.bufferRequests).toEqual([16 << 20]);
		const all = packets(5);
		let at = 0;
		for (let i = 0; i < 5; i++) {
			const length = 28 + 60 + i;
			if (i !== 2) datagram.deliver(all.subarray(at, at + length));
			at += length;
		}
		datagram.deliver(all.subarray(0, 88), "10.9.9.9");
		expect(f.observer.packets.map((p) => p.npkt)).toEqual([1, 2, 4, 5]);
		expect(f.observer.receiverNow!.counters()).toMatchObject({
			packets: 4,
			lostRecords: 1,
			foreignDatagrams: 1,
		});
		await f.session.stop();
		expect(await run).toEqual({ reason: "stopped" });
		expect(datagram.closed).toBe(true);
	});

	test("UDP over a TLS control connection is refused before STARTCAP", async () => {
		const f = sessionFixture(
			standardResponder(),
			{ transport: "udpstr", tls: { verify: false } },
			{ secure: true },
		);
		const error = await failure(f.session.run());
		expect(error.stage).toBe("startcap");
		expect(error.message).toBe("UDP data transport is not supported with TLS");
		expect(f.sensor.types).not.toContain(MessageType.STARTCAP_REQ);
	});
});

describe("SensorSession failures", () => {
	const cases: [
		string,
		Partial<Record<number, (r: ReceivedRequest) => Uint8Array>>,
		string,
		string,
		number | null,
	][] = [
		[
			"auth rejected",
			{ [MessageType.AUTH_REQ]: () => encodeErrorMessage(18, "Authentication failed") },
			"auth",
			"Authentication failed",
			18,
		],
		[
			"open refused",
			{ [MessageType.OPEN_REQ]: () => encodeErrorMessage(6, "can only open preselected interface 'vA'") },
			"open",
			"can only open preselected interface 'vA'",
			6,
		],
		[
			"startcap refused",
			{ [MessageType.STARTCAP_REQ]: () => encodeErrorMessage(12, "No capture device was specified") },
			"startcap",
			"No capture device was specified",
			12,
		],
		[
			"wrong reply type",
			{ [MessageType.AUTH_REQ]: () => encodeErrorMessage(1, "x").fill(0x83, 1, 2) },
			"protocol",
			"RPCAP_MSG_OPEN_REPLY message received in response to a RPCAP_MSG_AUTH_REQ message",
			null,
		],
	];
	for (const [name, overrides, stage, message, code] of cases) {
		test(`${name}: SessionError(${stage})`, async () => {
			const f = sessionFixture(standardResponder(overrides));
			const error = await failure(f.session.run());
			const actual: { stage: string; message: string; code: number | null } = {
				stage: error.stage,
				message: error.message,
				code: error.remoteCode,
			};
			expect(actual).toEqual({ stage, message, code });
			expect(f.sensor.closedByClient).toBe(true);
		});
	}

	test("a filter that does not compile fails the session before STARTCAP", async () => {
		const f = sessionFixture(standardResponder(), { filter: "bogus" });
		f.setCompiler(() => {
			throw new Error('Cannot compile filter "bogus": syntax error');
		});
		const error = await failure(f.session.run());
		expect(error.stage).toBe("filter");
		expect(f.sensor.types).not.toContain(MessageType.STARTCAP_REQ);
	});

	test("a sink that refuses the stream fails the session before STARTCAP", async () => {
		const f = sessionFixture(standardResponder());
		f.observer.refuseStream = new SinkStreamError(
			"Cannot add x/eth0 to a pcap file of link type 1: its link type is 113",
		);
		const error = await failure(f.session.run());
		expect(error.stage).toBe("sink");
		expect(error.message).toContain("link type is 113");
		expect(f.sensor.types).not.toContain(MessageType.STARTCAP_REQ);
	});

	test("an asynchronous ERROR during the capture ends it, with the sensor's code and text", async () => {
		const f = sessionFixture(standardResponder());
		const run = f.session.run();
		await waitUntil("capturing", () => f.session.state === "capturing");
		f.sensor.send(encodeErrorMessage(9, "Data connection stalled"));
		const error = await failure(run);
		expect({ stage: error.stage, code: error.remoteCode, message: error.message }).toEqual({
			stage: "capture",
			code: 9,
			message: "Sensor reported: Data connection stalled",
		});
		expect(f.data.streams[0]!.closed).toBe(true);
	});

	test("the data stream ending, or the control connection dropping, ends the capture", async () => {
		const dataEnd = sessionFixture(standardResponder());
		const run1 = dataEnd.session.run();
		await waitUntil("capturing", () => dataEnd.session.state === "capturing");
		dataEnd.data.streams[0]!.end();
		expect((await failure(run1)).message).toBe("The sensor closed the data connection");

		const hangUp = sessionFixture(standardResponder());
		const run2 = hangUp.session.run();
		await waitUntil("capturing", () => hangUp.session.state === "capturing");
		hangUp.sensor.hangUp();
		const error = await failure(run2);
		expect(error.message).toBe("The sensor closed the control connection");
		expect(hangUp.data.streams[0]!.closed).toBe(true);
	});

	test("stop while authenticating ends the session as stopped", async () => {
		const f = sessionFixture(() => null);
		const run = f.session.run();
		await waitUntil("auth sent", () => f.sensor.requests.length === 1);
		await f.session.stop();
		expect(await run).toEqual({ reason: "stopped" });
		expect(f.sensor.closedByClient).toBe(true);
	});

	test("a password request carries the credentials", async () => {
		const f = sessionFixture(
			standardResponder({ [MessageType.AUTH_REQ]: () => encodeErrorMessage(18, "Authentication failed") }),
			{ auth: { type: "password", username: "alice", password: "s3cret" } },
		);
		await failure(f.session.run());
		const payload = f.sensor.requests[0]!.payload;
		expect(utf8Decode(payload.subarray(8))).toBe("alices3cret");
	});
});
