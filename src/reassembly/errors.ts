// Typed errors of src/reassembly: invalid options and use after close.

export class ReassemblyOptionError extends RangeError {
	override readonly name = "ReassemblyOptionError";
	readonly option: string;

	constructor(option: string, value: unknown, expected: string) {
		super(`Invalid ${option} ${String(value)}: expected ${expected}`);
		this.option = option;
	}
}

export class ReassemblerClosedError extends Error {
	override readonly name = "ReassemblerClosedError";

	constructor() {
		super("Cannot push packets after close()");
	}
}
