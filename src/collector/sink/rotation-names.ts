// File names of rotated and split captures: tcpdump's -C/-G/-W naming, a strftime subset, sensor templates.

import type { StreamInfo } from "./sink.ts";

const pad = (value: number, width: number) => String(value).padStart(width, "0");

function dayOfYear(date: Date): number {
	const start = new Date(date.getFullYear(), 0, 1);
	return Math.floor((date.getTime() - start.getTime()) / 86_400_000) + 1;
}

const CONVERSIONS: Record<string, (date: Date) => string> = {
	Y: (d) => String(d.getFullYear()),
	y: (d) => pad(d.getFullYear() % 100, 2),
	m: (d) => pad(d.getMonth() + 1, 2),
	d: (d) => pad(d.getDate(), 2),
	e: (d) => String(d.getDate()).padStart(2, " "),
	H: (d) => pad(d.getHours(), 2),
	M: (d) => pad(d.getMinutes(), 2),
	S: (d) => pad(d.getSeconds(), 2),
	j: (d) => pad(dayOfYear(d), 3),
	s: (d) => String(Math.floor(d.getTime() / 1000)),
	F: (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1, 2)}-${pad(d.getDate(), 2)}`,
	T: (d) => `${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}`,
	"%": () => "%",
};

/** strftime(3) for the conversions file names use (%Y %y %m %d %e %H %M %S %j %s %F %T %%), local time. */
export function strftime(template: string, date: Date): string {
	return template.replace(/%(.)/g, (whole, letter: string) => CONVERSIONS[letter]?.(date) ?? whole);
}

/** tcpdump's getWflagChars: the digits needed to number files 0 … count − 1. */
export function counterWidth(maxFiles: number): number {
	let digits = 0;
	for (let x = maxFiles - 1; x > 0; x = Math.floor(x / 10)) digits++;
	return digits;
}

/**
 * tcpdump's MakeFilename: the template through strftime when time rotation is on, then the file counter
 * appended, zero-padded to `width` digits, unless both the counter and the width are 0.
 */
export function rotatedFileName(template: string, counter: number, width: number, time: Date | null): string {
	const base = time === null ? template : strftime(template, time);
	return counter === 0 && width === 0 ? base : `${base}${pad(counter, width)}`;
}

/** A sensor or interface name made safe for a file name. */
export function fileNamePart(text: string): string {
	const safe = text.replace(/[^A-Za-z0-9._-]/g, "_");
	return safe === "" || safe === "." || safe === ".." ? "_" : safe;
}

/** True when the template names the sensor or interface itself. */
export function hasStreamPlaceholders(template: string): boolean {
	return template.includes("{sensor}") || template.includes("{iface}");
}

/**
 * The --split file name template of one stream: `{sensor}` and `{iface}` replaced; a template without either
 * gets `_{sensor}_{iface}` before its extension ("cap.pcap" → "cap_10.0.0.5_eth0.pcap").
 */
export function splitFileName(template: string, info: StreamInfo): string {
	const sensor = fileNamePart(info.sensor);
	const iface = fileNamePart(info.iface);
	if (hasStreamPlaceholders(template)) {
		return template.replaceAll("{sensor}", sensor).replaceAll("{iface}", iface);
	}
	const slash = template.lastIndexOf("/");
	const dot = template.lastIndexOf(".");
	const at = dot > slash + 1 ? dot : template.length;
	return `${template.slice(0, at)}_${sensor}_${iface}${template.slice(at)}`;
}
