// Session: bounded fuzz (bad-inputs.md Q) — arbitrary client byte streams, clock moves and data-path events against the fakes.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ErrorCode, HEADER_SIZE, MessageType, StartcapFlag } from "../../../src/protocol/index.ts";
import { concatBytes } from "../../support/bytes.ts";
import { udpFrames } from "../../support/frames.ts";
import { settle } from "../../support/manual-clock.ts";
import { describeMessage } from "../../support/memory-control-channel.ts";
import { libpcapNoFilterStartcap, request } from "../../support/rpcap-requests.ts";
import { SessionHarness } from "../../support/session-harness.ts";
import { validProgramArbitrary } from "../protocol/bpf-programs.ts";

const REPLY_TYPES = new Set<number>([
	MessageType.ERROR,
	MessageType.FINDALLIF_REPLY,
	MessageType.OPEN_REPLY,
	MessageType.STARTCAP_REPLY,
	MessageType.UPDATEFILTER_REPLY,
	MessageType.AUTH_REPLY,
	MessageType.STATS_REPLY,
	MessageType.ENDCAP_REPLY,
	MessageType.SETSAMPLING_REPLY,
]);

const randomProgram = fc.array(
	fc.record({
		code: fc.oneof(fc.constantFrom(0x06, 0x05, 0x15, 0x28, 0x60, 0x34), fc.integer({ min: 0, max: 0xffff })),
		jt: fc.integer({ min: 0, max: 255 }),
		jf: fc.integer({ min: 0, max: 255 }),
		k: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constant(0xffffffff)),
	}),
	{ minLength: 0, maxLength: 6 },
);
const program = fc.oneof(
	{ arbitrary: validProgramArbitrary(8), weight: 3 },
	{ arbitrary: randomProgram, weight: 1 },
);
const flags = fc.oneof(
	{
		arbitrary: fc.constantFrom(0, StartcapFlag.SERVEROPEN, StartcapFlag.DGRAM, StartcapFlag.PROMISC, 0xff00),
		weight: 4,
	},
	{ arbitrary: fc.integer({ min: 0, max: 0xffff }), weight: 1 },
);
const port = fc.oneof(
	{ arbitrary: fc.constant(0), weight: 1 },
	{ arbitrary: fc.integer({ min: 1, max: 65535 }), weight: 5 },
);

/** Mostly well-formed requests (so sessions get deep), some hostile ones, some raw noise. */
const message: fc.Arbitrary<Uint8Array> = fc.oneof(
	{ arbitrary: fc.constantFrom(request.nullAuth(), request.password("alice", "secret")), weight: 4 },
	{
		arbitrary: fc
			.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }))
			.map(([u, p]) => request.password(u, p)),
		weight: 1,
	},
	{ arbitrary: fc.constantFrom(request.findAllIf(), request.stats(), request.endcap()), weight: 6 },
	{ arbitrary: fc.constant(request.close()), weight: 1 },
	{
		arbitrary: fc
			.constantFrom("eth0", "lo", "any", "eth9", "rpcap://127.0.0.1/lo", "")
			.map((n) => request.open(n)),
		weight: 5,
	},
	{
		arbitrary: fc
			.record({
				snaplen: fc.integer({ min: 0, max: 300000 }),
				readTimeout: fc.nat(2000),
				flags,
				portData: port,
				program,
			})
			.map((init) => request.startcap(init)),
		weight: 10,
	},
	{ arbitrary: fc.constant(libpcapNoFilterStartcap()), weight: 2 },
	{ arbitrary: program.map((p) => request.updateFilter(p)), weight: 4 },
	{ arbitrary: fc.tuple(fc.nat(4), fc.nat(200)).map(([m, v]) => request.setSampling(m, v)), weight: 3 },
	{
		arbitrary: fc
			.record({
				version: fc.oneof(
					{ arbitrary: fc.constant(0), weight: 9 },
					{ arbitrary: fc.integer({ min: 1, max: 255 }), weight: 1 },
				),
				type: fc.integer({ min: 0, max: 255 }),
				value: fc.nat(0xffff),
				payload: fc.uint8Array({ maxLength: 48 }),
			})
			.map((m) => request.raw(m.type, m.payload, m.version, m.value)),
		weight: 5,
	},
	{
		arbitrary: fc
			.tuple(
				fc.integer({ min: 0, max: 255 }),
				fc.oneof(fc.nat(64), fc.constant(262145), fc.constant(0xffffffff)),
			)
			.map(([type, plen]) => request.header(type, plen)),
		weight: 1,
	},
	{ arbitrary: fc.uint8Array({ minLength: 1, maxLength: 24 }), weight: 1 },
);

type Step =
	| { kind: "bytes"; bytes: Uint8Array; cuts: number[] }
	| { kind: "advance"; ms: number }
	| { kind: "emit" | "dataPeerClose" | "dataFail" | "accept" | "refuse" | "captureFail" | "eof" };

const step: fc.Arbitrary<Step> = fc.oneof(
	{
		arbitrary: fc
			.tuple(fc.array(message, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(400), { maxLength: 3 }))
			.map(([messages, cuts]): Step => ({ kind: "bytes", bytes: concatBytes(...messages), cuts })),
		weight: 10,
	},
	{
		arbitrary: fc
			.oneof(fc.nat(1500), fc.constantFrom(5000, 95_000, 200_000))
			.map((ms): Step => ({ kind: "advance", ms })),
		weight: 3,
	},
	{
		arbitrary: fc
			.constantFrom(
				"emit",
				"emit",
				"accept",
				"accept",
				"dataPeerClose",
				"dataFail",
				"refuse",
				"captureFail",
				"eof",
			)
			.map((kind) => ({ kind }) as Step),
		weight: 4,
	},
);

const scenario = fc.record({
	nullAuth: fc.boolean(),
	mode: fc.constantFrom("passive", "active") as fc.Arbitrary<"passive" | "active">,
	tls: fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 }),
	prefix: fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 }),
	connect: fc.constantFrom("ok", "refuse", "slow") as fc.Arbitrary<"ok" | "refuse" | "slow">,
	stopHangs: fc.boolean(),
	statsError: fc.boolean(),
	steps: fc.array(step, { minLength: 1, maxLength: 24 }),
});

/** Every (flags, port) a STARTCAP header anywhere in `input` could carry: a superset of what the session saw. */
function possibleServerOpenPorts(input: Uint8Array, active: boolean): Set<number> {
	const ports = new Set<number>();
	for (let i = 0; i + HEADER_SIZE + 12 <= input.length; i++) {
		if (input[i] !== 0 || input[i + 1] !== MessageType.STARTCAP_REQ) continue;
		const view = new DataView(input.buffer, input.byteOffset + i + HEADER_SIZE, 12);
		const startcapFlags = view.getUint16(8);
		const portData = view.getUint16(10);
		if (
			portData !== 0 &&
			(active || (startcapFlags & (StartcapFlag.DGRAM | StartcapFlag.SERVEROPEN)) !== 0)
		) {
			ports.add(portData);
		}
	}
	return ports;
}

function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
	const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
	const parts: Uint8Array[] = [];
	let from = 0;
	for (const point of [...points, bytes.length]) {
		if (point > from) parts.push(bytes.slice(from, point));
		from = Math.max(from, point);
	}
	return parts;
}

describe("Q fuzz: arbitrary client byte streams", () => {
	const unhandled: unknown[] = [];
	const onUnhandled = (reason: unknown) => unhandled.push(reason);
	beforeAll(() => process.on("unhandledRejection", onUnhandled));
	afterAll(() => process.off("unhandledRejection", onUnhandled));

	test("no exception escapes; every byte sent is a well-formed reply; no data channel without a STARTCAP asking for it", async () => {
		await fc.assert(
			fc.asyncProperty(scenario, async (s) => {
				const h = new SessionHarness({
					policy: { nullAuth: s.nullAuth, preAuthTimeoutMs: s.mode === "active" ? null : 90_000 },
					info: { mode: s.mode, tls: s.tls },
					compiler: "stub",
				});
				h.dataChannels.connectScript =
					s.connect === "slow"
						? { outcome: "slow", afterMs: 700 }
						: s.connect === "refuse"
							? { outcome: "refuse", message: "Connection refused" }
							: { outcome: "ok" };
				h.backend.sourceBehaviour = {
					stopHangs: s.stopHangs,
					statsError: s.statsError ? "stats unavailable" : null,
				};
				const input: Uint8Array[] = s.prefix
					? [request.nullAuth(), request.password("alice", "secret"), request.open("eth0")]
					: [];
				const feed = (bytes: Uint8Array) => {
					input.push(bytes);
					h.session.receive(bytes);
				};
				if (s.prefix) for (const bytes of input.slice()) h.session.receive(bytes.slice());
				for (const st of s.steps) {
					const source = h.backend.lastSource;
					const sender = h.dataChannels.lastSender;
					const pending = h.dataChannels.lastPending;
					switch (st.kind) {
						case "bytes":
							for (const part of split(st.bytes, st.cuts)) {
								feed(part);
								await settle();
							}
							break;
						case "advance":
							await h.clock.advance(st.ms);
							break;
						case "emit":
							source?.emitPackets(udpFrames(3, 64));
							break;
						case "dataPeerClose":
							sender?.peerClose();
							break;
						case "dataFail":
							sender?.fail({ kind: "error", message: "Data connection failed: Broken pipe" });
							break;
						case "accept":
							if (pending && !pending.settled) pending.accept();
							break;
						case "refuse":
							if (pending && !pending.settled)
								pending.refuse("Data connection was not established within 10 s");
							break;
						case "captureFail":
							source?.fail("Error reading the packets: fuzz");
							break;
						case "eof":
							h.session.peerClosed();
							break;
					}
					await settle();
				}
				h.session.peerClosed();
				await h.clock.advance(10_000);

				expect(unhandled).toEqual([]);
				const channel = h.channel;
				expect(channel.malformedSends).toEqual([]);
				expect(channel.endsMidMessage).toBe(false);
				expect(channel.sendsAfterClose).toBe(0);
				const allInput = concatBytes(...input);
				for (const sent of channel.messages) {
					expect(REPLY_TYPES.has(sent.header.type), describeMessage(sent)).toBe(true);
					if (sent.header.type === MessageType.ERROR) {
						expect(sent.header.value).toBeGreaterThanOrEqual(1);
						expect(sent.header.value).toBeLessThanOrEqual(20);
						expect(sent.payload.length).toBeGreaterThan(0);
						expect(sent.payload.length).toBeLessThanOrEqual(255);
						expect(() => new TextDecoder("utf-8", { fatal: true }).decode(sent.payload)).not.toThrow();
					}
					if (sent.header.version !== 0) {
						expect(sent.header.type).toBe(MessageType.ERROR);
						expect(sent.header.value).toBe(ErrorCode.WRONGVER);
						expect(allInput.includes(sent.header.version)).toBe(true);
					}
				}
				const allowedPorts = possibleServerOpenPorts(allInput, s.mode === "active");
				for (const call of [...h.dataChannels.connects, ...h.dataChannels.udpOpens]) {
					expect(allowedPorts.has(call.port)).toBe(true);
				}
				const authenticated = channel.messages.some((m) => m.header.type === MessageType.AUTH_REPLY);
				if (!authenticated) {
					expect(h.dataChannels.outboundCount + h.dataChannels.listens.length).toBe(0);
					expect(h.backend.opens).toEqual([]);
				}
				// Once the session is over nothing stays open: captures stopped, data channels closed, listeners cancelled.
				expect(h.ends).toHaveLength(1);
				expect(h.backend.openSources.length).toBe(0);
				expect(h.dataChannels.senders.every((sender) => sender.closeCalls.length > 0)).toBe(true);
				expect(
					h.dataChannels.listens.every((l) => !l.pending || l.pending.cancelled || l.pending.settled),
				).toBe(true);
				expect(h.backend.sources.every((source) => !source.startedAfterStop)).toBe(true);
			}),
			{ numRuns: 1000 },
		);
	}, 30_000);
});
