// A datagram socket to the local syslog daemon (/dev/log) through libc, since Bun has no Unix datagram sockets.

import { dlopen, FFIType } from "bun:ffi";

const { i32, i64, u32, ptr, u64 } = FFIType;

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const MSG_NOSIGNAL = 0x4000;
const MSG_DONTWAIT = 0x40;
const SUN_PATH_SIZE = 108;

export class SyslogUnavailableError extends Error {
	override readonly name = "SyslogUnavailableError";
}

export interface SyslogSocket {
	/** Sends one datagram; returns false when the message could not be delivered (never throws). */
	send(message: Uint8Array): boolean;
	close(): void;
}

/** Connects to `path` (default /dev/log); Linux only. Throws SyslogUnavailableError with the reason. */
export function openSyslogSocket(path = "/dev/log"): SyslogSocket {
	if (process.platform !== "linux")
		throw new SyslogUnavailableError(`syslog is not supported on ${process.platform}`);
	const libc = dlopen("libc.so.6", {
		socket: { returns: i32, args: [i32, i32, i32] },
		connect: { returns: i32, args: [i32, ptr, u32] },
		send: { returns: i64, args: [i32, ptr, u64, i32] },
		close: { returns: i32, args: [i32] },
	}).symbols;
	const pathBytes = new TextEncoder().encode(path);
	if (pathBytes.length >= SUN_PATH_SIZE)
		throw new SyslogUnavailableError(`syslog socket path is too long: ${path}`);
	const address = new Uint8Array(2 + SUN_PATH_SIZE);
	new DataView(address.buffer).setUint16(0, AF_UNIX, true);
	address.set(pathBytes, 2);
	const fd = libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) throw new SyslogUnavailableError("cannot create a Unix datagram socket");
	if (libc.connect(fd, address, 2 + pathBytes.length + 1) !== 0) {
		libc.close(fd);
		throw new SyslogUnavailableError(`no syslog socket at ${path}`);
	}
	let open = true;
	return {
		send(message) {
			return open && libc.send(fd, message, message.length, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0;
		},
		close() {
			if (open) libc.close(fd);
			open = false;
		},
	};
}
