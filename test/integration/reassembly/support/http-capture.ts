// Test support: records real HTTP traffic on a namespace's loopback with tcpdump (servers from ../fixtures,
// curl and a pipelining client), so reassembly can be compared with tshark on a genuine capture.

import { join } from "node:path";
import { waitForText } from "../../harness/inject.ts";
import { LoopbackRecorder } from "../../harness/loopback-recorder.ts";
import { NetNamespace } from "../../harness/namespace.ts";

const FIXTURES = join(import.meta.dir, "..", "fixtures");
const BUN = process.execPath;

/** curl when installed (the realest client at hand), else Bun's fetch; RPCAPD_TEST_NO_CURL=1 forces fetch. */
const USE_CURL = Bun.which("curl") !== null && process.env.RPCAPD_TEST_NO_CURL !== "1";
const FETCH = [BUN, join(FIXTURES, "fetch-client.ts")];

/** What the clients did, in order; each entry is one TCP connection. */
export const CLIENT_RUNS: { name: string; command: (host: string) => string[] }[] = [
	{
		name: "keep-alive: several requests on one connection",
		command: (h) => {
			const urls = ["/small", "/chunked", "/empty", "/notmodified", "/small?again=1", "/nothing-here"].map(
				(p) => `http://${h}:8080${p}`,
			);
			return USE_CURL ? ["curl", "-sS", ...urls] : [...FETCH, "get", ...urls];
		},
	},
	{
		name: "HEAD",
		command: (h) => (USE_CURL ? ["curl", "-sS", "-I"] : [...FETCH, "head"]).concat(`http://${h}:8080/small`),
	},
	{
		name: "large download",
		command: (h) =>
			(USE_CURL ? ["curl", "-sS", "-o", "/dev/null"] : [...FETCH, "get"]).concat(`http://${h}:8080/large`),
	},
	{
		name: "POST with a body",
		command: (h) =>
			USE_CURL
				? ["curl", "-sS", "--data-raw", "p".repeat(20_000), `http://${h}:8080/echo`]
				: [...FETCH, "post", `http://${h}:8080/echo`, "20000"],
	},
	{
		name: "POST with Expect: 100-continue",
		command: (h) =>
			USE_CURL
				? [
						"curl",
						"-sS",
						"-H",
						"Expect: 100-continue",
						"--data-raw",
						"q".repeat(10_000),
						`http://${h}:8081/upload`,
					]
				: [...FETCH, "post", `http://${h}:8081/upload`, "10000", "expect"],
	},
	{
		name: "body ended by close (HTTP/1.0 response)",
		command: (h) =>
			(USE_CURL ? ["curl", "-sS", "--http1.0"] : [...FETCH, "get"]).concat(`http://${h}:8081/close`),
	},
	{
		name: "IPv6",
		command: () =>
			(USE_CURL ? ["curl", "-sS", "-g"] : [...FETCH, "get"]).concat("http://[::1]:8080/small?v6"),
	},
	{
		name: "pipelining",
		command: (h) => [
			BUN,
			join(FIXTURES, "pipelining-client.ts"),
			h,
			"8080",
			...["/small", "/empty", "/small?2", "/notmodified", "/nothing-here", "/small?last"],
		],
	},
];

/** Captures every CLIENT_RUNS connection into `path` (pcap, Ethernet link type, as tcpdump writes on lo). */
export async function captureHttpTraffic(path: string): Promise<void> {
	const ns = NetNamespace.create();
	try {
		const recorder = await LoopbackRecorder.start(ns, path, "tcp");
		const servers = ns.spawn([BUN, join(FIXTURES, "http-servers.ts")]);
		await waitForText(servers.stdout, "ready");
		for (const run of CLIENT_RUNS) {
			const result = await ns.run(run.command("127.0.0.1"), 20_000);
			if (result.exitCode !== 0) throw new Error(`Client "${run.name}" failed: ${result.stderr}`);
		}
		await recorder.stop();
	} finally {
		await ns.destroy();
	}
}
