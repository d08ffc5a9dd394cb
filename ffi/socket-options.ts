// Socket options Bun does not expose (TCP keepalive tuning, user timeout, send buffer, TCP_INFO) via libc setsockopt.

import { dlopen, FFIType, read } from "bun:ffi";

const { i32, ptr } = FFIType;

// Linux <sys/socket.h>, <netinet/in.h>, <netinet/tcp.h>.
const SOL_SOCKET = 1;
const SO_SNDBUF = 7;
const SO_RCVBUF = 8;
const SO_KEEPALIVE = 9;
const SO_SNDBUFFORCE = 32;
const SO_RCVBUFFORCE = 33;
const IPPROTO_TCP = 6;
const TCP_KEEPIDLE = 4;
const TCP_KEEPINTVL = 5;
const TCP_KEEPCNT = 6;
const TCP_INFO = 11;
const TCP_USER_TIMEOUT = 18;
/** struct tcp_info: u64 tcpi_bytes_acked sits at byte 120 (Linux ≥ 4.1); the struct is larger on newer kernels. */
const TCP_INFO_BYTES_ACKED_OFFSET = 120;
const TCP_INFO_BUFFER_BYTES = 256;
const EPERM = 1;

const symbols = {
	setsockopt: { returns: i32, args: [i32, i32, i32, ptr, i32] },
	getsockopt: { returns: i32, args: [i32, i32, i32, ptr, ptr] },
	__errno_location: { returns: ptr, args: [] },
	strerror: { returns: FFIType.cstring, args: [i32] },
} as const;

type Libc = ReturnType<typeof dlopen<typeof symbols>>["symbols"];

export interface KeepaliveOptions {
	/** Seconds of idle before the first probe (TCP_KEEPIDLE). */
	idleSeconds: number;
	/** Seconds between probes (TCP_KEEPINTVL). */
	intervalSeconds: number;
	/** Unanswered probes before the connection is dropped (TCP_KEEPCNT). */
	count: number;
}

/** rpcap-protocol.md §14.2: idle 60 s, interval 10 s, 6 probes — a dead peer is noticed within about 2 minutes. */
export const DEFAULT_KEEPALIVE: Readonly<KeepaliveOptions> = {
	idleSeconds: 60,
	intervalSeconds: 10,
	count: 6,
};

/** A setsockopt/getsockopt call failed; `errno` is the OS error number. */
export class SocketOptionError extends Error {
	override readonly name = "SocketOptionError";
	constructor(
		readonly option: string,
		readonly fd: number,
		readonly errno: number,
		reason: string,
		action: "set" | "read" = "set",
	) {
		super(`Cannot ${action} ${option} on socket ${fd}: ${reason}`);
	}
}

/** An option value outside what the kernel accepts (checked before the call). */
export class SocketOptionValueError extends Error {
	override readonly name = "SocketOptionValueError";
	constructor(
		readonly option: string,
		readonly value: number,
	) {
		super(`Invalid ${option} value ${value}`);
	}
}

let libc: Libc | null | undefined;
const intBuffer = new Int32Array(1);
const lengthBuffer = new Int32Array(1);
const tcpInfoBuffer = new Uint8Array(TCP_INFO_BUFFER_BYTES);
const tcpInfoView = new DataView(tcpInfoBuffer.buffer);

/** libc on Linux; null elsewhere (the constants above are Linux's). */
function linuxLibc(): Libc | null {
	if (libc !== undefined) return libc;
	if (process.platform !== "linux") {
		libc = null;
		return libc;
	}
	libc = dlopen("libc.so.6", symbols).symbols;
	return libc;
}

/** True where these functions act (Linux); elsewhere they do nothing and return false. */
export function socketOptionsSupported(): boolean {
	return linuxLibc() !== null;
}

function lastErrno(c: Libc): number {
	const location = c.__errno_location();
	return location === null ? 0 : read.i32(location, 0);
}

function describeErrno(c: Libc, errno: number): string {
	return c.strerror(errno)?.toString() || `errno ${errno}`;
}

function setInt(c: Libc, fd: number, level: number, name: number, option: string, value: number): void {
	intBuffer[0] = value;
	if (c.setsockopt(fd, level, name, intBuffer, 4) !== 0) {
		const errno = lastErrno(c);
		throw new SocketOptionError(option, fd, errno, describeErrno(c, errno));
	}
}

function getInt(c: Libc, fd: number, level: number, name: number, option: string): number {
	lengthBuffer[0] = 4;
	if (c.getsockopt(fd, level, name, intBuffer, lengthBuffer) !== 0) {
		const errno = lastErrno(c);
		throw new SocketOptionError(option, fd, errno, describeErrno(c, errno), "read");
	}
	return intBuffer[0] ?? 0;
}

function checkRange(option: string, value: number, min: number, max: number): void {
	if (!Number.isInteger(value) || value < min || value > max) throw new SocketOptionValueError(option, value);
}

/** SO_KEEPALIVE with TCP_KEEPIDLE/TCP_KEEPINTVL/TCP_KEEPCNT (§14.2). False when unsupported on this platform. */
export function setTcpKeepalive(fd: number, options: KeepaliveOptions = DEFAULT_KEEPALIVE): boolean {
	checkRange("TCP_KEEPIDLE", options.idleSeconds, 1, 32767);
	checkRange("TCP_KEEPINTVL", options.intervalSeconds, 1, 32767);
	checkRange("TCP_KEEPCNT", options.count, 1, 127);
	const c = linuxLibc();
	if (c === null) return false;
	setInt(c, fd, SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE", 1);
	setInt(c, fd, IPPROTO_TCP, TCP_KEEPIDLE, "TCP_KEEPIDLE", options.idleSeconds);
	setInt(c, fd, IPPROTO_TCP, TCP_KEEPINTVL, "TCP_KEEPINTVL", options.intervalSeconds);
	setInt(c, fd, IPPROTO_TCP, TCP_KEEPCNT, "TCP_KEEPCNT", options.count);
	return true;
}

/** TCP_USER_TIMEOUT: how long sent data may stay unacknowledged before the kernel drops the connection (0 = OS default). */
export function setTcpUserTimeout(fd: number, timeoutMs: number): boolean {
	checkRange("TCP_USER_TIMEOUT", timeoutMs, 0, 0x7fffffff);
	const c = linuxLibc();
	if (c === null) return false;
	setInt(c, fd, IPPROTO_TCP, TCP_USER_TIMEOUT, "TCP_USER_TIMEOUT", timeoutMs);
	return true;
}

/**
 * Sets the socket send buffer to `bytes`: SO_SNDBUFFORCE first (root may exceed net.core.wmem_max), SO_SNDBUF when
 * that is not permitted. Returns the size the kernel reports afterwards (Linux doubles the request), or null when
 * unsupported on this platform.
 */
export function setSendBufferSize(fd: number, bytes: number): number | null {
	checkRange("SO_SNDBUF", bytes, 1, 0x3fffffff);
	const c = linuxLibc();
	if (c === null) return null;
	try {
		setInt(c, fd, SOL_SOCKET, SO_SNDBUFFORCE, "SO_SNDBUFFORCE", bytes);
	} catch (error) {
		if (!(error instanceof SocketOptionError) || error.errno !== EPERM) throw error;
		setInt(c, fd, SOL_SOCKET, SO_SNDBUF, "SO_SNDBUF", bytes);
	}
	return getInt(c, fd, SOL_SOCKET, SO_SNDBUF, "SO_SNDBUF");
}

/** The receive-side twin of setSendBufferSize (SO_RCVBUFFORCE, then SO_RCVBUF), for UDP receivers. */
export function setReceiveBufferSize(fd: number, bytes: number): number | null {
	checkRange("SO_RCVBUF", bytes, 1, 0x3fffffff);
	const c = linuxLibc();
	if (c === null) return null;
	try {
		setInt(c, fd, SOL_SOCKET, SO_RCVBUFFORCE, "SO_RCVBUFFORCE", bytes);
	} catch (error) {
		if (!(error instanceof SocketOptionError) || error.errno !== EPERM) throw error;
		setInt(c, fd, SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF", bytes);
	}
	return getInt(c, fd, SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF");
}

/** Integer socket options as the kernel reports them (null when unsupported), for logs and tests. */
export interface TcpSocketSettings {
	keepalive: boolean;
	keepIdleSeconds: number;
	keepIntervalSeconds: number;
	keepCount: number;
	userTimeoutMs: number;
	sendBufferBytes: number;
}

export function readTcpSocketSettings(fd: number): TcpSocketSettings | null {
	const c = linuxLibc();
	if (c === null) return null;
	return {
		keepalive: getInt(c, fd, SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE") !== 0,
		keepIdleSeconds: getInt(c, fd, IPPROTO_TCP, TCP_KEEPIDLE, "TCP_KEEPIDLE"),
		keepIntervalSeconds: getInt(c, fd, IPPROTO_TCP, TCP_KEEPINTVL, "TCP_KEEPINTVL"),
		keepCount: getInt(c, fd, IPPROTO_TCP, TCP_KEEPCNT, "TCP_KEEPCNT"),
		userTimeoutMs: getInt(c, fd, IPPROTO_TCP, TCP_USER_TIMEOUT, "TCP_USER_TIMEOUT"),
		sendBufferBytes: getInt(c, fd, SOL_SOCKET, SO_SNDBUF, "SO_SNDBUF"),
	};
}

/** SO_SNDBUF as the kernel reports it (null when unsupported). */
export function readSendBufferSize(fd: number): number | null {
	const c = linuxLibc();
	return c === null ? null : getInt(c, fd, SOL_SOCKET, SO_SNDBUF, "SO_SNDBUF");
}

/**
 * Bytes of this connection the peer has acknowledged (TCP_INFO tcpi_bytes_acked): a progress measure that also
 * sees a slow reader draining the kernel buffer. Null when unsupported (not Linux, or a kernel without it).
 */
export function tcpBytesAcked(fd: number): number | null {
	const c = linuxLibc();
	if (c === null) return null;
	lengthBuffer[0] = TCP_INFO_BUFFER_BYTES;
	if (c.getsockopt(fd, IPPROTO_TCP, TCP_INFO, tcpInfoBuffer, lengthBuffer) !== 0) {
		const errno = lastErrno(c);
		throw new SocketOptionError("TCP_INFO", fd, errno, describeErrno(c, errno), "read");
	}
	if ((lengthBuffer[0] ?? 0) < TCP_INFO_BYTES_ACKED_OFFSET + 8) return null;
	return Number(tcpInfoView.getBigUint64(TCP_INFO_BYTES_ACKED_OFFSET, true));
}
