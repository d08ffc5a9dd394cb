// `rpcapd collect`: the collector sensors forward to — options, output, live view, metrics, signals, summary.

import { readFileSync } from "node:fs";
import { type ArgsDef, defineCommand } from "citty";
import {
	buildCollectOptions,
	COLLECT_FLAGS,
	type CollectOptions,
	Collector,
	CollectorOptionError,
	type CollectorReport,
	createSink,
	DEFAULT_FLUSH_INTERVAL_MS,
	gapText,
	type MetricsServer,
	parseCollectFlags,
	ReassemblySink,
	renderPrometheus,
	StatsReporter,
	serveMetrics,
	type ViewMode,
} from "../collector/index.ts";
import { createLogger, type Logger } from "../observe/logger.ts";

const EX_USAGE = 2;

function viewMode(options: CollectOptions, stream: NodeJS.WriteStream): ViewMode {
	if (options.view !== "auto") return options.view;
	return stream.isTTY ? "table" : "json";
}

/** One line per sensor on stderr at exit, like tcpdump's "N packets captured". */
function summaryLines(report: CollectorReport): string[] {
	const lines = report.sensors.map((s) => {
		const drops = s.sensorDrops === null ? "" : `, ${s.sensorDrops} dropped by the sensor`;
		return `${s.sensor}/${s.iface || "-"}: ${s.counters.packets} packets received over ${s.transport}, gaps ${gapText(s)}${drops}`;
	});
	const sink = report.sink;
	lines.push(
		`${sink.packetsWritten} packets written in ${sink.filesOpened} file(s)${sink.packetsDropped > 0 ? `, ${sink.packetsDropped} dropped at the output` : ""}`,
	);
	return lines;
}

async function start(options: CollectOptions, log: Logger, requestStop: () => void) {
	const files = createSink({
		...options.sink,
		rotation: {
			...options.sink.rotation,
			onLimitReached: () => {
				log.notice("maximum file limit reached", { files: options.sink.rotation.maxFiles });
				requestStop();
			},
		},
	});
	const sink = options.reassembly === null ? files : new ReassemblySink(files, options.reassembly);
	const collector = new Collector({
		listen: options.listen,
		targets: options.targets,
		session: options.session,
		tls: options.tls,
		tlsEverywhere: options.tlsEverywhere,
		sink,
		flushIntervalMs: DEFAULT_FLUSH_INTERVAL_MS,
		log,
	});
	await collector.start();
	let metrics: MetricsServer | null = null;
	if (options.metrics !== null) {
		metrics = serveMetrics(options.metrics.host, options.metrics.port, () =>
			renderPrometheus(collector.report()),
		);
		log.info("serving metrics", { address: `${options.metrics.host}:${metrics.port}` });
	}
	return { collector, metrics, reassembly: sink instanceof ReassemblySink ? sink : null };
}

/** Runs the collector until SIGTERM/SIGINT, --duration or the -G/-W file limit; returns the exit status. */
export async function runCollect(argv: readonly string[]): Promise<number> {
	let options: CollectOptions;
	try {
		options = buildCollectOptions(parseCollectFlags(argv), (path) => readFileSync(path));
	} catch (error) {
		if (!(error instanceof CollectorOptionError)) throw error;
		process.stderr.write(`rpcapd collect: ${error.message}\n`);
		return EX_USAGE;
	}
	const log = createLogger({ level: options.debug ? "debug" : "info", format: options.logFormat });
	let requestStop = () => {};
	const stopRequested = new Promise<void>((resolve) => {
		requestStop = resolve;
	});
	let started: Awaited<ReturnType<typeof start>>;
	try {
		started = await start(options, log, () => requestStop());
	} catch (error) {
		process.stderr.write(`rpcapd collect: ${(error as Error).message}\n`);
		return error instanceof CollectorOptionError ? EX_USAGE : 1;
	}
	const { collector, metrics, reassembly } = started;
	const viewStream = options.sink.path === "-" ? process.stderr : process.stdout;
	const reporter = new StatsReporter(
		viewMode(options, viewStream),
		() => collector.report(),
		(text) => viewStream.write(text),
		viewStream.isTTY === true,
	);
	reporter.start(options.statsIntervalMs);
	let signals = 0;
	const onSignal = () => {
		if (++signals > 1) process.exit(1);
		requestStop();
	};
	process.on("SIGTERM", onSignal);
	process.on("SIGINT", onSignal);
	const timer = options.durationMs === null ? null : setTimeout(() => requestStop(), options.durationMs);
	await stopRequested;
	if (timer !== null) clearTimeout(timer);
	reporter.stop();
	await collector.stop();
	reporter.emit();
	metrics?.stop();
	process.off("SIGTERM", onSignal);
	process.off("SIGINT", onSignal);
	for (const line of summaryLines(collector.report())) process.stderr.write(`rpcapd collect: ${line}\n`);
	if (reassembly) {
		const tcp = reassembly.pipeline.tcpStats;
		const http = reassembly.pipeline.httpStats;
		process.stderr.write(
			`rpcapd collect: reassembly: ${tcp.flowsCreated} TCP flows, ${tcp.gaps} gaps (${tcp.gapBytes} bytes), ${tcp.flowsEvicted} flows evicted${http ? `, ${http.exchanges} HTTP exchanges` : ""}\n`,
		);
	}
	return 0;
}

/** citty's view of the flags, for `rpcapd collect --help`; parsing is parseCollectFlags (repeatable --connect). */
const collectArgs: ArgsDef = Object.fromEntries([
	...COLLECT_FLAGS.map((flag) => [
		flag.long,
		{
			type: flag.kind === "boolean" ? "boolean" : "string",
			description: flag.description,
			...(flag.short ? { alias: flag.short } : {}),
			...(flag.argument ? { valueHint: flag.argument } : {}),
		},
	]),
	[
		"expression",
		{ type: "positional", required: false, description: "Capture filter expression (tcpdump syntax)" },
	],
]);

export const collectCommand = defineCommand({
	meta: {
		name: "collect",
		description: "Collect packets from RPCAP sensors into pcap/pcapng files, with live per-sensor stats",
	},
	args: collectArgs,
	async run({ rawArgs }) {
		process.exitCode = await runCollect(rawArgs);
	},
});
