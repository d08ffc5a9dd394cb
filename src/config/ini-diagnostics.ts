// Collects the errors and warnings of one rpcapd.ini parse, each located at file:line:column.

import { ConfigError, ConfigErrors, ConfigValueError, ConfigWarning } from "./config-error.ts";

export class IniDiagnostics {
	readonly errors: ConfigError[] = [];
	readonly warnings: ConfigWarning[] = [];

	constructor(readonly file: string) {}

	error(line: number, column: number, message: string): void {
		this.errors.push(new ConfigError(this.file, line, column, message));
	}

	warn(line: number, column: number, message: string): void {
		this.warnings.push(new ConfigWarning(this.file, line, column, message));
	}

	/** Runs a value parser; a ConfigValueError becomes an error at `column` plus the error's offset. */
	attempt<T>(line: number, column: number, parse: () => T): T | undefined {
		try {
			return parse();
		} catch (error) {
			if (!(error instanceof ConfigValueError)) throw error;
			this.error(line, column + error.offset, error.message);
			return undefined;
		}
	}

	/** Throws every error found (with the warnings) if there is at least one. */
	throwIfAny(): void {
		if (this.errors.length > 0) throw new ConfigErrors(this.errors, this.warnings);
	}
}
