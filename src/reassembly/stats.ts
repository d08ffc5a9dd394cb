// Counters of the TCP reassembler: what was decoded, buffered, skipped, expired and evicted.

export interface ReassemblyStats {
	/** Frames pushed. */
	packets: number;
	tcpSegments: number;
	notIp: number;
	notTcp: number;
	/** IP fragments are not reassembled: counted and skipped. */
	ipFragments: number;
	malformed: number;
	flowsCreated: number;
	/** Flows ended by FIN in both directions or by RST. */
	flowsClosed: number;
	/** Flows ended after the idle timeout. */
	flowsExpired: number;
	/** Live flows ended early to stay within maxFlows. */
	flowsEvicted: number;
	/** Flows ended by a new SYN on the same 5-tuple (port reuse). */
	flowsSuperseded: number;
	/** Flows ended by flush() or close(). */
	flowsFlushed: number;
	activeFlows: number;
	peakActiveFlows: number;
	/** Payload bytes handed to the listener. */
	bytesDelivered: number;
	/** Segments that arrived ahead of a hole and were buffered. */
	outOfOrderSegments: number;
	/** Payload bytes received again (retransmissions and overlaps); the first copy is kept. */
	duplicateBytes: number;
	/** Overlaps whose bytes differ from the first copy (only checkable while that copy is still held). */
	conflictingOverlaps: number;
	/** Holes declared missing for good and reported as gaps. */
	gaps: number;
	gapBytes: number;
	/** Gaps declared early because a buffer limit was reached. */
	bufferLimitGaps: number;
	/** Out-of-order payload bytes held now, over all flows. */
	bufferedBytes: number;
	/** Most out-of-order bytes held after any packet (limits are applied before this is taken). */
	peakBufferedBytes: number;
	/** Payload bytes dropped because they precede the start of a stream picked up mid-way or follow its FIN. */
	bytesOutsideStream: number;
	/** Segments cut short by the capture's snapshot length (the rest is reported as a gap). */
	truncatedSegments: number;
	/** Packets of flows already closed (late ACKs, retransmitted FINs), absorbed. */
	packetsAfterClose: number;
}

export function newReassemblyStats(): ReassemblyStats {
	return {
		packets: 0,
		tcpSegments: 0,
		notIp: 0,
		notTcp: 0,
		ipFragments: 0,
		malformed: 0,
		flowsCreated: 0,
		flowsClosed: 0,
		flowsExpired: 0,
		flowsEvicted: 0,
		flowsSuperseded: 0,
		flowsFlushed: 0,
		activeFlows: 0,
		peakActiveFlows: 0,
		bytesDelivered: 0,
		outOfOrderSegments: 0,
		duplicateBytes: 0,
		conflictingOverlaps: 0,
		gaps: 0,
		gapBytes: 0,
		bufferLimitGaps: 0,
		bufferedBytes: 0,
		peakBufferedBytes: 0,
		bytesOutsideStream: 0,
		truncatedSegments: 0,
		packetsAfterClose: 0,
	};
}
