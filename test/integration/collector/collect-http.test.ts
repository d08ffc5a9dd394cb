// `rpcapd collect … --http FILE --streams DIR`: HTTP exchanges and TCP streams reconstructed live from what a sensor forwards.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createWorkspace, type NetNamespace, removeWorkspace } from "../harness/namespace.ts";
import { CollectorProcess, startOurDaemon } from "./support/collector-process.ts";

let ns: NetNamespace;
let dir: string;

beforeAll(() => {
	({ ns, dir } = createWorkspace("rpcapd-collect-http-"));
});
afterAll(() => removeWorkspace(ns, dir));

const SERVER = `Bun.serve({ hostname: "127.0.0.1", port: 8080, fetch: async (req) => {
	const url = new URL(req.url);
	if (url.pathname === "/big") return new Response("x".repeat(200000));
	if (req.method === "POST") return new Response("got " + (await req.text()).length, { status: 201 });
	return new Response("hello " + url.pathname);
} }); console.log("serving");`;

const CLIENT = `for (const [method, path, body] of [["GET", "/a"], ["POST", "/b", "y".repeat(5000)], ["GET", "/big"], ["GET", "/missing?q=1"]]) {
	const r = await fetch("http://127.0.0.1:8080" + path, { method, body });
	await r.arrayBuffer();
}`;

test("live HTTP exchanges and stream files from a sensor's feed", async () => {
	const server = ns.spawn([process.execPath, "-e", SERVER]);
	const daemon = startOurDaemon(ns, ["-n", "-b", "127.0.0.1", "-p", "23200"]);
	await Bun.sleep(800);
	const http = join(dir, "exchanges.jsonl");
	const streams = join(dir, "streams");
	const collector = CollectorProcess.start(ns, [
		"--connect",
		"rpcap://127.0.0.1:23200/lo",
		"-w",
		join(dir, "out.pcap"),
		"--http",
		http,
		"--streams",
		streams,
		"tcp port 8080",
	]);
	await collector.capturing();
	await Bun.sleep(300);
	const client = await ns.run([process.execPath, "-e", CLIENT]);
	expect(client.exitCode).toBe(0);
	await collector.waitFor("the traffic", (s) => (s[0]?.packets ?? 0) > 20);
	await Bun.sleep(1500);
	const stopped = await collector.stop();
	expect(stopped.exitCode).toBe(0);
	expect(stopped.stderr).toMatch(
		/reassembly: \d+ TCP flows, 0 gaps \(0 bytes\), 0 flows evicted, 4 HTTP exchanges/,
	);
	daemon.kill("SIGTERM");
	server.kill("SIGTERM");
	await Promise.all([daemon.exited, server.exited]);

	const exchanges = readFileSync(http, "utf8")
		.trim()
		.split("\n")
		.map(
			(line) =>
				JSON.parse(line) as {
					method: string;
					url: string;
					status: number;
					missing: boolean;
					response: { bodyBytes?: number };
				},
		);
	expect(exchanges.map((e) => [e.method, e.url, e.status])).toEqual([
		["GET", "/a", 200],
		["POST", "/b", 201],
		["GET", "/big", 200],
		["GET", "/missing?q=1", 200],
	]);
	expect(exchanges.every((e) => e.missing === false)).toBe(true);
	expect(existsSync(join(streams, "streams.jsonl"))).toBe(true);
	const sizes = readdirSync(streams)
		.filter((name) => name.endsWith(".s2c"))
		.map((name) => readFileSync(join(streams, name)).length);
	expect(Math.max(...sizes)).toBeGreaterThan(200_000);
}, 60_000);
