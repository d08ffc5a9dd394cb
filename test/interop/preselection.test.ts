// Interface preselection on active connections, seen by libpcap's client: the chosen interface first with ";preselected", others refused with ERROR 6, resolved at connect time (M8, D10, N15).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "bun";
import { createWorkspace, type NetNamespace, removeWorkspace } from "../integration/harness/namespace.ts";
import { type RunningDaemon, startOurDaemon } from "./harness/daemon.ts";
import { runProbe } from "./harness/probe-run.ts";
import { requireInteropKit } from "./harness/tools.ts";

let ns: NetNamespace;
let dir: string;

beforeAll(() => {
	requireInteropKit();
	({ ns, dir } = createWorkspace("rpcapd-presel-"));
	expect(spawnSync(["ip", "-n", ns.name, "addr", "add", "10.77.0.2/24", "dev", "v1"]).exitCode).toBe(0);
});
afterAll(() => removeWorkspace(ns, dir));

function devices(values: Record<string, string>): { name: string; description: string }[] {
	const out: { name: string; description: string }[] = [];
	for (let i = 0; values[`dev.${i}.name`] !== undefined; i++) {
		out.push({ name: values[`dev.${i}.name`]!, description: values[`dev.${i}.description`] ?? "" });
	}
	return out;
}

async function withDaemon<T>(args: string[], body: (daemon: RunningDaemon) => Promise<T>): Promise<T> {
	const daemon = await startOurDaemon(ns, args);
	try {
		return await body(daemon);
	} finally {
		await daemon.stop();
	}
}

describe("preselection", () => {
	test("--ifname: the interface is listed first with ';preselected'; another name gets ERROR 6", async () => {
		await withDaemon(["-n", "-v", "--active", "127.0.0.1:2501", "--ifname", "v1"], async () => {
			const r = await runProbe(ns, ["active", "127.0.0.1", "2501", "v0", "1", "10", "--list"]);
			const list = devices(r.values);
			expect(list[0]).toEqual({
				name: "rpcap://127.0.0.1/v1",
				description: "Network adapter ';preselected' on remote node 127.0.0.1",
			});
			expect(list.slice(1).some((d) => d.name === "rpcap://127.0.0.1/v0")).toBe(true);
			expect(r.values.error_at).toBe("pcap_open");
			expect(r.values.error).toBe("can only open preselected interface 'v1'");
		});
	}, 30_000);

	test("ifaddr= in rpcapd.ini selects the interface holding that prefix", async () => {
		const ini = join(dir, "ifaddr.ini");
		writeFileSync(ini, "ActiveClient = 127.0.0.1, 2502, ifaddr=10.77.0.0/16\nNullAuthPermit = YES\n");
		await withDaemon(["-v", "-f", ini], async () => {
			const r = await runProbe(ns, ["active", "127.0.0.1", "2502", "v1", "1", "2", "--list", "--min", "0"]);
			expect(devices(r.values)[0]?.name).toBe("rpcap://127.0.0.1/v1");
			expect(devices(r.values)[0]?.description).toContain(";preselected");
		});
	}, 30_000);

	test("M8 / N15: no match means no connection (one warning), then it connects once the interface appears", async () => {
		const ini = join(dir, "absent.ini");
		writeFileSync(
			ini,
			"ActiveClient = 127.0.0.1, 2503, ifname=late0, ifaddr=10.88.0.0/16\nNullAuthPermit = YES\n",
		);
		await withDaemon(["-v", "-f", ini, "--retry-max", "2"], async (daemon) => {
			const early = await runProbe(ns, [
				"active",
				"127.0.0.1",
				"2503",
				"late0",
				"1",
				"3",
				"--accept-timeout",
				"3",
			]);
			expect(early.values.result).toBe("error");
			expect(daemon.log().match(/no interface matches late0 ifaddr=10\.88\.0\.0\/16/g)?.length).toBe(1);
			// No dummy driver in every kernel: a veth end is an interface appearing just as well.
			expect(
				spawnSync(["ip", "-n", ns.name, "link", "add", "late0", "type", "veth", "peer", "name", "late0p"])
					.exitCode,
			).toBe(0);
			expect(spawnSync(["ip", "-n", ns.name, "addr", "add", "10.88.0.1/24", "dev", "late0"]).exitCode).toBe(
				0,
			);
			expect(spawnSync(["ip", "-n", ns.name, "link", "set", "late0", "up"]).exitCode).toBe(0);
			const later = await runProbe(ns, [
				"active",
				"127.0.0.1",
				"2503",
				"late0",
				"1",
				"2",
				"--list",
				"--min",
				"0",
				"--accept-timeout",
				"8",
			]);
			expect(later.values.accept_ms).toBeDefined();
			expect(devices(later.values)[0]?.name).toBe("rpcap://127.0.0.1/late0");
		});
	}, 30_000);
});
