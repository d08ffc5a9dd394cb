// STARTCAP with its data channel: UDP socket or TCP listener first, then the request, then dial or accept (§7.3, §13).

import {
	type BpfProgram,
	decodeStartcapReply,
	encodeStartcapRequest,
	type PacketRecordHandler,
	StartcapFlag,
} from "../../protocol/index.ts";
import type { ControlClient } from "../control/control-client.ts";
import type { DatagramChannel, StreamChannel } from "../data/data-channels.ts";
import type { PacketReceiver } from "../data/packet-receiver.ts";
import { TcpStreamReceiver } from "../data/tcp-stream-receiver.ts";
import { UdpDataReceiver, type UdpFraming } from "../data/udp-data-receiver.ts";
import { RemoteError, SessionError } from "../errors.ts";
import {
	type DataTransport,
	expectedFraming,
	type SessionEffects,
	type SessionSettings,
} from "./session-types.ts";

export interface StartedCapture {
	receiver: PacketReceiver;
	/** "udp" and "udpstr" are decided by the sensor; this is updated once the first datagram shows which. */
	transport: DataTransport;
	/** Resolves when the data channel ends by itself: TCP EOF or failure (never for UDP). */
	readonly ended: Promise<Error | null>;
	readonly datagram: boolean;
	close(): void;
}

/** Time for datagrams already in flight to arrive after ENDCAP_REPLY. */
export const UDP_TAIL_GRACE_MS = 200;

async function requestStartcap(
	client: ControlClient,
	settings: SessionSettings,
	program: BpfProgram,
	flags: number,
	portData: number,
) {
	const message = encodeStartcapRequest({
		snaplen: settings.snaplen,
		readTimeout: settings.readTimeoutMs,
		flags: flags | (settings.promisc ? StartcapFlag.PROMISC : 0),
		portData,
		program,
	});
	try {
		return decodeStartcapReply((await client.request(message, settings.requestTimeoutMs)).payload);
	} catch (error) {
		if (error instanceof RemoteError) throw new SessionError("startcap", error.text, error.code);
		throw error;
	}
}

async function startDatagram(
	client: ControlClient,
	settings: SessionSettings,
	effects: SessionEffects,
	program: BpfProgram,
	onRecord: PacketRecordHandler,
): Promise<StartedCapture> {
	const control = effects.control;
	if (control.secure) throw new SessionError("startcap", "UDP data transport is not supported with TLS");
	const channel: DatagramChannel = await effects.data.openDatagram(
		control.localAddress,
		settings.udpReceiveBufferBytes,
	);
	const expected = expectedFraming(settings.transport);
	const receiver = new UdpDataReceiver({
		snaplen: settings.snaplen,
		sensorAddress: control.remoteAddress,
		onRecord,
		onFraming: (framing: UdpFraming) => {
			started.transport = framing === "classic" ? "udp" : "udpstr";
			if (framing !== expected) {
				effects.log.warn(
					`sensor sends ${framing} datagrams, not the ${expected} framing --transport asked for`,
				);
			}
		},
	});
	// Only a datagram calls onFraming, and none can arrive before the handler below is set.
	const started: StartedCapture = {
		receiver,
		transport: settings.transport,
		ended: new Promise<Error | null>(() => {}),
		datagram: true,
		close: () => channel.close(),
	};
	channel.setHandler((datagram, address) => receiver.receive(datagram, address));
	try {
		const reply = await requestStartcap(client, settings, program, StartcapFlag.DGRAM, channel.port);
		// rpcap-protocol.md §7.4: the sensor's buffer size only ever enlarges ours.
		if (reply.bufferSize > settings.udpReceiveBufferBytes) channel.setReceiveBufferSize(reply.bufferSize);
	} catch (error) {
		channel.close();
		throw error;
	}
	return started;
}

function streamCapture(
	stream: StreamChannel,
	settings: SessionSettings,
	onRecord: PacketRecordHandler,
): StartedCapture {
	const receiver = new TcpStreamReceiver(settings.snaplen, onRecord);
	const ended = new Promise<Error | null>((resolve) => {
		stream.setHandlers({
			data(chunk) {
				if (!receiver.push(chunk)) {
					stream.close();
					resolve(receiver.failure);
				}
			},
			end: (error) => resolve(error),
		});
	});
	return { receiver, transport: "tcp", ended, datagram: false, close: () => stream.close() };
}

async function startStream(
	client: ControlClient,
	settings: SessionSettings,
	effects: SessionEffects,
	program: BpfProgram,
	onRecord: PacketRecordHandler,
): Promise<StartedCapture> {
	const control = effects.control;
	if (control.secure && settings.tls === null)
		throw new SessionError("startcap", "TLS settings missing for the data connection");
	const tls = control.secure ? settings.tls : null;
	if (settings.mode === "passive") {
		const reply = await requestStartcap(client, settings, program, 0, 0);
		if (reply.portData === 0)
			throw new SessionError(
				"startcap",
				"Sensor announced data port 0 for a client-opened TCP data connection",
			);
		const stream = await effects.data.dialStream(
			control.remoteAddress,
			reply.portData,
			settings.dataTimeoutMs,
			tls,
		);
		return streamCapture(stream, settings, onRecord);
	}
	// Active mode: the sensor connects to us before it replies (§13.4).
	const listener = await effects.data.listenStream(
		control.localAddress,
		control.remoteAddress,
		settings.dataTimeoutMs,
		tls,
	);
	try {
		await requestStartcap(client, settings, program, StartcapFlag.SERVEROPEN, listener.port);
		return streamCapture(await listener.accepted, settings, onRecord);
	} finally {
		listener.close();
	}
}

/** Sends STARTCAP with the data channel the settings ask for; throws SessionError on any failure. */
export function startCapture(
	client: ControlClient,
	settings: SessionSettings,
	effects: SessionEffects,
	program: BpfProgram,
	onRecord: PacketRecordHandler,
): Promise<StartedCapture> {
	return settings.transport === "tcp"
		? startStream(client, settings, effects, program, onRecord)
		: startDatagram(client, settings, effects, program, onRecord);
}
