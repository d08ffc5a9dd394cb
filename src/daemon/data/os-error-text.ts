// Turns a Node/Bun system error into the OS's own reason text ("Connection refused"), as sent to clients.

/** strerror(3) texts (glibc) for the errors a data socket meets. */
const REASONS: Readonly<Record<string, string>> = {
	EACCES: "Permission denied",
	EADDRINUSE: "Address already in use",
	EADDRNOTAVAIL: "Cannot assign requested address",
	EAFNOSUPPORT: "Address family not supported by protocol",
	EAGAIN: "Resource temporarily unavailable",
	EBADF: "Bad file descriptor",
	ECONNABORTED: "Software caused connection abort",
	ECONNREFUSED: "Connection refused",
	ECONNRESET: "Connection reset by peer",
	EHOSTDOWN: "Host is down",
	EHOSTUNREACH: "No route to host",
	EINVAL: "Invalid argument",
	EMSGSIZE: "Message too long",
	ENETDOWN: "Network is down",
	ENETUNREACH: "Network is unreachable",
	ENOBUFS: "No buffer space available",
	ENOTCONN: "Transport endpoint is not connected",
	EPERM: "Operation not permitted",
	EPIPE: "Broken pipe",
	ETIMEDOUT: "Connection timed out",
};

/** The `code` of a system error ("ECONNREFUSED"), or undefined. */
export function errorCode(error: unknown): string | undefined {
	if (typeof error !== "object" || error === null) return undefined;
	const code = (error as { code?: unknown }).code;
	return typeof code === "string" ? code : undefined;
}

/** "Connection refused" for ECONNREFUSED; otherwise the error's own message, or its code. */
export function osErrorText(error: unknown): string {
	const code = errorCode(error);
	if (code !== undefined) {
		const reason = REASONS[code];
		if (reason !== undefined) return reason;
	}
	if (error instanceof Error && error.message !== "") return error.message;
	return code ?? String(error);
}
