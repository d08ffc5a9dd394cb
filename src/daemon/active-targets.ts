// The set of active-mode entries: started from the configuration and reconciled on reload (added entries connect, removed ones stop, changed ones reconnect, unchanged ones keep their connection).

import type { CaptureBackend } from "../capture/source.ts";
import type { ActiveTarget, EffectiveConfig } from "../config/index.ts";
import type { Logger } from "../observe/logger.ts";
import { ActiveConnector } from "./active-connector.ts";
import type { Daemon } from "./daemon.ts";

/** Everything that changes what an entry connects to or how; the source line is not part of it. */
function targetKey(target: ActiveTarget, config: EffectiveConfig): string {
	const { host, port, ifname, ifaddr, udpstr } = target;
	return JSON.stringify([host, port, ifname, ifaddr, udpstr, config.active.interface, config.ipv4Only]);
}

export class ActiveTargets {
	private readonly connectors = new Map<string, ActiveConnector>();

	constructor(
		private readonly daemon: Daemon,
		private readonly backend: CaptureBackend,
		private readonly log: Logger,
	) {}

	get size(): number {
		return this.connectors.size;
	}

	apply(config: EffectiveConfig): void {
		const wanted = new Map(config.active.targets.map((t) => [targetKey(t, config), t]));
		for (const [key, connector] of this.connectors) {
			if (wanted.has(key)) continue;
			this.connectors.delete(key);
			this.log.info(`active entry ${connector.label}: removed from the configuration; disconnecting`);
			void connector.stop();
		}
		for (const [key, target] of wanted) {
			if (this.connectors.has(key)) continue;
			const connector = new ActiveConnector(target, {
				backend: this.backend,
				log: this.log,
				retryMaxMs: config.active.retryMaxS * 1000,
				connectTimeoutMs: config.timeouts.connectMs,
				ipv4Only: config.ipv4Only,
				...(config.active.interface === undefined ? {} : { defaultInterface: config.active.interface }),
				serve: (socket, extra) =>
					this.daemon.serve(socket, "active", () => {}, {
						...extra,
						...(target.udpstr === undefined ? {} : { udpstr: target.udpstr }),
					}),
			});
			this.connectors.set(key, connector);
			connector.start();
		}
	}

	async stopAll(): Promise<void> {
		const all = [...this.connectors.values()];
		this.connectors.clear();
		await Promise.all(all.map((c) => c.stop()));
	}
}
