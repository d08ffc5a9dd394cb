// M10 / L10: a collector that silently vanishes (every packet to and from it dropped, no RST) is noticed by TCP
// keepalive, the entry reconnects with backoff, and finds the collector again once the path is back.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { NetNamespace } from "../harness/namespace.ts";

const MAIN = join(import.meta.dir, "../../../src/cli/main.ts");
const PORT = 23700;
let ns: NetNamespace;

beforeAll(() => {
	ns = NetNamespace.create();
});
afterAll(async () => {
	await ns?.destroy();
});

async function nft(args: string[]): Promise<void> {
	const r = await ns.run(["nft", ...args]);
	if (r.exitCode !== 0) throw new Error(`nft ${args.join(" ")}: ${r.stderr}`);
}

test("a silently vanished collector is detected by keepalive, and the daemon comes back when it is reachable again", async () => {
	// The collector accepts and then says nothing, as an idle ExtraHop sensor may.
	const collector = ns.spawn([
		process.execPath,
		"-e",
		`let n = 0; Bun.listen({ hostname: "127.0.0.1", port: ${PORT}, socket: { open() { console.log("accepted " + ++n); }, data() {} } });`,
	]);
	let accepted = "";
	void (async () => {
		for await (const chunk of collector.stdout) accepted += new TextDecoder().decode(chunk);
	})();
	await Bun.sleep(500);
	const daemon = ns.spawn([
		process.execPath,
		MAIN,
		"-n",
		"-v",
		"--active",
		`127.0.0.1:${PORT}`,
		"--keepalive",
		"2,1,2",
		"--retry-max",
		"2",
	]);
	let log = "";
	void (async () => {
		for await (const chunk of daemon.stderr) log += new TextDecoder().decode(chunk);
	})();
	const until = async (predicate: () => boolean, ms: number, what: string) => {
		const deadline = Date.now() + ms;
		while (!predicate()) {
			if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; daemon log:\n${log}`);
			await Bun.sleep(50);
		}
	};
	await until(() => accepted.includes("accepted 1"), 10_000, "the first connection");

	await nft(["add", "table", "inet", "vanish"]);
	await nft(["add", "chain", "inet", "vanish", "in", "{ type filter hook input priority 0; }"]);
	await nft(["add", "rule", "inet", "vanish", "in", "tcp", "dport", String(PORT), "drop"]);
	await nft(["add", "rule", "inet", "vanish", "in", "tcp", "sport", String(PORT), "drop"]);
	const vanishedAt = Date.now();
	await until(() => /connection ended/.test(log), 15_000, "keepalive to notice the dead peer");
	const detectedAfter = Date.now() - vanishedAt;
	expect(detectedAfter).toBeLessThan(10_000); // idle 2 s + 2 probes 1 s apart, plus slack

	await nft(["delete", "table", "inet", "vanish"]);
	await until(() => accepted.includes("accepted 2"), 20_000, "the reconnect once the path is back");
	daemon.kill("SIGTERM");
	collector.kill("SIGTERM");
	expect(await daemon.exited).toBe(0);
}, 60_000);
