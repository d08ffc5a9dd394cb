// Settings, effects and observer of one sensor session (the client side of one RPCAP control connection).

import type { Logger } from "../../observe/logger.ts";
import type { AuthRequestInit, PacketRecordHandler, StatsReply } from "../../protocol/index.ts";
import type { ControlTransport } from "../control/control-transport.ts";
import type { DataChannelFactory, TlsClientSettings } from "../data/data-channels.ts";
import type { PacketReceiver } from "../data/packet-receiver.ts";
import type { UdpFraming } from "../data/udp-data-receiver.ts";
import type { SessionError } from "../errors.ts";
import type { FilterCompiler } from "./filter-program.ts";
import type { InterfaceChoice } from "./interface-choice.ts";

export type DataTransport = "tcp" | "udp" | "udpstr";

/** passive: we dialled the sensor (--connect); active: the sensor dialled our --listen port. */
export type SessionMode = "passive" | "active";

export interface SessionSettings {
	mode: SessionMode;
	auth: AuthRequestInit;
	/** Interface named in the --connect URL (always opened), or null. */
	iface: string | null;
	/** --iface: opened when the sensor preselects nothing. */
	preferredIface: string | null;
	snaplen: number;
	promisc: boolean;
	/** STARTCAP read_timeout (ms): the sensor's latency bound. */
	readTimeoutMs: number;
	/** Filter expression compiled locally, or null for all packets. */
	filter: string | null;
	transport: DataTransport;
	/** SO_RCVBUF of UDP data sockets before STARTCAP_REPLY's bufsize is known (and the floor after). */
	udpReceiveBufferBytes: number;
	/** Bound on every control reply. */
	requestTimeoutMs: number;
	/** Bound on establishing the data connection. */
	dataTimeoutMs: number;
	/** STATS polling period (ms); 0 turns polling off. */
	statsIntervalMs: number;
	/** TLS for TCP data connections; must be set when the control connection is TLS. */
	tls: TlsClientSettings | null;
}

export interface SessionEffects {
	control: ControlTransport;
	data: DataChannelFactory;
	compileFilter: FilterCompiler;
	log: Logger;
}

export type SessionState = "authenticating" | "opening" | "starting" | "capturing" | "stopping" | "ended";

/** The stream a session is about to deliver, announced before STARTCAP. */
export interface StreamOpening {
	iface: string;
	description: string;
	/** DLT from OPEN_REPLY, and its LINKTYPE for files. */
	dlt: number;
	linktype: number;
	snaplen: number;
	filter: string | null;
}

export interface SessionObserver {
	state(state: SessionState): void;
	interfaceChosen(choice: InterfaceChoice): void;
	/** Returns the packet handler of the stream (the sink's writer). May throw: the session then fails ("sink"). */
	openStream(stream: StreamOpening): PacketRecordHandler;
	/** The live data receiver (null when the capture ended), with the transport actually in use. */
	receiver(receiver: PacketReceiver | null, transport: DataTransport): void;
	/** A STATS_REPLY (§10). */
	sensorStats(stats: StatsReply): void;
}

export type SessionEnd = { reason: "stopped" } | { reason: "failed"; error: SessionError };

/** The UDP framing a transport setting expects. */
export function expectedFraming(transport: DataTransport): UdpFraming | null {
	return transport === "udp" ? "classic" : transport === "udpstr" ? "udpstr" : null;
}
