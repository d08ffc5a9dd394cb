import { describe, expect, test } from "bun:test";
import { readDeviceList } from "../../../ffi/device-list.ts";
import { layoutsFor, type StructLayouts } from "../../../ffi/structs.ts";
import { FakeMemory } from "../../support/fake-memory.ts";

interface FakeAddress {
	kind: "inet" | "inet6" | "packet" | "unknown";
	bytes: number[];
	scopeId?: number;
	netmask?: number[];
}

/** Lays out sockaddrs the way the given platform's headers do. */
function sockaddr(
	memory: FakeMemory,
	layouts: StructLayouts,
	a: FakeAddress | null,
	netmask = false,
): number {
	if (a === null) return 0;
	const s = layouts.sockaddr;
	const address = memory.alloc(128);
	const setFamily = (family: number) => {
		if (s.familyField === "u16") memory.putU16(address, family);
		else {
			memory.putU8(address, 16);
			memory.putU8(address + 1, family);
		}
	};
	const bytes = netmask && a.netmask ? a.netmask : a.bytes;
	if (a.kind === "inet") {
		setFamily(s.afInet);
		memory.putBytes(address + 4, bytes);
	} else if (a.kind === "inet6") {
		setFamily(s.afInet6);
		memory.putBytes(address + 8, bytes);
		memory.putU32(address + 24, a.scopeId ?? 0);
	} else if (a.kind === "packet" && s.linkKind === "sockaddr_dl") {
		setFamily(s.afLink ?? 18);
		memory.putU8(address + 4, 6); // IFT_ETHER
		memory.putU8(address + 5, 3); // name length
		memory.putU8(address + 6, bytes.length);
		memory.putBytes(address + 8, [0x65, 0x6e, 0x30, ...bytes]); // "en0" then the address
	} else if (a.kind === "packet") {
		setFamily(s.afLink ?? 17);
		memory.putU16(address + 8, 1); // ARPHRD_ETHER
		memory.putU8(address + 11, bytes.length);
		memory.putBytes(address + 12, bytes);
	} else setFamily(99);
	return address;
}

function buildList(
	memory: FakeMemory,
	layouts: StructLayouts,
	devices: { name: string; description: string | null; flags: number; addresses: FakeAddress[] }[],
): number {
	let head = 0;
	for (const d of [...devices].reverse()) {
		const node = memory.alloc(40);
		let addrHead = 0;
		for (const a of [...d.addresses].reverse()) {
			const an = memory.alloc(40);
			memory.putPointer(an + layouts.pcapAddr.next, addrHead);
			memory.putPointer(an + layouts.pcapAddr.addr, sockaddr(memory, layouts, a));
			memory.putPointer(an + layouts.pcapAddr.netmask, a.netmask ? sockaddr(memory, layouts, a, true) : 0);
			addrHead = an;
		}
		memory.putPointer(node + layouts.pcapIf.next, head);
		memory.putPointer(node + layouts.pcapIf.name, memory.string(d.name));
		memory.putPointer(
			node + layouts.pcapIf.description,
			d.description === null ? 0 : memory.string(d.description),
		);
		memory.putPointer(node + layouts.pcapIf.addresses, addrHead);
		memory.putU32(node + layouts.pcapIf.flags, d.flags);
		head = node;
	}
	return head;
}

const sample = [
	{
		name: "eth0",
		description: null,
		flags: 0x16,
		addresses: [
			{ kind: "packet" as const, bytes: [0x02, 0, 0, 0, 0, 1] },
			{ kind: "inet" as const, bytes: [10, 1, 2, 3], netmask: [255, 255, 255, 0] },
			{ kind: "inet6" as const, bytes: [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], scopeId: 4 },
			{ kind: "unknown" as const, bytes: [] },
		],
	},
	{ name: "lo", description: "Loopback", flags: 0x37, addresses: [] },
];

describe("readDeviceList", () => {
	for (const platform of ["linux", "win32", "darwin"] as const) {
		test(`decodes names, flags and every address family on ${platform}`, () => {
			const memory = new FakeMemory();
			const layouts = layoutsFor(platform);
			const devices = readDeviceList(memory, buildList(memory, layouts, sample), layouts);
			expect(devices.map((d) => d.name)).toEqual(["eth0", "lo"]);
			expect(devices[0]!.description).toBeNull();
			expect(devices[1]!.description).toBe("Loopback");
			expect(devices[0]!.flags).toBe(0x16);
			const families = devices[0]!.addresses.map((a) => a.addr.family);
			// Npcap reports no link-layer addresses, so on Windows the AF_PACKET entry decodes as an unknown family.
			expect(families).toEqual(platform === "win32" ? ["inet", "inet6"] : ["link", "inet", "inet6"]);
			const v4 = devices[0]!.addresses.find((a) => a.addr.family === "inet")!;
			expect(v4.addr).toEqual({ family: "inet", address: "10.1.2.3" });
			expect(v4.netmask).toEqual({ family: "inet", address: "255.255.255.0" });
			expect(v4.broadaddr).toBeNull();
			const v6 = devices[0]!.addresses.find((a) => a.addr.family === "inet6")!;
			expect(v6.addr).toEqual({ family: "inet6", address: "fe80::1", scopeId: 4 });
			if (platform !== "win32") {
				expect(devices[0]!.addresses[0]!.addr).toEqual({
					family: "link",
					address: "02:00:00:00:00:01",
					hardwareType: platform === "linux" ? 1 : 6,
				});
			}
		});
	}
});

describe("struct layouts", () => {
	test("pcap_pkthdr is 24 bytes on 64-bit Linux and macOS, 16 on Windows", () => {
		expect(layoutsFor("linux").pkthdr).toMatchObject({ size: 24, tvUsec: 8, caplen: 16, len: 20 });
		expect(layoutsFor("darwin").pkthdr.size).toBe(24);
		expect(layoutsFor("win32").pkthdr).toMatchObject({
			size: 16,
			tvSecSize: 4,
			tvUsec: 4,
			caplen: 8,
			len: 12,
		});
	});
	test("AF_INET6 differs per platform", () => {
		expect(layoutsFor("linux").sockaddr.afInet6).toBe(10);
		expect(layoutsFor("win32").sockaddr.afInet6).toBe(23);
		expect(layoutsFor("darwin").sockaddr.afInet6).toBe(30);
	});
});
