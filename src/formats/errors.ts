// Typed errors: malformed or truncated capture input (with its byte offset), and writer misuse.

export type CaptureFormatErrorCode =
	| "unknown-format"
	| "unsupported-version"
	| "malformed-block"
	| "malformed-record"
	| "unknown-interface"
	| "too-large"
	| "truncated";

export class CaptureFormatError extends Error {
	override readonly name = "CaptureFormatError";
	readonly code: CaptureFormatErrorCode;
	/** Offset from the start of the input of the header, block or record that failed. */
	readonly offset: number;

	constructor(code: CaptureFormatErrorCode, offset: number, message: string) {
		super(`${message} (at byte offset ${offset})`);
		this.code = code;
		this.offset = offset;
	}
}

/** A writer was asked to write a packet for an interface it was never given. */
export class UnknownInterfaceError extends RangeError {
	override readonly name = "UnknownInterfaceError";
	readonly interfaceId: number;

	constructor(interfaceId: number, interfaceCount: number) {
		super(`Cannot write packet for interface ${interfaceId}: ${interfaceCount} interfaces were added`);
		this.interfaceId = interfaceId;
	}
}
