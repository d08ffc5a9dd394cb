// TCP reassembler: frames in (any supported link type), per-flow ordered streams and gaps out, memory bounded.

import { ReassemblerClosedError } from "./errors.ts";
import { destinationEndpoint, flowKey, type KeyOrientation, sourceEndpoint } from "./flow-key.ts";
import { FlowOrder } from "./flow-order.ts";
import {
	type ReassemblerOptions,
	type ResolvedReassemblerOptions,
	resolveReassemblerOptions,
} from "./reassembler-options.ts";
import { newReassemblyStats, type ReassemblyStats } from "./stats.ts";
import type { FlowEndReason, StreamListener } from "./stream-listener.ts";
import type { DirectionContext } from "./tcp-direction.ts";
import { assignRoles, SEGMENT_NEW_CONNECTION, TcpFlow } from "./tcp-flow.ts";
import { decodeTcpSegment, newTcpSegment } from "./tcp-segment.ts";

const SWEEP_INTERVAL_SECONDS = 1;

export class TcpReassembler<State> {
	readonly stats: ReassemblyStats = newReassemblyStats();
	readonly options: ResolvedReassemblerOptions;
	readonly #flows = new Map<string, TcpFlow<State>>();
	/** Every flow in #flows, least recently active first. */
	readonly #idleOrder = new FlowOrder<TcpFlow<State>>();
	/** Flows that saw FIN/FIN or RST, in the order they did (all wait the same closeTimeout). */
	#closing: TcpFlow<State>[] = [];
	#closingHead = 0;
	/** Flows that held out-of-order data when listed, oldest first (stale entries are skipped when met). */
	#withHoles: TcpFlow<State>[] = [];
	#withHolesHead = 0;
	readonly #context: DirectionContext;
	readonly #segment = newTcpSegment();
	readonly #orientation: KeyOrientation = { fromFirst: true };
	#nextId = 0;
	#now = Number.NEGATIVE_INFINITY;
	#nowSec = 0;
	#nowUsec = 0;
	#nextSweep = Number.NEGATIVE_INFINITY;
	#closed = false;

	constructor(
		private readonly listener: StreamListener<State>,
		options: ReassemblerOptions = {},
	) {
		this.options = resolveReassemblerOptions(options);
		this.#context = { stats: this.stats, overlapCheckBytes: this.options.overlapCheckBytes };
	}

	/** Flows held now (open ones, and closed ones kept to absorb late packets). */
	get flowCount(): number {
		return this.#flows.size;
	}

	/** Takes one captured frame. `data` is only read during the call (it may be a reused buffer). */
	push(linktype: number, tsSec: number, tsUsec: number, data: Uint8Array): void {
		if (this.#closed) throw new ReassemblerClosedError();
		const stats = this.stats;
		stats.packets++;
		const segment = this.#segment;
		const outcome = decodeTcpSegment(linktype, data, segment);
		if (outcome !== "tcp") {
			if (outcome === "not-ip") stats.notIp++;
			else if (outcome === "not-tcp") stats.notTcp++;
			else if (outcome === "fragment") stats.ipFragments++;
			else stats.malformed++;
			return;
		}
		stats.tcpSegments++;
		const now = tsSec + tsUsec / 1e6;
		if (now > this.#now) this.#setNow(now, tsSec, tsUsec);
		const key = flowKey(segment, this.#orientation);
		const fromFirst = this.#orientation.fromFirst;
		let flow = this.#flows.get(key) ?? this.#open(key, fromFirst);
		if (flow.handle(segment, fromFirst, tsSec, tsUsec, this.#now) === SEGMENT_NEW_CONNECTION) {
			if (!flow.closed) {
				flow.finish("superseded", tsSec, tsUsec);
				stats.flowsSuperseded++;
				stats.activeFlows--;
			}
			this.#remove(flow);
			flow = this.#open(key, fromFirst);
			flow.handle(segment, fromFirst, tsSec, tsUsec, this.#now);
		}
		if (flow.closed) stats.packetsAfterClose++;
		else this.#afterSegment(flow);
		if (stats.bufferedBytes > stats.peakBufferedBytes) stats.peakBufferedBytes = stats.bufferedBytes;
		if (this.#now >= this.#nextSweep) this.#sweep();
	}

	/** Advances capture time without a packet (live use: call from a timer) and runs the timeouts. */
	tick(tsSec: number, tsUsec: number): void {
		const now = tsSec + tsUsec / 1e6;
		if (now > this.#now) this.#setNow(now, tsSec, tsUsec);
		this.#sweep();
	}

	/** Ends every flow (holes become gaps) and refuses further packets. */
	close(): void {
		if (this.#closed) return;
		this.#closed = true;
		for (const flow of this.#flows.values()) {
			if (flow.closed) continue;
			if (flow.closingSince >= 0) {
				// FIN/FIN or RST was seen and only a hole kept it open: it closed, with a gap.
				this.#end(flow, flow.reset ? "reset" : "closed");
				continue;
			}
			flow.finish("flushed", this.#nowSec, this.#nowUsec);
			this.stats.flowsFlushed++;
			this.stats.activeFlows--;
		}
		this.#flows.clear();
		this.#idleOrder.clear();
		this.#withHoles = [];
		this.#withHolesHead = 0;
		this.#closing = [];
		this.#closingHead = 0;
	}

	#setNow(now: number, tsSec: number, tsUsec: number): void {
		this.#now = now;
		this.#nowSec = tsSec;
		this.#nowUsec = tsUsec;
	}

	#open(key: string, fromFirst: boolean): TcpFlow<State> {
		const stats = this.stats;
		if (this.#flows.size >= this.options.maxFlows) this.#evictOne();
		const segment = this.#segment;
		const roles = assignRoles(segment, sourceEndpoint(segment), destinationEndpoint(segment));
		const info = {
			id: this.#nextId++,
			client: roles.client,
			server: roles.server,
			family: segment.family,
			midstream: roles.midstream,
			startSec: this.#nowSec,
			startUsec: this.#nowUsec,
		};
		const clientIsFirst = roles.sourceIsClient === fromFirst;
		const flow = new TcpFlow(key, info, clientIsFirst, this.#context, this.listener, this.#now);
		this.#flows.set(key, flow);
		this.#idleOrder.touch(flow);
		stats.flowsCreated++;
		stats.activeFlows++;
		if (stats.activeFlows > stats.peakActiveFlows) stats.peakActiveFlows = stats.activeFlows;
		return flow;
	}

	#afterSegment(flow: TcpFlow<State>): void {
		this.#idleOrder.touch(flow);
		if (flow.closingSince >= 0 && !flow.queuedForClose) {
			flow.queuedForClose = true;
			this.#closing.push(flow);
		}
		if (flow.hasHole) {
			if (!flow.listedWithHoles) {
				flow.listedWithHoles = true;
				this.#withHoles.push(flow);
			}
			this.#limitBuffers(flow);
		}
		if (flow.closingSince >= 0 && flow.readyToClose) this.#end(flow, flow.reset ? "reset" : "closed");
	}

	#limitBuffers(flow: TcpFlow<State>): void {
		const { maxFlowBufferBytes, maxBufferBytes } = this.options;
		const stats = this.stats;
		for (const direction of flow.directions) {
			while (direction.bufferedBytes > maxFlowBufferBytes) {
				direction.skipHole(this.#nowSec, this.#nowUsec);
				stats.bufferLimitGaps++;
			}
		}
		// Over the global budget: the flows that have held data longest give it up first (this one is listed
		// last); those left without holes leave the queue as they are met (amortised O(1) per packet).
		while (this.#withHolesHead < this.#withHoles.length && stats.bufferedBytes > maxBufferBytes) {
			const candidate = this.#withHoles[this.#withHolesHead]!;
			this.#skipHolesWhileOverBudget(candidate);
			if (candidate.hasHole) break;
			this.#withHolesHead++;
			candidate.listedWithHoles = false;
		}
	}

	#skipHolesWhileOverBudget(flow: TcpFlow<State>): void {
		const stats = this.stats;
		for (const direction of flow.directions) {
			while (direction.hasHole && stats.bufferedBytes > this.options.maxBufferBytes) {
				direction.skipHole(this.#nowSec, this.#nowUsec);
				stats.bufferLimitGaps++;
			}
		}
	}

	#sweep(): void {
		this.#nextSweep = this.#now + SWEEP_INTERVAL_SECONDS;
		const { closeTimeout, holeTimeout, idleTimeout } = this.options;
		const now = this.#now;
		while (this.#closingHead < this.#closing.length) {
			const flow = this.#closing[this.#closingHead]!;
			if (flow.closingSince + closeTimeout > now) break;
			this.#closing[this.#closingHead++] = undefined as unknown as TcpFlow<State>;
			if (!flow.closed) this.#end(flow, flow.reset ? "reset" : "closed");
			this.#remove(flow);
		}
		if (this.#closingHead > 1024 && this.#closingHead * 2 > this.#closing.length) {
			this.#closing = this.#closing.slice(this.#closingHead);
			this.#closingHead = 0;
		}
		this.#expireHoles(now, holeTimeout);
		for (let flow = this.#idleOrder.oldest; flow !== undefined; ) {
			if (flow.lastSeen + idleTimeout > now) break;
			const newer = this.#idleOrder.newerThan(flow);
			if (!flow.closed) {
				flow.finish("idle", this.#nowSec, this.#nowUsec);
				this.stats.flowsExpired++;
				this.stats.activeFlows--;
			}
			this.#remove(flow);
			flow = newer;
		}
	}

	/** Declares holes older than holeTimeout missing, and rebuilds the list of flows with holes. */
	#expireHoles(now: number, holeTimeout: number): void {
		const kept: TcpFlow<State>[] = [];
		for (let i = this.#withHolesHead; i < this.#withHoles.length; i++) {
			const flow = this.#withHoles[i]!;
			flow.listedWithHoles = false;
			if (flow.closed) continue;
			for (const direction of flow.directions) {
				while (direction.hasHole && direction.holeSince + holeTimeout <= now) {
					direction.skipHole(this.#nowSec, this.#nowUsec);
				}
			}
			if (flow.hasHole) {
				flow.listedWithHoles = true;
				kept.push(flow);
			} else if (flow.closingSince >= 0 && flow.readyToClose) {
				this.#end(flow, flow.reset ? "reset" : "closed");
			}
		}
		this.#withHoles = kept;
		this.#withHolesHead = 0;
	}

	#end(flow: TcpFlow<State>, reason: FlowEndReason): void {
		flow.finish(reason, this.#nowSec, this.#nowUsec);
		this.stats.flowsClosed++;
		this.stats.activeFlows--;
	}

	#evictOne(): void {
		const head = this.#closing[this.#closingHead];
		if (head?.closed && this.#flows.get(head.key) === head) {
			this.#closingHead++;
			this.#remove(head);
			return;
		}
		const oldest = this.#idleOrder.oldest;
		if (oldest === undefined) return;
		if (!oldest.closed) {
			oldest.finish("evicted", this.#nowSec, this.#nowUsec);
			this.stats.flowsEvicted++;
			this.stats.activeFlows--;
		}
		this.#remove(oldest);
	}

	#remove(flow: TcpFlow<State>): void {
		if (this.#flows.get(flow.key) === flow) this.#flows.delete(flow.key);
		this.#idleOrder.remove(flow);
	}
}
