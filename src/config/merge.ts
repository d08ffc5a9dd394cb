// Combines command-line values with a parsed rpcapd.ini into the validated effective configuration (§10.4 `-f`).

import { ConfigValidationError } from "./config-error.ts";
import type { IniConfig } from "./ini-config.ts";
import { type ConfigInput, type EffectiveConfig, effectiveConfigSchema } from "./schema.ts";

/** Validates a configuration (defaults applied); throws ConfigValidationError with one line per issue. */
export function validateConfig(input: unknown): EffectiveConfig {
	const result = effectiveConfigSchema.safeParse(input);
	if (result.success) return result.data;
	throw new ConfigValidationError(
		result.error.issues.map((issue) => {
			const path = issue.path.map(String).join(".");
			return path === "" ? issue.message : `${path}: ${issue.message}`;
		}),
	);
}

/** Every default, as `--print-config` shows it with no flags and no file. */
export function defaultConfig(): EffectiveConfig {
	return validateConfig({});
}

/**
 * `-f` semantics of both references (extrahop-udpstr.md §10.1, §10.2, §10.4): the file replaces the active
 * list (`-a`/`--active` entries are dropped) and the allow list (`-l` is dropped), even when it has no such
 * lines; NullAuthPermit overrides `-n` only if present. Our keys (Udpstr, UdpstrSize) follow the same rule as
 * NullAuthPermit: present in the file → the file wins. Every other flag still applies.
 */
export function mergeConfig(cli: ConfigInput, file?: IniConfig): EffectiveConfig {
	if (!file) return validateConfig(cli);
	const udpstr = {
		...cli.udpstr,
		...(file.udpstr === undefined ? {} : { mode: file.udpstr }),
		...(file.udpstrSize === undefined ? {} : { size: file.udpstrSize }),
	};
	return validateConfig({
		...cli,
		allowHosts: [...file.passiveClients],
		nullAuth: file.nullAuthPermit ?? cli.nullAuth,
		active: { ...cli.active, targets: file.activeClients.map((entry) => ({ ...entry })) },
		udpstr,
	});
}
