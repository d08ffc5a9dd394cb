import { afterAll, describe, expect, test } from "bun:test";
import {
	type CaptureFile,
	dltToLinktype,
	PcapngWriter,
	PcapWriter,
	readCapture,
} from "../../../src/formats/index.ts";
import { concatBytes } from "../../support/bytes.ts";
import {
	epochText,
	readFileBytes,
	removeTempCaptures,
	run,
	tempCapturePath,
	tsharkFields,
	writeTempCapture,
} from "./capture-tools.ts";
import { type SamplePacket, samplePackets } from "./sample-packets.ts";

afterAll(removeTempCaptures);

function writePcap(
	packets: readonly SamplePacket[],
	linktype: number,
	byteOrder: "little" | "big" = "little",
): string {
	const writer = new PcapWriter({ linktype, byteOrder });
	for (const p of packets) writer.writePacket(p.tsSec, p.tsUsec, p.len, p.data);
	return writeTempCapture(writer.takeChunks(), "pcap");
}

/** Reader output must match tshark frame by frame: section, section-relative interface, lengths, time. */
async function expectSameAsTshark(path: string): Promise<CaptureFile> {
	const file = readCapture(await readFileBytes(path));
	expect(file.truncated).toBeUndefined();
	const rows = tsharkFields(path, [
		"frame.section_number",
		"frame.interface_id",
		"frame.len",
		"frame.cap_len",
		"frame.time_epoch",
	]);
	const firstIdOfSection = new Map<number, number>();
	for (const iface of file.interfaces) {
		if (!firstIdOfSection.has(iface.section)) firstIdOfSection.set(iface.section, iface.id);
	}
	const ours = file.records.map((r) => {
		const section = file.interfaces[r.interfaceId]!.section;
		const local = r.interfaceId - firstIdOfSection.get(section)!;
		return [
			file.format === "pcap" ? "" : String(section + 1),
			file.format === "pcap" ? "" : String(local),
			String(r.len),
			String(r.caplen),
			epochText(r.tsSec, r.tsNsec),
		];
	});
	expect(ours).toEqual(rows);
	return file;
}

function byTime(packets: readonly SamplePacket[]): Map<string, SamplePacket> {
	return new Map(packets.map((p) => [`${p.tsSec}.${p.tsUsec}`, p]));
}

describe("reading files written by Wireshark's tools", () => {
	const packets = samplePackets(60);

	test("our pcap converted by editcap to pcapng", async () => {
		const pcapng = tempCapturePath("pcapng");
		run(["editcap", "-F", "pcapng", writePcap(packets, 1), pcapng]);
		const file = await expectSameAsTshark(pcapng);
		expect(file.format).toBe("pcapng");
		expect(file.interfaces.map((i) => [i.linktype, i.tsresol])).toEqual([[1, 6]]);
		expect(file.records.map((r) => [r.tsSec, r.tsUsec, r.len, [...r.data]])).toEqual(
			packets.map((p) => [p.tsSec, p.tsUsec, p.len, [...p.data]]),
		);
	});

	test("nanosecond pcap from editcap, shifted by 123 ns, and its pcapng conversion (if_tsresol 9)", async () => {
		const nsPcap = tempCapturePath("pcap");
		run(["editcap", "-F", "nsecpcap", "-t", "0.000000123", writePcap(packets, 1), nsPcap]);
		const pcapng = tempCapturePath("pcapng");
		run(["editcap", "-F", "pcapng", nsPcap, pcapng]);
		for (const path of [nsPcap, pcapng]) {
			const file = await expectSameAsTshark(path);
			expect(file.interfaces[0]?.tsresol).toBe(9);
			expect(file.records.map((r) => [r.tsSec, r.tsNsec, r.tsUsec])).toEqual(
				packets.map((p) => [p.tsSec, p.tsUsec * 1000 + 123, p.tsUsec]),
			);
		}
	});

	test("editcap snaplen cut: caplen below len", async () => {
		const cut = tempCapturePath("pcapng");
		run(["editcap", "-F", "pcapng", "-s", "30", writePcap(packets, 1), cut]);
		const file = await expectSameAsTshark(cut);
		expect(file.records.map((r) => [r.caplen, r.len, [...r.data]])).toEqual(
			packets.map((p) => [Math.min(30, p.data.length), p.len, [...p.data.subarray(0, 30)]]),
		);
	});

	test("mergecap of an Ethernet and a raw-IP pcap: two interfaces with their link types", async () => {
		const ethPackets = samplePackets(30);
		const rawPackets = samplePackets(30).map((p) => ({ ...p, tsUsec: (p.tsUsec + 1) % 1_000_000 }));
		const merged = tempCapturePath("pcapng");
		run([
			"mergecap",
			"-F",
			"pcapng",
			"-w",
			merged,
			writePcap(ethPackets, 1),
			writePcap(rawPackets, dltToLinktype(14)),
		]);
		const file = await expectSameAsTshark(merged);
		expect(file.interfaces.map((i) => i.linktype)).toEqual([1, 101]);
		const originals = [byTime(ethPackets), byTime(rawPackets)];
		expect(file.records.length).toBe(60);
		for (const record of file.records) {
			expect(record.linktype).toBe(record.interfaceId === 0 ? 1 : 101);
			const original = originals[record.interfaceId]!.get(`${record.tsSec}.${record.tsUsec}`);
			expect([...record.data]).toEqual([...original!.data]);
		}
	});

	test("tshark -F pcapng output, and a file of two sections (tool little-endian + our big-endian)", async () => {
		const toolFile = tempCapturePath("pcapng");
		run(["tshark", "-n", "-r", writePcap(packets, 1), "-F", "pcapng", "-w", toolFile]);
		await expectSameAsTshark(toolFile);

		const writer = new PcapngWriter({ byteOrder: "big" });
		writer.addInterface({ linktype: 1, name: "a/eth0" });
		writer.addInterface({ linktype: 101, name: "b/tun0" });
		for (const p of samplePackets(20, 2))
			writer.writePacket(p.interfaceIndex, p.tsSec, p.tsUsec, p.len, p.data);
		const twoSections = writeTempCapture(
			[await readFileBytes(toolFile), concatBytes(...writer.takeChunks())],
			"pcapng",
		);
		const file = await expectSameAsTshark(twoSections);
		expect(file.interfaces.map((i) => [i.id, i.section, i.linktype, i.name])).toEqual([
			[0, 0, 1, undefined],
			[1, 1, 1, "a/eth0"],
			[2, 1, 101, "b/tun0"],
		]);
		expect(file.byteOrder).toBe("big");
	});

	test("big-endian pcap and pcapng from our writers, as tshark reads them", async () => {
		await expectSameAsTshark(writePcap(packets, 1, "big"));
		const writer = new PcapngWriter({ byteOrder: "big" });
		writer.addInterface({ linktype: 1, name: "eth0" });
		for (const p of packets) writer.writePacket(0, p.tsSec, p.tsUsec, p.len, p.data);
		await expectSameAsTshark(writeTempCapture(writer.takeChunks(), "pcapng"));
	});
});
