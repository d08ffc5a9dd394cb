// Typed configuration errors: located file errors and warnings, their aggregate, and unlocated value errors.

/** Where a diagnostic points: 1-based line and column (columns count UTF-16 code units). */
export interface SourcePosition {
	readonly file: string;
	readonly line: number;
	readonly column: number;
}

function formatLocated(position: SourcePosition, message: string): string {
	return `${position.file}:${position.line}:${position.column}: ${message}`;
}

/** An error in a configuration file; `toString()` gives `<file>:<line>:<column>: <message>` (§10.4). */
export class ConfigError extends Error implements SourcePosition {
	override readonly name = "ConfigError";
	constructor(
		readonly file: string,
		readonly line: number,
		readonly column: number,
		message: string,
	) {
		super(message);
	}

	override toString(): string {
		return formatLocated(this, this.message);
	}
}

/** A warning about a configuration file (the line is still used or ignored as the message says). */
export class ConfigWarning implements SourcePosition {
	constructor(
		readonly file: string,
		readonly line: number,
		readonly column: number,
		readonly message: string,
	) {}

	toString(): string {
		return formatLocated(this, this.message);
	}
}

/** Every error found in one file (never empty), plus the warnings found on the way. */
export class ConfigErrors extends Error {
	override readonly name = "ConfigErrors";
	constructor(
		readonly errors: readonly ConfigError[],
		readonly warnings: readonly ConfigWarning[] = [],
	) {
		super(errors.map((error) => error.toString()).join("\n"));
	}
}

/**
 * A value that does not parse (a flag value, or a token of the file before it is located).
 * `offset` is where in the value the problem starts, so the file parser can turn it into a column.
 */
export class ConfigValueError extends Error {
	override readonly name = "ConfigValueError";
	constructor(
		message: string,
		readonly offset = 0,
	) {
		super(message);
	}
}

/** The merged configuration does not satisfy the schema; `issues` holds one line per problem. */
export class ConfigValidationError extends Error {
	override readonly name = "ConfigValidationError";
	constructor(readonly issues: readonly string[]) {
		super(`Invalid configuration: ${issues.join("; ")}`);
	}
}
