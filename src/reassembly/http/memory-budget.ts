// Bytes the HTTP layer may hold over all connections (heads being read, lines, responses waiting for requests).

export class MemoryBudget {
	used = 0;
	/** Times a request for memory was refused. */
	refused = 0;

	constructor(readonly limit: number) {}

	/** Takes `bytes` if they fit. */
	take(bytes: number): boolean {
		if (this.used + bytes > this.limit) {
			this.refused++;
			return false;
		}
		this.used += bytes;
		return true;
	}

	/** Takes `bytes` even past the limit; returns false when the budget is now exceeded. */
	force(bytes: number): boolean {
		this.used += bytes;
		return this.used <= this.limit;
	}

	give(bytes: number): void {
		this.used -= bytes;
	}
}
