// Session: FINDALLIF and OPEN rows of bad-inputs.md groups C and D, with scripted interfaces and preselection.

import { describe, expect, test } from "bun:test";
import type { Device } from "../../../src/capture/source.ts";
import type { Preselection } from "../../../src/daemon/session-types.ts";
import { decodeFindAllIfReply, decodeOpenReply, MessageType } from "../../../src/protocol/index.ts";
import { request } from "../../support/rpcap-requests.ts";
import { standardDevices } from "../../support/scripted-capture-backend.ts";
import { errorOf, expectReplies, SessionHarness } from "../../support/session-harness.ts";

const NO_INTERFACES =
	"No interfaces found! Make sure libpcap/WinPcap is properly installed and you have the right to access to the remote device.";
const NO_DEVICE = "ERROR 12 No capture device was specified";

function ipv4Device(name: string, addresses: number, description: string | null = null): Device {
	return {
		name,
		description,
		flags: 0x6,
		addresses: Array.from({ length: addresses }, (_, i) => ({
			addr: { family: "inet" as const, address: `10.${name.length}.${i >> 8}.${i & 0xff}` },
			netmask: { family: "inet" as const, address: "255.255.255.0" },
			broadaddr: null,
			dstaddr: null,
		})),
	};
}

describe("C FINDALLIF", () => {
	test("C1 37 junk bytes: consumed; plen is what was sent; value = interface count", async () => {
		const h = await SessionHarness.authenticated();
		await h.send(request.raw(MessageType.FINDALLIF_REQ, request.junk(37)), request.stats());
		const [reply] = expectReplies(h, ["FINDALLIF_REPLY", "STATS_REPLY"]);
		expect(h.channel.malformedSends).toEqual([]);
		expect(reply?.header.value).toBe(3);
		expect(decodeFindAllIfReply(reply!.payload, 3).map((i) => i.name)).toEqual(["eth0", "lo", "any"]);
	});

	test("C2 200 addresses (reply above 64000 bytes): full reply, warning logged", async () => {
		const devices = ["eth0", "eth1", "eth2", "eth3"].map((name) => ipv4Device(name, 50));
		const h = await SessionHarness.authenticated({ devices });
		await h.send(request.findAllIf(), request.stats());
		const [reply] = expectReplies(h, ["FINDALLIF_REPLY", "STATS_REPLY"]);
		expect(reply!.payload.length).toBeGreaterThan(64000);
		const interfaces = decodeFindAllIfReply(reply!.payload, reply!.header.value);
		expect(interfaces.reduce((n, i) => n + i.addresses.length, 0)).toBe(200);
		expect(h.logged("warn").some((line) => line.includes("exceeds 64000 bytes"))).toBe(true);
	});

	test("C3 2000-byte name skipped and logged; 2000-byte description cut to 1024 bytes", async () => {
		const devices = [
			ipv4Device("n".repeat(2000), 1),
			ipv4Device("eth1", 1, "d".repeat(2000)),
			ipv4Device("eth2", 1),
		];
		const h = await SessionHarness.authenticated({ devices });
		await h.send(request.findAllIf(), request.stats());
		const [reply] = expectReplies(h, ["FINDALLIF_REPLY", "STATS_REPLY"]);
		expect(reply?.header.value).toBe(2);
		const interfaces = decodeFindAllIfReply(reply!.payload, 2);
		expect(interfaces.map((i) => i.name)).toEqual(["eth1", "eth2"]);
		expect(interfaces[0]?.description).toBe("d".repeat(1024));
		expect(h.logged("warn").some((line) => line.includes("interface left out of FINDALLIF"))).toBe(true);
	});

	test("C4 no interfaces: ERROR 5 with the reference text", async () => {
		const h = await SessionHarness.authenticated({ devices: [] });
		await h.send(request.findAllIf(), request.stats());
		expectReplies(h, [`ERROR 5 ${NO_INTERFACES}`, "STATS_REPLY"]);
	});

	test("C5 enumeration fails: ERROR 4 with the backend's text", async () => {
		const h = await SessionHarness.authenticated();
		h.backend.listError = "eth0: SIOCGIFFLAGS: Permission denied";
		await h.send(request.findAllIf(), request.stats());
		expectReplies(h, ["ERROR 4 eth0: SIOCGIFFLAGS: Permission denied", "STATS_REPLY"]);
	});

	test("C6 client closes right after the reply without CLOSE: normal end, nothing above debug", async () => {
		const h = await SessionHarness.authenticated();
		await h.send(request.findAllIf());
		await h.peerClosed();
		expectReplies(h, ["FINDALLIF_REPLY"]);
		expect(h.ends).toEqual([{ reason: "eof" }]);
		expect(h.logged("warn")).toEqual([]);
	});

	test("C7 only IPv4 (2) and IPv6 (23) entries; naddr counts them; scope id BE; port and flowinfo 0", async () => {
		const h = await SessionHarness.authenticated();
		await h.send(request.findAllIf());
		const [reply] = expectReplies(h, ["FINDALLIF_REPLY"]);
		const payload = reply!.payload;
		const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
		// eth0 comes first: 12-byte record, name, description, then its address entries.
		expect(view.getUint16(0)).toBe(4);
		const descriptionLength = view.getUint16(2);
		expect(view.getUint16(8)).toBe(2);
		const first = 12 + 4 + descriptionLength;
		expect(view.getUint16(first)).toBe(2);
		expect(Array.from(payload.subarray(first + 4, first + 8))).toEqual([10, 77, 0, 1]);
		const second = first + 512;
		expect(view.getUint16(second)).toBe(23);
		expect(view.getUint16(second + 2)).toBe(0);
		expect(view.getUint32(second + 4)).toBe(0);
		expect(view.getUint32(second + 24)).toBe(2);
		expect(Array.from(payload.subarray(second + 8, second + 10))).toEqual([0xfe, 0x80]);
	});

	test("preselection: the interface first with ';preselected'; ERROR 5 when it is gone", async () => {
		const preselection: Preselection = {
			description: "ifname=lo",
			resolve: (devices) => (devices.some((d) => d.name === "lo") ? "lo" : null),
		};
		const h = await SessionHarness.authenticated({ preselection, info: { mode: "active" } });
		await h.send(request.findAllIf());
		const [reply] = expectReplies(h, ["FINDALLIF_REPLY"]);
		const interfaces = decodeFindAllIfReply(reply!.payload, reply!.header.value);
		expect(interfaces.map((i) => [i.name, i.description])).toEqual([
			["lo", ";preselected"],
			["eth0", "First Ethernet"],
			["any", "Pseudo-device that captures on all interfaces"],
		]);
		h.backend.devices = standardDevices().filter((d) => d.name !== "lo");
		await h.send(request.findAllIf(), request.stats());
		expectReplies(h, ["ERROR 5 Preselected interface 'ifname=lo' is not present", "STATS_REPLY"]);
	});
});

describe("D OPEN", () => {
	test("D1 empty name: ERROR 6", async () => {
		const h = await SessionHarness.authenticated();
		await h.send(request.raw(MessageType.OPEN_REQ), request.stats());
		expectReplies(h, ["ERROR 6 The source string must not be empty.", "STATS_REPLY"]);
	});

	test("D2 1024-byte name goes through the normal checks; 1025 bytes: too long, consumed", async () => {
		const h = await SessionHarness.authenticated();
		const name1024 = "x".repeat(1024);
		await h.send(request.open(name1024), request.open("y".repeat(1025)), request.stats());
		const replies = expectReplies(h, [
			`ERROR 6 ${`No such device: ${name1024}`.slice(0, 255)}`,
			"ERROR 6 Source string too long",
			"STATS_REPLY",
		]);
		expect(replies[0]!.payload.length).toBe(255);
	});

	test("D3 name with an embedded NUL: ERROR 6", async () => {
		const h = await SessionHarness.authenticated();
		await h.send(request.open(new Uint8Array([0x6c, 0x6f, 0x00, 0x78])), request.stats());
		expectReplies(h, ["ERROR 6 Source string contains a NUL byte", "STATS_REPLY"]);
		expect(h.backend.probes).toEqual([]);
	});

	test.each(["x://y", "rpcap://h/d", "rpcaps://h:2002/eth0", "file://x.pcap"])(
		"D4 %s: ERROR 6, nothing opened, no connection",
		async (name) => {
			const h = await SessionHarness.authenticated();
			await h.send(request.open(name), request.stats());
			expectReplies(h, ["ERROR 6 Source string refers to a remote device", "STATS_REPLY"]);
			expect(h.backend.probes).toEqual([]);
			expect(h.backend.opens).toEqual([]);
			expect(h.dataChannels.outboundCount).toBe(0);
		},
	);

	test("D5 'eth0:1' passes the URL check; the device list and the trial open decide", async () => {
		const h = await SessionHarness.authenticated();
		await h.send(request.open("eth0:1"));
		expectReplies(h, ["ERROR 6 No such device: eth0:1"]);
		h.backend.devices = [
			...standardDevices(),
			{ name: "eth0:1", description: null, flags: 0, addresses: [] },
		];
		h.backend.probeErrors.set("eth0:1", "eth0:1: That device is not up");
		await h.send(request.open("eth0:1"));
		expectReplies(h, ["ERROR 6 eth0:1: That device is not up"]);
		h.backend.probeErrors.clear();
		h.backend.linktypes.set("eth0:1", 113);
		await h.send(request.open("eth0:1"));
		const [reply] = expectReplies(h, ["OPEN_REPLY"]);
		expect(decodeOpenReply(reply!.payload)).toEqual({ linktype: 113, tzoff: 0 });
	});

	test("D6 OPEN of an rpcap:// URL, then STARTCAP: ERROR 6, ERROR 12, no outbound connection", async () => {
		const h = await SessionHarness.authenticated();
		await h.send(
			request.open("rpcap://127.0.0.1:22099/lo"),
			request.startcap({ flags: 0x04, portData: 22099 }),
		);
		expectReplies(h, ["ERROR 6 Source string refers to a remote device", NO_DEVICE]);
		expect(h.dataChannels.outboundCount + h.dataChannels.listens.length).toBe(0);
		expect(h.backend.opens).toEqual([]);
	});

	test("D7 OPEN of a 2000-byte name, then STARTCAP: ERROR 6, ERROR 12", async () => {
		const h = await SessionHarness.authenticated();
		await h.send(request.open("z".repeat(2000)), request.startcap());
		expectReplies(h, ["ERROR 6 Source string too long", NO_DEVICE]);
		expect(h.backend.opens).toEqual([]);
	});

	test.each([
		[
			"a remote URL",
			request.open("rpcap://10.0.0.1/eth0"),
			"ERROR 6 Source string refers to a remote device",
		],
		["an unlisted name", request.open("eth9"), "ERROR 6 No such device: eth9"],
		["an empty name", request.raw(MessageType.OPEN_REQ), "ERROR 6 The source string must not be empty."],
	])("D8 OPEN(valid), OPEN(%s), STARTCAP: the failed OPEN cleared the selection", async (_, bad, error) => {
		const h = await SessionHarness.authenticated();
		await h.send(request.open("eth0"), bad, request.startcap());
		expectReplies(h, ["OPEN_REPLY", error, NO_DEVICE]);
		expect(h.backend.opens).toEqual([]);
	});

	test("D9 OPEN during a capture: capture unaffected; the next STARTCAP uses the new device", async () => {
		const h = await SessionHarness.authenticated();
		await h.selectDevice("eth0");
		await h.send(request.startcap({ flags: 0x04, portData: 40001 }));
		expectReplies(h, ["STARTCAP_REPLY"]);
		const first = h.backend.lastSource!;
		await h.send(request.open("lo"));
		expectReplies(h, ["OPEN_REPLY"]);
		expect(first.emitPackets([new Uint8Array(60)])).toBe(1);
		expect(first.stopped).toBe(false);
		expect(h.dataChannels.lastSender?.packets()).toHaveLength(1);
		await h.send(request.endcap(), request.startcap({ flags: 0x04, portData: 40001 }));
		expectReplies(h, ["ENDCAP_REPLY", "STARTCAP_REPLY"]);
		expect(h.backend.opens.map((o) => o.device)).toEqual(["eth0", "lo"]);
	});

	test("D10 preselection: another name gets ERROR 6 and clears the selection", async () => {
		const preselection: Preselection = { description: "ifname=eth0", resolve: () => "eth0" };
		const h = await SessionHarness.authenticated({ preselection, info: { mode: "active" } });
		await h.send(request.open("eth0"), request.open("lo"), request.startcap({ portData: 40001 }));
		expectReplies(h, ["OPEN_REPLY", "ERROR 6 can only open preselected interface 'eth0'", NO_DEVICE]);
		expect(h.backend.probes).toEqual(["eth0"]);
	});

	test("D10 preselected interface gone: OPEN gets ERROR 6", async () => {
		const preselection: Preselection = { description: "ifname=eth7", resolve: () => null };
		const h = await SessionHarness.authenticated({ preselection, info: { mode: "active" } });
		await h.send(request.open("eth7"), request.stats());
		expectReplies(h, ["ERROR 6 Preselected interface 'ifname=eth7' is not present", "STATS_REPLY"]);
	});

	test("D11 a name the enumeration does not return: ERROR 6 No such device, no trial open", async () => {
		const h = await SessionHarness.authenticated();
		await h.send(request.open("eth9"), request.stats());
		expectReplies(h, ["ERROR 6 No such device: eth9", "STATS_REPLY"]);
		expect(h.backend.probes).toEqual([]);
	});

	test("D11 policy off: the trial open decides, with libpcap's text", async () => {
		const h = await SessionHarness.authenticated({ policy: { requireListedDevice: false } });
		h.backend.probeErrors.set("eth9", "eth9: No such device exists (No such device exists)");
		await h.send(request.open("eth9"));
		expectReplies(h, ["ERROR 6 eth9: No such device exists (No such device exists)"]);
	});

	test("D11 enumeration failing during OPEN is still an OPEN failure: ERROR 6 with the backend's text", async () => {
		const h = await SessionHarness.authenticated();
		await h.selectDevice("eth0");
		h.backend.listError = "Cannot enumerate interfaces: Permission denied";
		await h.send(request.open("eth0"), request.startcap());
		const replies = h.take();
		expect(errorOf(replies[0])).toEqual({
			code: 6,
			text: "Cannot enumerate interfaces: Permission denied",
			version: 0,
		});
		expect(errorOf(replies[1])?.text).toBe("No capture device was specified");
	});
});
