// Appends to many files through a bounded set of open, buffered descriptors (flows outnumber file descriptors).

import { closeSync, openSync, writeSync } from "node:fs";

interface OpenFile {
	fd: number;
	buffer: Uint8Array;
	length: number;
}

export interface AppendFilesOptions {
	/** Descriptors kept open at once (default 64). */
	maxOpen?: number;
	/** Write buffer per open file (default 64 KiB). */
	bufferBytes?: number;
}

export class AppendFiles {
	/** Insertion order is use order: the first entry is the least recently used. */
	readonly #open = new Map<string, OpenFile>();
	readonly #maxOpen: number;
	readonly #bufferBytes: number;
	readonly #created = new Set<string>();

	constructor(options: AppendFilesOptions = {}) {
		this.#maxOpen = Math.max(1, options.maxOpen ?? 64);
		this.#bufferBytes = Math.max(1024, options.bufferBytes ?? 64 * 1024);
	}

	/** Appends bytes to `path`; the first write to a path truncates whatever was there before. */
	append(path: string, bytes: Uint8Array): void {
		const file = this.#file(path);
		if (file.length + bytes.length > file.buffer.length) this.#flush(file);
		if (bytes.length >= file.buffer.length) {
			writeAll(file.fd, bytes);
			return;
		}
		file.buffer.set(bytes, file.length);
		file.length += bytes.length;
	}

	/** Flushes and closes `path` if it is open; later appends go on at its end. */
	close(path: string): void {
		const file = this.#open.get(path);
		if (file === undefined) return;
		this.#open.delete(path);
		this.#flush(file);
		closeSync(file.fd);
	}

	/** Forgets that `path` was written (a later append truncates it again) and closes it. */
	finish(path: string): void {
		this.close(path);
		this.#created.delete(path);
	}

	closeAll(): void {
		for (const path of [...this.#open.keys()]) this.close(path);
		this.#created.clear();
	}

	#file(path: string): OpenFile {
		const found = this.#open.get(path);
		if (found !== undefined) {
			this.#open.delete(path);
			this.#open.set(path, found);
			return found;
		}
		if (this.#open.size >= this.#maxOpen) {
			const oldest = this.#open.keys().next().value;
			if (oldest !== undefined) this.close(oldest);
		}
		const fresh = !this.#created.has(path);
		this.#created.add(path);
		const file = {
			fd: openSync(path, fresh ? "w" : "a"),
			buffer: new Uint8Array(this.#bufferBytes),
			length: 0,
		};
		this.#open.set(path, file);
		return file;
	}

	#flush(file: OpenFile): void {
		if (file.length === 0) return;
		writeAll(file.fd, file.buffer.subarray(0, file.length));
		file.length = 0;
	}
}

function writeAll(fd: number, bytes: Uint8Array): void {
	let written = 0;
	while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
}
