// `rpcapd doctor`: what this machine gives the capture path (libpcap found, batch drain compiled, poll-thread waiter), for support and tests.

import { defineCommand } from "citty";
import { drainHelperError, loadDrainHelper } from "../../ffi/batch-drain.ts";
import { loadLibc } from "../../ffi/libc.ts";
import { loadLibpcap } from "../../ffi/libpcap.ts";

export interface DoctorReport {
	platform: string;
	arch: string;
	bun: string;
	libpcap: { path: string; version: string } | { error: string };
	batchDrain: "cc" | { fallback: "pcap_next_ex"; reason: string };
	waiter: "poll-thread" | "timer";
}

export function doctorReport(): DoctorReport {
	let libpcap: DoctorReport["libpcap"];
	try {
		const lib = loadLibpcap();
		libpcap = { path: lib.path, version: String(lib.symbols.pcap_lib_version()) };
	} catch (error) {
		libpcap = { error: (error as Error).message };
	}
	const helper = loadDrainHelper();
	let posix = false;
	try {
		posix = loadLibc().posix !== null;
	} catch {
		posix = false;
	}
	return {
		platform: process.platform,
		arch: process.arch,
		bun: Bun.version,
		libpcap,
		batchDrain: helper ? "cc" : { fallback: "pcap_next_ex", reason: drainHelperError() ?? "unknown" },
		waiter: helper && posix ? "poll-thread" : "timer",
	};
}

export const doctorCommand = defineCommand({
	meta: {
		name: "doctor",
		description: "Check what this machine offers the capture path (libpcap, batch drain, waiter)",
	},
	args: { json: { type: "boolean", description: "Print the report as JSON" } },
	run({ args }) {
		const report = doctorReport();
		if (args.json) {
			process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
			return;
		}
		const lib =
			"error" in report.libpcap
				? `missing: ${report.libpcap.error}`
				: `${report.libpcap.version} (${report.libpcap.path})`;
		const drain =
			report.batchDrain === "cc"
				? "one FFI call per batch (cc helper)"
				: `pcap_next_ex per packet (${report.batchDrain.reason})`;
		process.stdout.write(
			`platform   ${report.platform}/${report.arch}, Bun ${report.bun}\nlibpcap    ${lib}\ndrain      ${drain}\nwaiter     ${report.waiter}\n`,
		);
	},
});
