// ControlClient: replies in request order, asynchronous ERRORs told apart, violations and timeouts close the connection.

import { describe, expect, test } from "bun:test";
import {
	ControlClient,
	ControlClosedError,
	ProtocolViolationError,
	RemoteError,
	ReplyTimeoutError,
} from "../../../src/collector/index.ts";
import {
	encodeAuthReply,
	encodeEmptyMessage,
	encodeErrorMessage,
	encodeStatsReply,
	MessageType,
} from "../../../src/protocol/index.ts";
import { FakeSensor } from "./support/fake-sensor.ts";

function setup() {
	const sensor = new FakeSensor(() => null);
	const asyncErrors: RemoteError[] = [];
	const closes: (Error | null)[] = [];
	const client = new ControlClient(sensor.transport, {
		asyncError: (error) => asyncErrors.push(error),
		closed: (error) => closes.push(error),
	});
	return { sensor, client, asyncErrors, closes };
}

const statsRequest = () => encodeEmptyMessage(MessageType.STATS_REQ);

describe("ControlClient", () => {
	test("replies split byte by byte or coalesced resolve their requests in order", async () => {
		const { sensor, client } = setup();
		const first = client.request(encodeEmptyMessage(MessageType.AUTH_REQ), 1000);
		const second = client.request(statsRequest(), 1000);
		const auth = encodeAuthReply();
		const stats = encodeStatsReply({ ifRecv: 1, ifDrop: 2, krnlDrop: 3, svrCapt: 4 });
		const both = new Uint8Array([...auth, ...stats]);
		for (let i = 0; i < 5; i++) sensor.send(both.subarray(i, i + 1));
		sensor.send(both.subarray(5));
		expect((await first).header.type).toBe(MessageType.AUTH_REPLY);
		const reply = await second;
		expect(reply.header.type).toBe(MessageType.STATS_REPLY);
		expect(Array.from(reply.payload)).toEqual(Array.from(stats.subarray(8)));
	});

	test("an ERROR with the pending request's code answers it", async () => {
		const { sensor, client, asyncErrors } = setup();
		const pending = client.request(statsRequest(), 1000);
		sensor.send(encodeErrorMessage(8, "stats failed"));
		const error = await pending.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(RemoteError);
		expect((error as RemoteError).code).toBe(8);
		expect((error as RemoteError).text).toBe("stats failed");
		expect(asyncErrors).toEqual([]);
	});

	test("ERROR 9 (and 12 outside STARTCAP) while another request waits is asynchronous; the reply still arrives", async () => {
		const { sensor, client, asyncErrors } = setup();
		const pending = client.request(statsRequest(), 1000);
		sensor.send(encodeErrorMessage(9, "Error reading the packets: gone"));
		sensor.send(encodeErrorMessage(12, "Data connection was not established within 10 s"));
		sensor.send(encodeStatsReply({ ifRecv: 0, ifDrop: 0, krnlDrop: 0, svrCapt: 0 }));
		expect((await pending).header.type).toBe(MessageType.STATS_REPLY);
		expect(asyncErrors.map((e) => e.code)).toEqual([9, 12]);
	});

	test("ERROR 12 answers a pending STARTCAP; an ERROR with nothing pending is asynchronous", async () => {
		const { sensor, client, asyncErrors } = setup();
		const pending = client.request(encodeEmptyMessage(MessageType.STARTCAP_REQ), 1000);
		sensor.send(encodeErrorMessage(12, "No capture device was specified"));
		expect(((await pending.catch((e: unknown) => e)) as RemoteError).code).toBe(12);
		sensor.send(encodeErrorMessage(6, "stray"));
		await Bun.sleep(5);
		expect(asyncErrors.map((e) => e.text)).toEqual(["stray"]);
	});

	test("a reply of the wrong type or version is a protocol violation that closes the connection", async () => {
		for (const bad of [encodeEmptyMessage(MessageType.ENDCAP_REPLY), encodeAuthReply({}, 1)]) {
			const { sensor, client, closes } = setup();
			const pending = client.request(encodeEmptyMessage(MessageType.AUTH_REQ), 1000);
			sensor.send(bad);
			const error = await pending.catch((e: unknown) => e);
			expect(error).toBeInstanceOf(ProtocolViolationError);
			expect(closes[0]).toBeInstanceOf(ProtocolViolationError);
			expect(sensor.closedByClient).toBe(true);
			expect(client.closed).toBe(true);
		}
	});

	test("an unsolicited reply is a protocol violation", async () => {
		const { sensor, closes } = setup();
		sensor.send(encodeAuthReply());
		await Bun.sleep(5);
		expect((closes[0] as Error).message).toBe(
			"RPCAP_MSG_AUTH_REPLY message received in response to no request",
		);
	});

	test("no reply in time: ReplyTimeoutError, connection closed", async () => {
		const { sensor, client } = setup();
		const error = await client.request(statsRequest(), 20).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ReplyTimeoutError);
		expect((error as Error).message).toBe("No reply to RPCAP_MSG_STATS_REQ within 0.02 s");
		expect(sensor.closedByClient).toBe(true);
	});

	test("EOF fails pending requests; later requests fail at once", async () => {
		const { sensor, client, closes } = setup();
		const pending = client.request(statsRequest(), 1000);
		sensor.hangUp();
		const error = await pending.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ControlClosedError);
		expect((error as Error).message).toBe(
			"Control connection closed before the reply to RPCAP_MSG_STATS_REQ",
		);
		expect(closes).toEqual([null]);
		expect(await client.request(statsRequest(), 1000).catch((e: unknown) => e)).toBeInstanceOf(
			ControlClosedError,
		);
	});

	test("an oversized reply closes the connection", async () => {
		const { sensor, client } = setup();
		const pending = client.request(encodeEmptyMessage(MessageType.FINDALLIF_REQ), 1000);
		sensor.send(Uint8Array.of(0, 0x82, 0, 1, 0x7f, 0xff, 0xff, 0xff));
		expect(await pending.catch((e: unknown) => e)).toBeInstanceOf(ProtocolViolationError);
		expect(client.closed).toBe(true);
	});
});
