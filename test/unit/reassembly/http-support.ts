// Test support: runs scripted packets through the reassembler and HTTP analyzer, collecting exchanges and bodies.

import { HttpAnalyzer, type HttpExchange, TcpReassembler } from "../../../src/reassembly/index.ts";
import { LINK_ETHERNET, type ScriptedPacket } from "./packet-builder.ts";

export interface HttpRun {
	exchanges: HttpExchange[];
	bodies: Map<string, string>;
	analyzer: HttpAnalyzer;
	reassembler: TcpReassembler<unknown>;
}

const latin1 = new TextDecoder("latin1");

export function runHttp(packets: readonly ScriptedPacket[], options = {}): HttpRun {
	const exchanges: HttpExchange[] = [];
	const bodies = new Map<string, string>();
	const analyzer = new HttpAnalyzer({
		exchange: (e) => exchanges.push(structuredClone(e)),
		body: (e, part, bytes) => {
			const key = `${e.stream}/${e.index}/${part}`;
			bodies.set(key, (bodies.get(key) ?? "") + latin1.decode(bytes));
		},
	});
	const reassembler = new TcpReassembler(analyzer, options);
	for (const p of packets) reassembler.push(LINK_ETHERNET, p.tsSec, p.tsUsec, p.data);
	reassembler.close();
	return { exchanges, bodies, analyzer, reassembler: reassembler as TcpReassembler<unknown> };
}

/** The fields tshark also reports, for compact assertions. */
export function summary(e: HttpExchange): string {
	const request = e.request ? `${e.request.method} ${e.request.url}` : "-";
	const response = e.response ? `${e.response.status} ${e.response.bodyBytes}` : "-";
	return `${request} => ${response}${e.missing ? " (missing)" : ""}`;
}
