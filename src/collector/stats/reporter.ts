// Periodic live view: a redrawn table on a terminal, JSON lines otherwise (or nothing).

import { renderJsonLines } from "./json-lines.ts";
import { LiveTable } from "./live-table.ts";
import type { CollectorReport } from "./report.ts";

export type ViewMode = "table" | "json" | "none";

export class StatsReporter {
	readonly #table: LiveTable;
	#timer: ReturnType<typeof setInterval> | null = null;

	constructor(
		private readonly mode: ViewMode,
		private readonly report: () => CollectorReport,
		private readonly write: (text: string) => void,
		terminal: boolean,
	) {
		this.#table = new LiveTable(write, terminal);
	}

	start(intervalMs: number): void {
		if (this.mode === "none" || this.#timer !== null) return;
		this.#timer = setInterval(() => this.emit(), intervalMs);
	}

	/** One report now (also the last one at shutdown). */
	emit(): void {
		if (this.mode === "none") return;
		const report = this.report();
		if (this.mode === "table") this.#table.draw(report);
		else this.write(`${renderJsonLines(report).join("\n")}\n`);
	}

	stop(): void {
		if (this.#timer !== null) clearInterval(this.#timer);
		this.#timer = null;
	}
}
