// FINDALLIF and OPEN: the interface list (with ExtraHop preselection) and device selection rules of rpcap-protocol.md §5–§6.

import { CaptureError, type Device, type SockAddr } from "../capture/source.ts";
import {
	decodeOpenRequest,
	ErrorCode,
	encodeFindAllIfReply,
	encodeOpenReply,
	LEGACY_REPLY_LIMIT,
	type RemoteInterface,
	RpcapError,
	type RpcapSockaddr,
} from "../protocol/index.ts";
import type { Preselection, SessionDeps } from "./session-types.ts";

const NO_INTERFACES =
	"No interfaces found! Make sure libpcap/WinPcap is properly installed and you have the right to access to the remote device.";
const PRESELECTED_SUFFIX = ";preselected";
const PRESELECTED_DESCRIPTION_BYTES = 240;

function toRpcapSockaddr(a: SockAddr | null): RpcapSockaddr | null {
	if (a === null || a.family === "link") return null;
	return a.family === "inet"
		? { family: "ipv4", address: a.address }
		: { family: "ipv6", address: a.address, scopeId: a.scopeId };
}

function toRemoteInterface(d: Device): RemoteInterface {
	return {
		name: d.name,
		description: d.description ?? "",
		flags: d.flags,
		addresses: d.addresses
			.filter((a) => a.addr.family !== "link")
			.map((a) => ({
				addr: toRpcapSockaddr(a.addr),
				netmask: toRpcapSockaddr(a.netmask),
				broadaddr: toRpcapSockaddr(a.broadaddr),
				dstaddr: toRpcapSockaddr(a.dstaddr),
			})),
	};
}

/** extrahop-udpstr.md §11.1: description cut to 240 bytes, then " ;preselected", or ";preselected" alone. */
export function preselectedDescription(description: string): string {
	if (description === "") return PRESELECTED_SUFFIX;
	const bytes = new TextEncoder().encode(description);
	let cut = description;
	if (bytes.length > PRESELECTED_DESCRIPTION_BYTES) {
		cut = new TextDecoder().decode(bytes.subarray(0, PRESELECTED_DESCRIPTION_BYTES)).replace(/\uFFFD+$/, "");
	}
	return `${cut} ${PRESELECTED_SUFFIX}`;
}

/** `code`: the request's error code (rpcap-protocol.md §16: FINDALLIF 4, every OPEN failure 6). */
function listDevices(deps: SessionDeps, code: number): Device[] {
	try {
		return deps.backend.listDevices();
	} catch (error) {
		throw new RpcapError(code, error instanceof Error ? error.message : String(error));
	}
}

function resolvePreselected(preselection: Preselection, devices: readonly Device[], code: number): string {
	const name = preselection.resolve(devices);
	if (name === null)
		throw new RpcapError(code, `Preselected interface '${preselection.description}' is not present`);
	return name;
}

/** The complete FINDALLIF_REPLY message, or RpcapError 4/5. */
export function findAllInterfaces(deps: SessionDeps, version: number): Uint8Array {
	const devices = listDevices(deps, ErrorCode.FINDALLIF);
	let interfaces = devices.map(toRemoteInterface);
	if (deps.preselection) {
		const name = resolvePreselected(deps.preselection, devices, ErrorCode.NOREMOTEIF);
		const chosen = interfaces.find((i) => i.name === name);
		if (chosen) {
			interfaces = [
				{ ...chosen, description: preselectedDescription(chosen.description) },
				...interfaces.filter((i) => i !== chosen),
			];
		}
	}
	if (interfaces.length === 0) throw new RpcapError(ErrorCode.NOREMOTEIF, NO_INTERFACES);
	const reply = encodeFindAllIfReply(interfaces, version);
	for (const name of reply.skippedNames) {
		deps.log.warn("interface left out of FINDALLIF: name of 1025 bytes or more", { name: name.slice(0, 64) });
	}
	if (reply.message.length - 8 > LEGACY_REPLY_LIMIT) {
		deps.log.warn("FINDALLIF reply exceeds 64000 bytes; WinPcap-era clients may not cope", {
			bytes: reply.message.length - 8,
		});
	}
	return reply.message;
}

export interface OpenedDevice {
	name: string;
	linktype: number;
}

/** rpcap-protocol.md §6.4 checks in order (1–4 in the decoder, then policy); throws RpcapError 6. */
export function openDevice(deps: SessionDeps, payload: Uint8Array): OpenedDevice {
	const fail = (text: string) => new RpcapError(ErrorCode.OPEN, text);
	const name = decodeOpenRequest(payload);
	let devices: Device[] | undefined;
	if (deps.preselection) {
		devices = listDevices(deps, ErrorCode.OPEN);
		const allowed = resolvePreselected(deps.preselection, devices, ErrorCode.OPEN);
		if (name !== allowed) throw fail(`can only open preselected interface '${allowed}'`);
	}
	if (deps.policy.requireListedDevice) {
		devices ??= listDevices(deps, ErrorCode.OPEN);
		if (!devices.some((d) => d.name === name)) throw fail(`No such device: ${name}`);
	}
	try {
		return { name, linktype: deps.backend.probe(name) };
	} catch (error) {
		throw fail(error instanceof CaptureError ? error.message : String(error));
	}
}

export function openReply(device: OpenedDevice, version: number): Uint8Array {
	return encodeOpenReply({ linktype: device.linktype, tzoff: 0 }, version);
}
