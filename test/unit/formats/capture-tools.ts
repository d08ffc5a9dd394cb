// Test support: temporary capture files under /tmp and the Wireshark command-line tools that check them.

import { rmSync, writeFileSync } from "node:fs";

const created: string[] = [];
let counter = 0;

export function tempCapturePath(extension: string): string {
	counter++;
	const unique = `${process.pid}-${Date.now()}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
	const path = `/tmp/rpcapd-formats-${unique}.${extension}`;
	created.push(path);
	return path;
}

export function writeTempCapture(chunks: readonly Uint8Array[], extension: string): string {
	const path = tempCapturePath(extension);
	writeFileSync(path, Buffer.concat(chunks));
	return path;
}

export function removeTempCaptures(): void {
	for (const path of created.splice(0)) rmSync(path, { force: true });
}

export function run(command: string[]): string {
	const result = Bun.spawnSync(command, { stdout: "pipe", stderr: "pipe" });
	if (result.exitCode !== 0) {
		throw new Error(`${command.join(" ")} exited with ${result.exitCode}: ${result.stderr.toString()}`);
	}
	return result.stdout.toString();
}

/** One row per frame, one column per field. */
export function tsharkFields(path: string, fields: readonly string[]): string[][] {
	const args = ["tshark", "-n", "-r", path, "-T", "fields", "-E", "separator=|"];
	for (const field of fields) args.push("-e", field);
	return run(args)
		.split("\n")
		.filter((line) => line.length > 0)
		.map((line) => line.split("|"));
}

/** capinfos -c -M: the exact packet count. */
export function capinfosPacketCount(path: string): number {
	const match = /Number of packets:\s+(\d+)/.exec(run(["capinfos", "-c", "-M", path]));
	if (match?.[1] === undefined) throw new Error(`capinfos printed no packet count for ${path}`);
	return Number(match[1]);
}

/** capinfos -I: the number of interfaces. */
export function capinfosInterfaceCount(path: string): number {
	const match = /Number of interfaces in file:\s+(\d+)/.exec(run(["capinfos", "-I", path]));
	if (match?.[1] === undefined) throw new Error(`capinfos printed no interface count for ${path}`);
	return Number(match[1]);
}

/** frame.time_epoch as tshark prints it, with nine decimals. */
export function epochText(tsSec: number, tsNsec: number): string {
	return `${tsSec}.${String(tsNsec).padStart(9, "0")}`;
}

export async function readFileBytes(path: string): Promise<Uint8Array> {
	return new Uint8Array(await Bun.file(path).arrayBuffer());
}
