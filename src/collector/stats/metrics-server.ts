// --metrics ADDR:PORT: serves the Prometheus text on GET /metrics.

import { CollectorOptionError } from "../errors.ts";

export interface MetricsServer {
	readonly port: number;
	stop(): void;
}

export function serveMetrics(hostname: string, port: number, render: () => string): MetricsServer {
	let server: ReturnType<typeof Bun.serve>;
	try {
		server = Bun.serve({
			hostname,
			port,
			fetch(request) {
				const path = new URL(request.url).pathname;
				if (path !== "/metrics" && path !== "/") return new Response("Not found\n", { status: 404 });
				return new Response(render(), {
					headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
				});
			},
		});
	} catch (error) {
		throw new CollectorOptionError(
			`Cannot serve metrics on ${hostname}:${port}: ${(error as Error).message}`,
		);
	}
	return {
		port: server.port ?? port,
		stop: () => void server.stop(true),
	};
}
