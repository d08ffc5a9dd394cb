// Server-opens TCP data connection: dial the control peer's address at the client's port, bounded in time (§7.3).

import { connect, type Socket } from "node:net";
import { DATA_CHANNEL_CANCELLED, DataChannelError, formatSeconds } from "./data-channel-error.ts";
import { normalizeIp } from "./ip-endpoint.ts";
import { osErrorText } from "./os-error-text.ts";

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export interface PendingConnect {
	readonly connected: Promise<Socket>;
	abort(): void;
}

/**
 * Connects to `address:port` (from `localAddress` when given, so data leaves from the control connection's
 * address). Refused → DataChannelError("connect") with the OS reason (E13); no answer within `timeoutMs` →
 * DataChannelError("connect-timeout") (E14).
 */
export function dialTcp(
	address: string,
	port: number,
	timeoutMs: number,
	localAddress?: string,
): PendingConnect {
	const host = normalizeIp(address);
	const target = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
	const socket = connect({
		host,
		port,
		...(localAddress === undefined ? {} : { localAddress: normalizeIp(localAddress) }),
	});
	let settle: ((error: DataChannelError | null) => void) | null = null;
	const connected = new Promise<Socket>((resolve, reject) => {
		const timer = setTimeout(
			() =>
				finish(
					new DataChannelError(
						"connect-timeout",
						`Data connection to ${target} was not established within ${formatSeconds(timeoutMs)}`,
					),
				),
			timeoutMs,
		);
		const onConnect = () => finish(null);
		const onError = (error: unknown) =>
			finish(new DataChannelError("connect", `Data connection to ${target} failed: ${osErrorText(error)}`));
		function finish(error: DataChannelError | null): void {
			if (settle === null) return;
			settle = null;
			clearTimeout(timer);
			socket.off("connect", onConnect);
			socket.off("error", onError);
			if (error === null) {
				resolve(socket);
				return;
			}
			socket.on("error", () => {});
			socket.destroy();
			reject(error);
		}
		settle = finish;
		socket.once("connect", onConnect);
		socket.on("error", onError);
	});
	return {
		connected,
		abort() {
			settle?.(new DataChannelError("cancelled", DATA_CHANNEL_CANCELLED));
		},
	};
}
