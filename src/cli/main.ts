#!/usr/bin/env bun
// rpcapd entry point: dispatches to a subcommand, or serves RPCAP when none is given.

import { type CommandDef, renderUsage, runCommand } from "citty";
import packageJson from "../../package.json" with { type: "json" };
import { listCommand } from "./list-command.ts";

// biome-ignore lint/suspicious/noExplicitAny: citty types each subcommand by its own args; the table only dispatches
const subCommands: Record<string, CommandDef<any>> = {
	list: listCommand,
};

const mainCommand: CommandDef = {
	meta: {
		name: "rpcapd",
		version: packageJson.version,
		description: "Remote packet capture daemon (RPCAP) and collector",
	},
	subCommands,
};

async function main(argv: string[]): Promise<number> {
	const [first, ...rest] = argv;
	if (first === "--version" || first === "-V") {
		process.stdout.write(`rpcapd ${packageJson.version}\n`);
		return 0;
	}
	if (first === "--help" || first === "-h" || first === undefined) {
		process.stdout.write(`${await renderUsage(mainCommand)}\n`);
		return 0;
	}
	const sub = subCommands[first];
	if (!sub) {
		process.stderr.write(`rpcapd: unknown command "${first}" (see rpcapd --help)\n`);
		return 1;
	}
	if (rest.includes("--help") || rest.includes("-h")) {
		process.stdout.write(`${await renderUsage(sub, mainCommand)}\n`);
		return 0;
	}
	await runCommand(sub, { rawArgs: rest });
	return 0;
}

main(process.argv.slice(2)).then(
	(code) => {
		process.exitCode = code;
	},
	(error: unknown) => {
		process.stderr.write(`rpcapd: ${error instanceof Error ? error.message : String(error)}\n`);
		process.exitCode = 1;
	},
);
