// Which interface a collector opens on a sensor: the URL's, the ";preselected" one, --iface, else the first real one up.

import { InterfaceFlag, type RemoteInterface } from "../../protocol/index.ts";
import { SessionError } from "../errors.ts";

export type InterfaceChoiceReason = "url" | "preselected" | "preferred" | "first-up";

export interface InterfaceChoice {
	name: string;
	/** The description with the ";preselected" marker removed. */
	description: string;
	reason: InterfaceChoiceReason;
}

// extrahop-udpstr.md §11.1: the description is the original (cut to 240 bytes) + " ;preselected", or ";preselected".
const PRESELECTED_MARKER = ";preselected";

export function isPreselected(item: RemoteInterface): boolean {
	return item.description.endsWith(PRESELECTED_MARKER);
}

export function cleanDescription(description: string): string {
	if (!description.endsWith(PRESELECTED_MARKER)) return description;
	return description.slice(0, -PRESELECTED_MARKER.length).trimEnd();
}

// Pseudo-devices libpcap lists next to real interfaces; never a sensible default.
const PSEUDO_DEVICES = /^(any|nflog|nfqueue|dbus-.*|bluetooth-monitor|usbmon\d*)$/;

function isCandidate(item: RemoteInterface, requireRunning: boolean): boolean {
	const flags = item.flags;
	if (flags & InterfaceFlag.LOOPBACK || !(flags & InterfaceFlag.UP) || PSEUDO_DEVICES.test(item.name))
		return false;
	return !requireRunning || (flags & InterfaceFlag.RUNNING) !== 0;
}

function describe(list: readonly RemoteInterface[] | null, name: string): string {
	return cleanDescription(list?.find((item) => item.name === name)?.description ?? "");
}

/**
 * The choice, in order: the interface named in the --connect URL; the sensor's preselected interface
 * (extrahop-udpstr.md §11); `preferred` (--iface); the first non-loopback interface that is up (running ones
 * first). `list` is null when the sensor could not list its interfaces. Throws SessionError("interfaces").
 */
export function chooseInterface(
	list: readonly RemoteInterface[] | null,
	explicit: string | null,
	preferred: string | null,
): InterfaceChoice {
	if (explicit !== null && explicit !== "") {
		return { name: explicit, description: describe(list, explicit), reason: "url" };
	}
	const preselected = list?.find(isPreselected);
	if (preselected !== undefined) {
		return {
			name: preselected.name,
			description: cleanDescription(preselected.description),
			reason: "preselected",
		};
	}
	if (preferred !== null && preferred !== "") {
		return { name: preferred, description: describe(list, preferred), reason: "preferred" };
	}
	if (list === null) {
		throw new SessionError("interfaces", "The sensor did not list its interfaces and no --iface was given");
	}
	const first = list.find((item) => isCandidate(item, true)) ?? list.find((item) => isCandidate(item, false));
	if (first === undefined) {
		const names = list.map((item) => item.name).join(", ") || "none";
		throw new SessionError(
			"interfaces",
			`No interface to capture on: nothing preselected, no --iface, and no non-loopback interface is up (sensor has: ${names})`,
		);
	}
	return { name: first.name, description: cleanDescription(first.description), reason: "first-up" };
}
