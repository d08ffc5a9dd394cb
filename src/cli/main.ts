#!/usr/bin/env bun
// rpcapd entry point: a subcommand (list, collect, passwd, …), or with none, the RPCAP daemon itself.

import { type CommandDef, renderUsage, runCommand } from "citty";
import packageJson from "../../package.json" with { type: "json" };
import { collectCommand } from "./collect-command.ts";
import { doctorCommand } from "./doctor-command.ts";
import { listCommand } from "./list-command.ts";
import { passwdCommand } from "./passwd-command.ts";
import { reassembleCommand } from "./reassemble-command.ts";
import { runServe } from "./serve-command.ts";
import { renderServeHelp } from "./serve-flags.ts";

// biome-ignore lint/suspicious/noExplicitAny: citty types each subcommand by its own args; the table only dispatches
const subCommands: Record<string, CommandDef<any>> = {
	collect: collectCommand,
	doctor: doctorCommand,
	list: listCommand,
	passwd: passwdCommand,
	reassemble: reassembleCommand,
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
	const sub = first === undefined ? undefined : subCommands[first];
	if (sub) {
		if (rest.includes("--help") || rest.includes("-h")) {
			process.stdout.write(`${await renderUsage(sub, mainCommand)}\n`);
			return 0;
		}
		await runCommand(sub, { rawArgs: rest });
		return typeof process.exitCode === "number" ? process.exitCode : 0;
	}
	if (argv.includes("--help") || argv.includes("-h")) {
		process.stdout.write(`${await renderUsage(mainCommand)}\n\n${renderServeHelp()}\n`);
		return 0;
	}
	if (first !== undefined && !first.startsWith("-")) {
		process.stderr.write(`rpcapd: unknown command "${first}" (see rpcapd --help)\n`);
		return 1;
	}
	return runServe(argv);
}

main(process.argv.slice(2)).then(
	(code) => {
		process.exit(code);
	},
	(error: unknown) => {
		process.stderr.write(`rpcapd: ${error instanceof Error ? error.message : String(error)}\n`);
		process.exit(1);
	},
);
