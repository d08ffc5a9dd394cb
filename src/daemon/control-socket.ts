// Dead-peer detection on control connections: TCP keepalive and a user timeout (rpcap-protocol.md §14.2).

import type { Socket } from "node:net";
import { setTcpKeepalive, setTcpUserTimeout } from "../../ffi/socket-options.ts";
import type { EffectiveConfig } from "../config/index.ts";
import type { Logger } from "../observe/logger.ts";
import { socketFd } from "./data/ip-endpoint.ts";

/**
 * Passive connections use the configured keepalive; active ones are tightened so a vanished collector is noticed
 * within a minute (idle 30 s, 5 probes 6 s apart); unacknowledged data gives up after the same time.
 */
export function tuneControlSocket(
	socket: Socket,
	config: EffectiveConfig,
	mode: "passive" | "active",
	log: Logger,
): void {
	const fd = socketFd(socket);
	if (fd === null) return;
	const k = config.keepalive;
	const keepalive =
		mode === "active"
			? {
					idleSeconds: Math.min(k.idleS, 30),
					intervalSeconds: Math.min(k.intervalS, 6),
					count: Math.min(k.count, 5),
				}
			: { idleSeconds: k.idleS, intervalSeconds: k.intervalS, count: k.count };
	try {
		setTcpKeepalive(fd, keepalive);
		// With TCP_USER_TIMEOUT set, Linux ends an unanswered keepalive by that timeout rather than by the probe count,
		// so it equals the keepalive budget: a vanished peer is noticed within the configured time.
		setTcpUserTimeout(fd, (keepalive.idleSeconds + keepalive.intervalSeconds * keepalive.count) * 1000);
	} catch (error) {
		log.debug("cannot set keepalive on the control socket", { reason: (error as Error).message });
	}
}
