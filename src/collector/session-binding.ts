// Connects one session to its row in the live view and to the sink: the observer the session reports to.

import type { PacketRecordHandler, StatsReply } from "../protocol/index.ts";
import type { PacketReceiver } from "./data/packet-receiver.ts";
import type { InterfaceChoice } from "./session/interface-choice.ts";
import type {
	DataTransport,
	SessionEnd,
	SessionMode,
	SessionObserver,
	SessionState,
	StreamOpening,
} from "./session/session-types.ts";
import type { Sink } from "./sink/sink.ts";
import { type SensorRegistry, SensorRow } from "./stats/sensor-row.ts";

export class SessionBinding implements SessionObserver {
	#row: SensorRow;
	#captured = false;

	/** `row` is the target's row (passive), or null to find or make one for an active sensor. */
	constructor(
		private readonly registry: SensorRegistry,
		private readonly sink: Sink,
		readonly sensor: string,
		readonly mode: SessionMode,
		transport: DataTransport,
		row: SensorRow | null,
	) {
		this.#row =
			row ?? registry.findDown(sensor, "", mode) ?? registry.add(new SensorRow(sensor, "", mode, transport));
		this.#row.state = "authenticating";
		this.#row.lastError = null;
	}

	get row(): SensorRow {
		return this.#row;
	}

	/** True once this session reached the capturing state. */
	get captured(): boolean {
		return this.#captured;
	}

	state(state: SessionState): void {
		if (state === "ended") return;
		if (state === "capturing") this.#captured = true;
		this.#row.state = state;
	}

	interfaceChosen(choice: InterfaceChoice): void {
		const row = this.#row;
		if (this.mode === "active" && row.iface !== choice.name) {
			// A returning active sensor continues its earlier row; the provisional one goes.
			const earlier = this.registry.findDown(this.sensor, choice.name, this.mode);
			if (earlier !== undefined && earlier !== row) {
				earlier.state = row.state;
				earlier.lastError = null;
				if (row.iface === "" && row.captures === 0) this.registry.remove(row);
				this.#row = earlier;
				return;
			}
		}
		row.iface = choice.name;
	}

	openStream(stream: StreamOpening): PacketRecordHandler {
		const sink = this.sink;
		const id = sink.addStream({
			sensor: this.sensor,
			iface: stream.iface,
			description: stream.description,
			linktype: stream.linktype,
			snaplen: stream.snaplen,
			...(stream.filter === null ? {} : { filter: stream.filter }),
		});
		this.#row.streamId = id;
		return (tsSec, tsUsec, _caplen, len, _npkt, data) => sink.write(id, tsSec, tsUsec, len, data);
	}

	receiver(receiver: PacketReceiver | null, transport: DataTransport): void {
		this.#row.setReceiver(receiver);
		this.#row.transport = transport;
	}

	sensorStats(stats: StatsReply): void {
		this.#row.sensorStats = stats;
	}

	/** The session is over: the row stays, as "down" (it had captured, or was stopped) or "error". */
	ended(end: SessionEnd): void {
		const row = this.#row;
		if (end.reason === "failed") {
			row.lastError = end.error.message;
			row.state = this.#captured ? "down" : "error";
		} else {
			row.state = "down";
		}
	}
}
