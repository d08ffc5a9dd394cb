// A CaptureBackend with scripted interfaces, probe/open results per name and scripted sources; compiles filters with libpcap.

import { LiveCaptureBackend } from "../../src/capture/live-backend.ts";
import {
	type CaptureBackend,
	CaptureError,
	type CaptureOptions,
	type Device,
	type DeviceAddress,
} from "../../src/capture/source.ts";
import type { Clock } from "../../src/daemon/session-types.ts";
import { bpfProgramToHostBytes } from "../../src/protocol/index.ts";
import { ScriptedCaptureSource, type SourceBehaviour } from "./scripted-capture-source.ts";

export const DLT_EN10MB = 1;

function ipv4Entry(address: string, netmask: string, broadaddr: string | null): DeviceAddress {
	return {
		addr: { family: "inet", address },
		netmask: { family: "inet", address: netmask },
		broadaddr: broadaddr === null ? null : { family: "inet", address: broadaddr },
		dstaddr: null,
	};
}

/** eth0 (IPv4, link-local IPv6 with scope 2, an AF_PACKET entry), lo (127.0.0.1, ::1) and any (no address). */
export function standardDevices(): Device[] {
	return [
		{
			name: "eth0",
			description: "First Ethernet",
			flags: 0x16,
			addresses: [
				{
					addr: { family: "link", address: "02:00:00:00:77:01", hardwareType: 1 },
					netmask: null,
					broadaddr: null,
					dstaddr: null,
				},
				ipv4Entry("10.77.0.1", "255.255.255.0", "10.77.0.255"),
				{
					addr: { family: "inet6", address: "fe80::1", scopeId: 2 },
					netmask: { family: "inet6", address: "ffff:ffff:ffff:ffff::", scopeId: 0 },
					broadaddr: null,
					dstaddr: null,
				},
			],
		},
		{
			name: "lo",
			description: null,
			flags: 0x37,
			addresses: [
				ipv4Entry("127.0.0.1", "255.0.0.0", null),
				{
					addr: { family: "inet6", address: "::1", scopeId: 0 },
					netmask: null,
					broadaddr: null,
					dstaddr: null,
				},
			],
		},
		{ name: "any", description: "Pseudo-device that captures on all interfaces", flags: 0x36, addresses: [] },
	];
}

export interface ScriptedBackendOptions {
	devices?: Device[];
	clock: Clock;
	timeline?: string[];
	/** "libpcap" (default): real pcap_compile on a dead handle; "stub": an accept-all program, no libpcap needed. */
	compiler?: "libpcap" | "stub";
}

export class ScriptedCaptureBackend implements CaptureBackend {
	devices: Device[];
	/** listDevices() throws CaptureError with this text (C5). */
	listError: string | null = null;
	readonly linktypes = new Map<string, number>();
	/** probe() throws CaptureError with the text (trial open fails). */
	readonly probeErrors = new Map<string, string>();
	/** open() throws CaptureError with the text (E19: device vanished). */
	readonly openErrors = new Map<string, string>();
	/** Applied to every source opened from now on. */
	sourceBehaviour: Partial<SourceBehaviour> = {};
	listCalls = 0;
	readonly probes: string[] = [];
	readonly opens: { device: string; options: CaptureOptions }[] = [];
	readonly compiles: { linktype: number; snaplen: number; expression: string }[] = [];
	readonly sources: ScriptedCaptureSource[] = [];
	private readonly clock: Clock;
	readonly timeline: string[];
	private readonly compiler: "libpcap" | "stub";
	private live: LiveCaptureBackend | null = null;

	constructor(options: ScriptedBackendOptions) {
		this.devices = options.devices ?? standardDevices();
		this.clock = options.clock;
		this.timeline = options.timeline ?? [];
		this.compiler = options.compiler ?? "libpcap";
	}

	get lastSource(): ScriptedCaptureSource | undefined {
		return this.sources.at(-1);
	}

	/** Sources opened and not stopped (a leak once the session is idle). */
	get openSources(): ScriptedCaptureSource[] {
		return this.sources.filter((s) => !s.stopped);
	}

	listDevices(): Device[] {
		this.listCalls++;
		if (this.listError !== null) throw new CaptureError(this.listError);
		return this.devices;
	}

	probe(device: string): number {
		this.probes.push(device);
		const error = this.probeErrors.get(device);
		if (error !== undefined) throw new CaptureError(error);
		return this.linktypes.get(device) ?? DLT_EN10MB;
	}

	open(device: string, options: CaptureOptions): ScriptedCaptureSource {
		this.opens.push({ device, options: { ...options } });
		const error = this.openErrors.get(device);
		if (error !== undefined) throw new CaptureError(error);
		const linktype = this.linktypes.get(device) ?? DLT_EN10MB;
		const source = new ScriptedCaptureSource(
			device,
			options,
			linktype,
			this.sourceBehaviour,
			this.clock,
			this.timeline,
		);
		this.sources.push(source);
		this.timeline.push(`capture ${device} open`);
		return source;
	}

	compile(linktype: number, snaplen: number, expression: string): Uint8Array {
		this.compiles.push({ linktype, snaplen, expression });
		if (this.compiler === "stub") return bpfProgramToHostBytes([{ code: 0x06, jt: 0, jf: 0, k: 262144 }]);
		this.live ??= new LiveCaptureBackend();
		return this.live.compile(linktype, snaplen, expression);
	}
}
