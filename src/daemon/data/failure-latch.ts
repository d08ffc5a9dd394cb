// Delivers a sender's failure at most once, asynchronously (never inside sendBatch), also to a late handler.

import type { DataFailure } from "./sender.ts";

export class FailureLatch {
	private handler: ((failure: DataFailure) => void) | null = null;
	private failure: DataFailure | null = null;
	private delivered = false;

	get failed(): boolean {
		return this.failure !== null;
	}

	onFailure(handler: (failure: DataFailure) => void): void {
		this.handler = handler;
		if (this.failure !== null) queueMicrotask(() => this.deliver());
	}

	/** Records the first failure only; later ones are ignored. */
	report(failure: DataFailure): void {
		if (this.failure !== null) return;
		this.failure = failure;
		queueMicrotask(() => this.deliver());
	}

	private deliver(): void {
		if (this.delivered || this.failure === null || this.handler === null) return;
		this.delivered = true;
		this.handler(this.failure);
	}
}
