// Traffic for the benchmark: trafgen in the namespace sends fixed Ethernet/IPv4/UDP frames to dst port 9 out of v0.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { NetNamespace } from "../../test/integration/harness/namespace.ts";

const MACS = "0x02,0x00,0x00,0x00,0x77,0x02, 0x02,0x00,0x00,0x00,0x77,0x01, 0x08,0x00";

function hex16(n: number): string {
	return `0x${((n >> 8) & 0xff).toString(16).padStart(2, "0")},0x${(n & 0xff).toString(16).padStart(2, "0")}`;
}

/** A trafgen packet file for frames of `size` bytes (Ethernet header included, no FCS). */
export function writeTrafgenConfig(dir: string, size: number): string {
	const ipLength = size - 14;
	const udpLength = ipLength - 20;
	const payload = udpLength - 8;
	const config = `{ ${MACS}, 0x45,0x00,${hex16(ipLength)}, 0x00,0x00,0x00,0x00, 0x40,0x11,0x00,0x00, 10,77,0,1, 10,77,0,2, 0x9c,0x40,0x00,0x09,${hex16(udpLength)},0x00,0x00, drnd(${payload}) }\n`;
	const path = join(dir, `frames-${size}.cfg`);
	writeFileSync(path, config);
	return path;
}

/** Sends `count` frames at `pps` (0: as fast as trafgen goes); resolves with the count trafgen reports. */
export async function sendFrames(
	ns: NetNamespace,
	config: string,
	count: number,
	pps: number,
): Promise<number> {
	const rate = pps > 0 ? ["-b", `${pps}pps`] : [];
	const r = await ns.run(
		["trafgen", "-o", "v0", "-i", config, "-n", String(count), ...rate, "-P", "1", "-C", "-q"],
		300_000,
	);
	if (r.exitCode !== 0) throw new Error(`trafgen failed: ${r.stderr.trim()}`);
	const sent = /(\d+) packets outgoing/.exec(r.stdout + r.stderr);
	return sent ? Number(sent[1]) : count;
}
