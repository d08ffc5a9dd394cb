// One libpcap capture handle: create/configure/activate, filters from expressions or raw instructions, stats, close.

import { type Pointer, ptr, read } from "bun:ffi";
import { cString, errbufText, loadLibpcap, PCAP_ERRBUF_SIZE } from "./libpcap.ts";
import type { Platform } from "./library-path.ts";
import { layoutsFor } from "./structs.ts";

/** bun:ffi declares pointer returns as `Pointer | bigint | null`; NULL and 0 both mean failure here. */
function asPointer(value: Pointer | bigint | null): Pointer | null {
	if (value === null || value === 0 || value === 0n) return null;
	return (typeof value === "bigint" ? Number(value) : value) as Pointer;
}

function text(value: { toString(): string } | null): string {
	return value === null ? "" : value.toString();
}

export class PcapError extends Error {
	override readonly name = "PcapError";
	constructor(
		message: string,
		/** libpcap status code when there is one (PCAP_ERROR_* are negative). */
		readonly status: number = -1,
	) {
		super(message);
	}
}

export interface OpenOptions {
	snaplen: number;
	promisc: boolean;
	timeoutMs: number;
	/** Kernel capture buffer in bytes; 0 keeps libpcap's default. */
	bufferSize: number;
	immediate: boolean;
}

export interface PcapStats {
	recv: number;
	drop: number;
	ifdrop: number;
}

export const PCAP_D = { INOUT: 0, IN: 1, OUT: 2 } as const;
const PCAP_NETMASK_UNKNOWN = 0xffffffff;
/** struct bpf_insn in host order: u16 code, u8 jt, u8 jf, u32 k. */
export const BPF_INSN_SIZE = 8;

/** Wraps pcap_t; every method throws PcapError with libpcap's own text on failure. */
export class PcapHandle {
	private closed = false;

	private constructor(
		readonly pointer: Pointer,
		readonly device: string,
	) {}

	static open(device: string, options: OpenOptions): PcapHandle {
		const pcap = loadLibpcap().symbols;
		const errbuf = new Uint8Array(PCAP_ERRBUF_SIZE);
		const handle = asPointer(pcap.pcap_create(cString(device), errbuf));
		if (handle === null) throw new PcapError(errbufText(errbuf) || `Cannot open interface "${device}"`);
		const h = new PcapHandle(handle, device);
		try {
			h.check(pcap.pcap_set_snaplen(handle, options.snaplen), "pcap_set_snaplen");
			h.check(pcap.pcap_set_promisc(handle, options.promisc ? 1 : 0), "pcap_set_promisc");
			h.check(pcap.pcap_set_timeout(handle, options.timeoutMs), "pcap_set_timeout");
			if (options.bufferSize > 0)
				h.check(pcap.pcap_set_buffer_size(handle, options.bufferSize), "pcap_set_buffer_size");
			if (options.immediate) h.check(pcap.pcap_set_immediate_mode(handle, 1), "pcap_set_immediate_mode");
			const status = pcap.pcap_activate(handle);
			if (status < 0) throw new PcapError(h.activationError(status), status);
		} catch (error) {
			h.close();
			throw error;
		}
		return h;
	}

	/** A handle with no device, for compiling filters against a link type. */
	static openDead(linktype: number, snaplen: number): PcapHandle {
		const handle = asPointer(loadLibpcap().symbols.pcap_open_dead(linktype, snaplen));
		if (handle === null) throw new PcapError(`Cannot create a compiler handle for link type ${linktype}`);
		return new PcapHandle(handle, "");
	}

	private activationError(status: number): string {
		const pcap = loadLibpcap().symbols;
		const detail = text(pcap.pcap_geterr(this.pointer));
		const summary = text(pcap.pcap_statustostr(status));
		// For these statuses libpcap's geterr text is empty or less useful than the status text.
		if (detail === "" || status === -5 || status === -9)
			return `${this.device}: ${summary}${detail ? ` (${detail})` : ""}`;
		return detail;
	}

	private check(status: number, what: string): void {
		if (status !== 0) throw new PcapError(`${what} failed on "${this.device}": ${this.lastError()}`, status);
	}

	lastError(): string {
		return text(loadLibpcap().symbols.pcap_geterr(this.pointer));
	}

	datalink(): number {
		return loadLibpcap().symbols.pcap_datalink(this.pointer);
	}

	snapshot(): number {
		return loadLibpcap().symbols.pcap_snapshot(this.pointer);
	}

	/** pcap_bufsize where the library has it; 0 when unknown. */
	bufferSize(): number {
		const fn = loadLibpcap().optional.pcap_bufsize;
		return fn ? Math.max(0, fn(this.pointer)) : 0;
	}

	setNonblocking(): void {
		const errbuf = new Uint8Array(PCAP_ERRBUF_SIZE);
		if (loadLibpcap().symbols.pcap_setnonblock(this.pointer, 1, errbuf) < 0) {
			throw new PcapError(`pcap_setnonblock failed on "${this.device}": ${errbufText(errbuf)}`);
		}
	}

	/** The fd to poll for readability, or -1 where the platform has none (Windows). */
	selectableFd(): number {
		const fn = loadLibpcap().optional.pcap_get_selectable_fd;
		return fn ? fn(this.pointer) : -1;
	}

	setDirection(direction: number): void {
		const fn = loadLibpcap().optional.pcap_setdirection;
		if (!fn) throw new PcapError("pcap_setdirection is not available in this libpcap");
		if (fn(this.pointer, direction) !== 0)
			throw new PcapError(`pcap_setdirection failed: ${this.lastError()}`);
	}

	/** Compiles an expression to host-order bpf_insn bytes (8 per instruction). */
	compile(expression: string, optimize = true, netmask = PCAP_NETMASK_UNKNOWN): Uint8Array {
		const pcap = loadLibpcap().symbols;
		const layout = layoutsFor(process.platform as Platform).bpfProgram;
		const program = new Uint8Array(layout.size);
		const status = pcap.pcap_compile(this.pointer, program, cString(expression), optimize ? 1 : 0, netmask);
		if (status !== 0)
			throw new PcapError(`Cannot compile filter "${expression}": ${this.lastError()}`, status);
		try {
			const view = new DataView(program.buffer);
			const count = view.getUint32(layout.len, true);
			const insns = Number(read.ptr(ptr(program), layout.insns)) as Pointer;
			const out = new Uint8Array(count * BPF_INSN_SIZE);
			for (let i = 0; i < out.length; i++) out[i] = read.u8(insns, i);
			return out;
		} finally {
			pcap.pcap_freecode(program);
		}
	}

	/** Installs a program given as host-order bpf_insn bytes (as received on the wire and validated). */
	setFilterInstructions(instructions: Uint8Array): void {
		if (instructions.length === 0 || instructions.length % BPF_INSN_SIZE !== 0) {
			throw new PcapError(
				`Filter program has ${instructions.length} bytes, not a whole number of instructions`,
			);
		}
		const layout = layoutsFor(process.platform as Platform).bpfProgram;
		const program = new Uint8Array(layout.size);
		const view = new DataView(program.buffer);
		view.setUint32(layout.len, instructions.length / BPF_INSN_SIZE, true);
		view.setBigUint64(layout.insns, BigInt(ptr(instructions)), true);
		// libpcap copies the program (kernel attach or its own copy), so `instructions` may be released afterwards.
		if (loadLibpcap().symbols.pcap_setfilter(this.pointer, program) !== 0) {
			throw new PcapError(`RPCAP error: ${this.lastError()}`);
		}
	}

	stats(): PcapStats {
		const layout = layoutsFor(process.platform as Platform).pcapStat;
		const out = new Uint8Array(layout.size);
		if (loadLibpcap().symbols.pcap_stats(this.pointer, out) !== 0) throw new PcapError(this.lastError());
		const view = new DataView(out.buffer);
		return {
			recv: view.getUint32(layout.recv, true),
			drop: view.getUint32(layout.drop, true),
			ifdrop: view.getUint32(layout.ifdrop, true),
		};
	}

	breakloop(): void {
		if (!this.closed) loadLibpcap().symbols.pcap_breakloop(this.pointer);
	}

	get isClosed(): boolean {
		return this.closed;
	}

	close(): void {
		if (this.closed) return;
		this.closed = true;
		loadLibpcap().symbols.pcap_close(this.pointer);
	}
}
