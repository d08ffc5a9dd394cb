// Writes frames to a pcap file and replays them into a namespace interface with tcpreplay at a given rate.

import { writeFileSync } from "node:fs";
import { PcapWriter } from "../../../src/formats/index.ts";
import type { NetNamespace } from "./namespace.ts";

export function writeFramesPcap(path: string, frames: readonly Uint8Array[]): void {
	const writer = new PcapWriter({ linktype: 1 });
	const start = Math.floor(Date.now() / 1000);
	frames.forEach((frame, i) => {
		writer.writePacket(start, i % 1_000_000, frame.length, frame);
	});
	writeFileSync(path, Buffer.concat(writer.takeChunks()));
}

/** Replays `pcap` out of `iface` inside the namespace; resolves with tcpreplay's packet count. */
export async function replay(ns: NetNamespace, iface: string, pcap: string, pps: number): Promise<number> {
	const result = await ns.run(["tcpreplay", `--intf1=${iface}`, `--pps=${pps}`, pcap], 120_000);
	if (result.exitCode !== 0) throw new Error(`tcpreplay failed: ${result.stderr.trim()}`);
	const sent = /Successful packets:\s+(\d+)/.exec(result.stdout);
	return sent ? Number(sent[1]) : -1;
}

/** Reads a spawned process's stdout until a line equal to `marker` appears. */
export async function waitForLine(
	stream: ReadableStream<Uint8Array>,
	marker: string,
	timeoutMs = 10_000,
): Promise<{ rest: Promise<string> }> {
	const reader = stream.getReader();
	const decoder = new TextDecoder();
	let text = "";
	const deadline = Date.now() + timeoutMs;
	while (!text.split("\n").includes(marker)) {
		const timer = new Promise<never>((_, reject) =>
			setTimeout(
				() => reject(new Error(`no "${marker}" line within ${timeoutMs} ms (got: ${text.slice(0, 200)})`)),
				Math.max(0, deadline - Date.now()),
			),
		);
		const { done, value } = await Promise.race([reader.read(), timer]);
		if (done) throw new Error(`stream ended before "${marker}" (got: ${text.slice(0, 200)})`);
		text += decoder.decode(value, { stream: true });
	}
	const rest = (async () => {
		let tail = text.slice(text.indexOf(marker) + marker.length + 1);
		for (;;) {
			const { done, value } = await reader.read();
			if (done) return tail;
			tail += decoder.decode(value, { stream: true });
		}
	})();
	return { rest };
}

/** Resolves once `text` has appeared on the stream (and keeps draining it so the writer never blocks). */
export function waitForText(
	stream: ReadableStream<Uint8Array>,
	text: string,
	timeoutMs = 10_000,
): Promise<void> {
	const decoder = new TextDecoder();
	let seen = "";
	return new Promise((resolve, reject) => {
		const timer = setTimeout(
			() => reject(new Error(`Timed out waiting for "${text}": got "${seen}"`)),
			timeoutMs,
		);
		void (async () => {
			for await (const chunk of stream) {
				if (seen.length < 10_000) seen += decoder.decode(chunk, { stream: true });
				if (seen.includes(text)) {
					clearTimeout(timer);
					resolve();
				}
			}
		})();
	});
}
