// Benchmark client: captures DEVICE through a daemon at 127.0.0.1:PORT for SECONDS and reports, as one JSON line,
// how long each packet took from its capture timestamp to arrival here (same host, same clock).
// Usage: bun latency-client.ts PORT DEVICE SECONDS

import { connect, type Socket } from "node:net";
import { LiveCaptureBackend } from "../../src/capture/live-backend.ts";
import {
	bpfProgramFromHostBytes,
	decodeStartcapReply,
	encodeAuthRequest,
	encodeEmptyMessage,
	encodeOpenRequest,
	encodeStartcapRequest,
	MessageFramer,
	MessageType,
} from "../../src/protocol/index.ts";
import { percentile } from "./measure.ts";

const [portText, device, secondsText] = process.argv.slice(2);
const port = Number(portText);
const program = bpfProgramFromHostBytes(new LiveCaptureBackend().compile(1, 65535, "udp and dst port 9"));

function nowMicros(): number {
	return (performance.timeOrigin + performance.now()) * 1000;
}

/** Sends a request and returns the payload of the reply of the expected type. */
function requester(socket: Socket) {
	const framer = new MessageFramer({ maxPayloadLength: 1 << 20 });
	let wake: (() => void) | null = null;
	socket.on("data", (chunk: Buffer) => {
		framer.push(new Uint8Array(chunk));
		wake?.();
	});
	return async (bytes: Uint8Array, reply: number): Promise<Uint8Array> => {
		socket.write(bytes);
		for (;;) {
			const event = framer.next();
			if (event.kind === "message") {
				if (event.header.type !== reply)
					throw new Error(`expected reply 0x${reply.toString(16)}, got 0x${event.header.type.toString(16)}`);
				return event.payload;
			}
			await new Promise<void>((resolve) => {
				wake = resolve;
			});
		}
	};
}

const control = await new Promise<Socket>((resolve) => {
	const s = connect(port, "127.0.0.1", () => resolve(s));
});
const request = requester(control);
await request(encodeAuthRequest({ type: "null" }), MessageType.AUTH_REPLY);
await request(encodeOpenRequest(device ?? "v1"), MessageType.OPEN_REPLY);
const reply = decodeStartcapReply(
	await request(
		encodeStartcapRequest({ snaplen: 65535, readTimeout: 500, flags: 0, portData: 0, program }),
		MessageType.STARTCAP_REPLY,
	),
);
const latencies: number[] = [];
const dataFramer = new MessageFramer({ maxPayloadLength: 1 << 20 });
const data = connect(reply.portData, "127.0.0.1");
data.on("data", (chunk: Buffer) => {
	const arrived = nowMicros();
	dataFramer.push(new Uint8Array(chunk));
	for (;;) {
		const event = dataFramer.next();
		if (event.kind !== "message") break;
		const view = new DataView(event.payload.buffer, event.payload.byteOffset, event.payload.byteLength);
		latencies.push(arrived - (view.getUint32(0) * 1e6 + view.getUint32(4)));
	}
});
console.error("ready");
await Bun.sleep(Number(secondsText) * 1000);
control.write(encodeEmptyMessage(MessageType.CLOSE));
data.destroy();
control.destroy();
const ms = (us: number) => Math.round(us / 10) / 100;
console.log(
	JSON.stringify({
		packets: latencies.length,
		p50Ms: ms(percentile(latencies, 50)),
		p99Ms: ms(percentile(latencies, 99)),
		maxMs: ms(Math.max(...latencies)),
	}),
);
process.exit(0);
