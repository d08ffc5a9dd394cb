// The capture sources the conformance suite runs against, each with a way to make packets appear on it.

import type { Socket as UdpSocket } from "bun";
import { LiveCaptureBackend } from "../../../src/capture/live-backend.ts";
import type { CaptureOptions, CaptureSource } from "../../../src/capture/source.ts";
import { udpFrame } from "../../support/frames.ts";
import { ManualClock } from "../../support/manual-clock.ts";
import { ScriptedCaptureBackend } from "../../support/scripted-capture-backend.ts";
import type { ScriptedCaptureSource } from "../../support/scripted-capture-source.ts";

export interface CaptureDriver {
	name: string;
	/** Opens a source that sees only this driver's test packets (a filter on `port`). */
	open(options: Partial<CaptureOptions>): Promise<CaptureSource>;
	/** Makes packets with these seeds (first payload word) and payload sizes appear on the source. */
	inject(seeds: number[], payloadBytes: number): Promise<void>;
	/** Lets capture time pass (real time for live sources, the fake clock for scripted ones). */
	pause(ms: number): Promise<void>;
	/** The seed carried by a captured frame, or null when the frame is not one of ours. */
	seedOf(frame: Uint8Array): number | null;
	close(): Promise<void>;
}

const BASE: CaptureOptions = {
	snaplen: 65535,
	promisc: false,
	readTimeoutMs: 10,
	bufferSize: 0,
	immediate: false,
	direction: "inout",
};

/** Live libpcap on loopback (root namespace): real UDP datagrams to a port nobody else uses. */
export function liveDriver(name: string, port: number): CaptureDriver {
	const backend = new LiveCaptureBackend();
	let socket: UdpSocket<"buffer"> | null = null;
	let sink: { close(): void } | null = null;
	const ipHeader = 14 + 20 + 8; // DLT_EN10MB on lo
	return {
		name,
		async open(options) {
			const source = backend.open("lo", { ...BASE, ...options });
			source.setFilter(backend.compile(source.linktype, 65535, `udp and dst port ${port}`));
			return source;
		},
		async inject(seeds, payloadBytes) {
			// A bound receiver keeps ICMP port-unreachable (and ECONNREFUSED on the next send) away.
			sink ??= await Bun.udpSocket({ hostname: "127.0.0.1", port, socket: { data() {} } });
			socket ??= (await Bun.udpSocket({})) as unknown as UdpSocket<"buffer">;
			for (const seed of seeds) {
				const payload = new Uint8Array(Math.max(4, payloadBytes));
				new DataView(payload.buffer).setUint32(0, seed);
				(socket as unknown as { send(d: Uint8Array, p: number, h: string): boolean }).send(
					payload,
					port,
					"127.0.0.1",
				);
				if (seed % 50 === 0) await Bun.sleep(1);
			}
			await Bun.sleep(150);
		},
		pause: (ms) => Bun.sleep(ms),
		seedOf(frame) {
			if (frame.length < ipHeader + 4) return null;
			return new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(ipHeader);
		},
		async close() {
			(socket as unknown as { close(): void } | null)?.close();
			sink?.close();
		},
	};
}

/** The scripted fake used by the session tests: the suite keeps it honest too. */
export function scriptedDriver(): CaptureDriver {
	const clock = new ManualClock();
	const backend = new ScriptedCaptureBackend({ clock });
	let source: ScriptedCaptureSource | null = null;
	return {
		name: "scripted",
		async open(options) {
			source = backend.open("eth0", { ...BASE, ...options });
			source.setFilter(backend.compile(1, 65535, "udp and dst port 9"));
			return source;
		},
		async inject(seeds, payloadBytes) {
			source?.emitPackets(
				seeds.map((seed) => udpFrame({ size: 42 + Math.max(4, payloadBytes), dstPort: 9, seed })),
			);
			await clock.advance(10);
		},
		pause: (ms) => clock.advance(ms),
		seedOf(frame) {
			return frame.length >= 46
				? new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(42)
				: null;
		},
		async close() {},
	};
}
