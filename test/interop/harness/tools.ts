// Locations of the interop kit (libpcap's RPCAP client and the reference C rpcapd) and of our CLI.

import { existsSync } from "node:fs";
import { join } from "node:path";

const PREFIX = process.env.RPCAP_REF ?? "/opt/rpcap-ref";
export const PROBE = process.env.RPCAP_PROBE ?? join(PREFIX, "bin/rpcap-probe");
export const REFERENCE_RPCAPD = process.env.RPCAPD ?? join(PREFIX, "sbin/rpcapd");
export const RPCAPD_MAIN = join(import.meta.dir, "../../../src/cli/main.ts");

/** Fails loudly (never skips): the interop kit is part of `make test` (scripts/setup.sh --with-interop). */
export function requireInteropKit(): void {
	for (const path of [PROBE, REFERENCE_RPCAPD]) {
		if (!existsSync(path))
			throw new Error(`${path} is missing: run 'sudo ../shared/interop/build.sh' (make test does)`);
	}
}

/** Parses rpcap-probe's key=value output (values run to the end of the line). */
export function parseProbe(stdout: string): Record<string, string> {
	const out: Record<string, string> = {};
	for (const line of stdout.split("\n")) {
		const eq = line.indexOf("=");
		if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
	}
	return out;
}
