// `rpcapd list`: the local capture interfaces with flags and addresses, named as `tcpdump -D` names them.

import { defineCommand } from "citty";
import { LiveCaptureBackend } from "../capture/live-backend.ts";
import type { Device, SockAddr } from "../capture/source.ts";

const FLAG_NAMES: [number, string][] = [
	[0x2, "Up"],
	[0x4, "Running"],
	[0x8, "Wireless"],
	[0x1, "Loopback"],
];

/** The bracketed flag list exactly as tcpdump -D prints it. */
export function describeFlags(flags: number): string {
	const names = FLAG_NAMES.filter(([bit]) => flags & bit).map(([, name]) => name);
	if (!(flags & 0x1)) {
		const status = flags & 0x30;
		if (status === 0x10) names.push("Connected");
		else if (status === 0x20) names.push("Disconnected");
	}
	return names.length > 0 ? names.join(", ") : "none";
}

function formatAddress(a: SockAddr | null): string {
	if (a === null) return "";
	if (a.family === "inet6" && a.scopeId !== 0) return `${a.address}%${a.scopeId}`;
	return a.address;
}

export function formatDeviceList(devices: readonly Device[]): string {
	const lines: string[] = [];
	devices.forEach((d, i) => {
		const description = d.description ? ` (${d.description})` : "";
		lines.push(`${i + 1}.${d.name}${description} [${describeFlags(d.flags)}]`);
		for (const a of d.addresses) {
			const parts = [`${a.addr.family} ${formatAddress(a.addr)}`];
			if (a.netmask) parts.push(`netmask ${formatAddress(a.netmask)}`);
			if (a.broadaddr) parts.push(`broadcast ${formatAddress(a.broadaddr)}`);
			if (a.dstaddr) parts.push(`peer ${formatAddress(a.dstaddr)}`);
			lines.push(`    ${parts.join("  ")}`);
		}
	});
	return lines.join("\n");
}

export const listCommand = defineCommand({
	meta: { name: "list", description: "List the local capture interfaces with their flags and addresses" },
	args: {
		json: { type: "boolean", description: "Print the list as JSON" },
	},
	run({ args }) {
		const devices = new LiveCaptureBackend().listDevices();
		process.stdout.write(
			args.json ? `${JSON.stringify(devices, null, 2)}\n` : `${formatDeviceList(devices)}\n`,
		);
	},
});
