// Writes HTTP exchanges as JSON lines (to a file or standard output) and, optionally, their bodies to files.

import { closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { exchangeJson, type HttpExchange } from "../http/http-exchange.ts";
import type { HttpOutput } from "../http/http-output.ts";
import { AppendFiles } from "./append-files.ts";

const encoder = new TextEncoder();
const FLUSH_BYTES = 64 * 1024;

export interface HttpFilesOptions {
	/** File for the JSON lines ("-": standard output); created or truncated. None when undefined. */
	jsonlPath?: string;
	/** Directory for bodies (`<stream>-<index>.request` / `.response`); none when undefined. */
	bodiesDirectory?: string;
	files?: AppendFiles;
}

export class HttpFiles implements HttpOutput {
	readonly #files: AppendFiles;
	#pending = "";
	readonly #written = new Set<string>();
	readonly #fd: number | undefined;

	constructor(private readonly options: HttpFilesOptions) {
		this.#files = options.files ?? new AppendFiles();
		const path = options.jsonlPath;
		this.#fd = path === undefined ? undefined : path === "-" ? 1 : openSync(path, "w");
	}

	exchange(exchange: HttpExchange): void {
		const bodyFiles: { request?: string; response?: string } = {};
		for (const part of ["request", "response"] as const) {
			const name = bodyName(exchange, part);
			if (!this.#written.delete(name)) continue;
			bodyFiles[part] = name;
			this.#files.finish(join(this.options.bodiesDirectory!, name));
		}
		this.#pending += `${JSON.stringify(exchangeJson(exchange, bodyFiles))}\n`;
		if (this.#pending.length >= FLUSH_BYTES) this.flush();
	}

	body(exchange: HttpExchange, part: "request" | "response", bytes: Uint8Array): void {
		const directory = this.options.bodiesDirectory;
		if (directory === undefined || bytes.length === 0) return;
		const name = bodyName(exchange, part);
		this.#written.add(name);
		this.#files.append(join(directory, name), bytes);
	}

	flush(): void {
		if (this.#pending === "") return;
		const bytes = encoder.encode(this.#pending);
		this.#pending = "";
		if (this.#fd === undefined) return;
		for (let written = 0; written < bytes.length; ) {
			written += writeSync(this.#fd, bytes, written, bytes.length - written);
		}
	}

	/** Flushes the JSON lines and closes every file. */
	finishAll(): void {
		this.flush();
		this.#files.closeAll();
		if (this.#fd !== undefined && this.#fd !== 1) closeSync(this.#fd);
	}
}

function bodyName(exchange: HttpExchange, part: "request" | "response"): string {
	return `${exchange.stream}-${exchange.index}.${part}`;
}
