// Builds a SensorSession over a FakeSensor and memory data channels, with an observer that records everything.

import {
	type FilterCompiler,
	type InterfaceChoice,
	type PacketReceiver,
	SensorSession,
	type SessionObserver,
	type SessionSettings,
	type SessionState,
	type StreamOpening,
} from "../../../../src/collector/index.ts";
import { createLogger, memorySink } from "../../../../src/observe/logger.ts";
import { bpfProgramToHostBytes, type StatsReply } from "../../../../src/protocol/index.ts";
import { FakeSensor, type Responder } from "./fake-sensor.ts";
import { MemoryDataChannels } from "./memory-data-channels.ts";

export interface RecordedPacket {
	tsSec: number;
	tsUsec: number;
	len: number;
	npkt: number;
	data: Uint8Array;
}

export class RecordingObserver implements SessionObserver {
	readonly states: SessionState[] = [];
	readonly choices: InterfaceChoice[] = [];
	readonly streams: StreamOpening[] = [];
	readonly packets: RecordedPacket[] = [];
	readonly stats: StatsReply[] = [];
	receiverNow: PacketReceiver | null = null;
	transports: string[] = [];
	refuseStream: Error | null = null;

	state(state: SessionState): void {
		this.states.push(state);
	}
	interfaceChosen(choice: InterfaceChoice): void {
		this.choices.push(choice);
	}
	openStream(stream: StreamOpening) {
		if (this.refuseStream !== null) throw this.refuseStream;
		this.streams.push(stream);
		return (tsSec: number, tsUsec: number, _caplen: number, len: number, npkt: number, data: Uint8Array) => {
			this.packets.push({ tsSec, tsUsec, len, npkt, data: data.slice() });
		};
	}
	receiver(receiver: PacketReceiver | null, transport: string): void {
		this.receiverNow = receiver;
		this.transports.push(transport);
	}
	sensorStats(stats: StatsReply): void {
		this.stats.push(stats);
	}
}

export const baseSettings: SessionSettings = {
	mode: "passive",
	auth: { type: "null" },
	iface: null,
	preferredIface: null,
	snaplen: 1500,
	promisc: true,
	readTimeoutMs: 100,
	filter: null,
	transport: "tcp",
	udpReceiveBufferBytes: 8 << 20,
	requestTimeoutMs: 1000,
	dataTimeoutMs: 1000,
	statsIntervalMs: 0,
	tls: null,
};

export const compiledProgram = [
	{ code: 0x28, jt: 0, jf: 0, k: 12 },
	{ code: 0x15, jt: 0, jf: 1, k: 0x800 },
	{ code: 0x06, jt: 0, jf: 0, k: 1500 },
	{ code: 0x06, jt: 0, jf: 0, k: 0 },
];

export function sessionFixture(
	responder: Responder,
	settings: Partial<SessionSettings> = {},
	sensorOptions: { secure?: boolean } = {},
) {
	const sensor = new FakeSensor(responder, sensorOptions);
	const data = new MemoryDataChannels();
	const observer = new RecordingObserver();
	const compiles: { dlt: number; snaplen: number; expression: string }[] = [];
	let compiler: FilterCompiler = (dlt, snaplen, expression) => {
		compiles.push({ dlt, snaplen, expression });
		return bpfProgramToHostBytes(compiledProgram);
	};
	// Like our daemon: the TCP data stream ends (EOF) before ENDCAP_REPLY (rpcap-protocol.md §11.1).
	sensor.onEndcap = () => {
		for (const stream of data.streams) stream.end();
	};
	const logSink = memorySink();
	const session = new SensorSession(
		{ ...baseSettings, ...settings },
		{
			control: sensor.transport,
			data,
			compileFilter: (dlt, snaplen, expression) => compiler(dlt, snaplen, expression),
			log: createLogger({ level: "debug", format: "text", sink: logSink }),
		},
		observer,
	);
	return {
		sensor,
		data,
		observer,
		session,
		compiles,
		logSink,
		setCompiler(next: FilterCompiler) {
			compiler = next;
		},
	};
}

export async function waitUntil(what: string, predicate: () => boolean, timeoutMs = 2000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!predicate()) {
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
		await Bun.sleep(1);
	}
}
