// The daemon's data-channel factory, configured from the effective configuration.

import type { SecureContext } from "node:tls";
import type { EffectiveConfig } from "../config/index.ts";
import type { Logger } from "../observe/logger.ts";
import { createDataChannelFactory } from "./data/index.ts";
import type { DataChannels } from "./session-types.ts";

export function createDataChannels(
	config: EffectiveConfig,
	tls: SecureContext | null,
	log: Logger,
): DataChannels {
	const keepalive = {
		idleSeconds: config.keepalive.idleS,
		intervalSeconds: config.keepalive.intervalS,
		count: config.keepalive.count,
	};
	return createDataChannelFactory({
		...(config.dataPort === undefined ? {} : { dataPort: config.dataPort }),
		acceptTimeoutMs: config.timeouts.dataAcceptMs,
		connectTimeoutMs: config.timeouts.connectMs,
		tlsHandshakeTimeoutMs: config.timeouts.tlsHandshakeMs,
		...(tls ? { tls } : {}),
		tcp: { stallTimeoutMs: config.timeouts.dataStallMs, keepalive },
		udpstr: {
			...(config.udpstr.size === undefined ? {} : { datagramSize: config.udpstr.size }),
			flushMs: config.udpstr.flushMs,
		},
		logger: log,
	});
}
