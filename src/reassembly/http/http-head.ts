// Parses an HTTP/1.x message head (start line and header fields) from its raw bytes (RFC 9112 §2-§5).

export type HeaderList = [name: string, value: string][];

export interface RequestHead {
	kind: "request";
	method: string;
	target: string;
	version: string;
	headers: HeaderList;
	/** Bytes of the head, final empty line included. */
	headBytes: number;
}

export interface ResponseHead {
	kind: "response";
	version: string;
	status: number;
	reason: string;
	headers: HeaderList;
	headBytes: number;
}

export type MessageHead = RequestHead | ResponseHead;

const latin1 = new TextDecoder("latin1");
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) +(\S+) +(HTTP\/\d\.\d)$/;
const STATUS_LINE = /^(HTTP\/\d\.\d) +(\d{3})(?: (.*))?$/;

// After a loss a message may start mid-line (right after a body): these find a start line's tail anywhere in
// a line. Requests are recognised by the registered methods only, so that body bytes before them are not
// taken for a method name.
const REQUEST_LINE_TAIL =
	/(?:GET|HEAD|POST|PUT|DELETE|CONNECT|OPTIONS|TRACE|PATCH|PROPFIND|PROPPATCH|MKCOL|COPY|MOVE|LOCK|UNLOCK|REPORT|SEARCH|PURGE) +\S+ +HTTP\/\d\.\d$/;
const STATUS_LINE_TAIL = /HTTP\/\d\.\d +\d{3}(?: .*)?$/;

/**
 * Where a start line of this kind begins in a line (without its line ending), or -1: used to resynchronise.
 * A line that is a start line as a whole (an unregistered method too) gives 0.
 */
export function findStartLine(line: string, kind: "request" | "response"): number {
	const match = (kind === "request" ? REQUEST_LINE_TAIL : STATUS_LINE_TAIL).exec(line);
	if (match !== null) return match.index;
	return (kind === "request" ? REQUEST_LINE : STATUS_LINE).test(line) ? 0 : -1;
}

/** The head in `bytes` (start line to empty line), or undefined when its start line is not HTTP/1.x. */
export function parseHead(bytes: Uint8Array, kind: "request" | "response"): MessageHead | undefined {
	const lines = latin1.decode(bytes).split("\n");
	const startLine = stripCr(lines[0] ?? "");
	const headers: HeaderList = [];
	for (let i = 1; i < lines.length; i++) {
		const line = stripCr(lines[i]!);
		if (line === "") break;
		const last = headers[headers.length - 1];
		if ((line[0] === " " || line[0] === "\t") && last !== undefined) {
			// RFC 9112 §5.2 obsolete line folding: replaced by a space.
			last[1] = `${last[1]} ${line.trim()}`;
			continue;
		}
		const colon = line.indexOf(":");
		if (colon <= 0) continue; // not a field line: ignored, as lenient parsers do
		headers.push([line.slice(0, colon).trimEnd(), line.slice(colon + 1).trim()]);
	}
	if (kind === "request") {
		const match = REQUEST_LINE.exec(startLine);
		if (match === null) return undefined;
		return {
			kind,
			method: match[1]!,
			target: match[2]!,
			version: match[3]!,
			headers,
			headBytes: bytes.length,
		};
	}
	const match = STATUS_LINE.exec(startLine);
	if (match === null) return undefined;
	return {
		kind,
		version: match[1]!,
		status: Number(match[2]),
		reason: match[3] ?? "",
		headers,
		headBytes: bytes.length,
	};
}

function stripCr(line: string): string {
	return line.endsWith("\r") ? line.slice(0, -1) : line;
}

/** Values of every field with this name (case-insensitive), in order. */
export function headerValues(headers: HeaderList, name: string): string[] {
	const lower = name.toLowerCase();
	return headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}

/** Content-Length, or -1 when absent or invalid (RFC 9110 §8.6: equal repeated values are one value). */
export function contentLength(headers: HeaderList): number {
	const values = headerValues(headers, "content-length").flatMap((v) => v.split(",").map((s) => s.trim()));
	if (values.length === 0) return -1;
	const first = values[0]!;
	if (!/^\d+$/.test(first) || values.some((v) => v !== first)) return -1;
	return Number(first);
}

/** Whether the last transfer coding is chunked (RFC 9112 §6.3 rule 4). */
export function isChunked(headers: HeaderList): boolean {
	const codings = headerValues(headers, "transfer-encoding")
		.flatMap((v) => v.split(","))
		.map((s) => s.trim().toLowerCase())
		.filter((s) => s !== "");
	return codings[codings.length - 1] === "chunked";
}

export function hasTransferEncoding(headers: HeaderList): boolean {
	return headerValues(headers, "transfer-encoding").length > 0;
}
