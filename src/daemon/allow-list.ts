// The passive host allow list (-l / PassiveClient): names resolved at most once a minute, then the pure matcher.

import { lookup } from "node:dns/promises";
import { type AllowEntry, checkAllowList, parseAllowEntry } from "../config/index.ts";
import { ErrorCode, RpcapError } from "../protocol/index.ts";

const RESOLVE_TTL_MS = 60_000;

interface CachedName {
	addresses: readonly string[] | undefined;
	at: number;
}

export class AllowList {
	private readonly entries: readonly AllowEntry[];
	private readonly cache = new Map<string, CachedName>();

	constructor(
		hosts: readonly string[],
		private readonly resolve: (name: string) => Promise<readonly string[]> = async (name) =>
			(await lookup(name, { all: true })).map((r) => r.address),
	) {
		this.entries = hosts.map(parseAllowEntry);
	}

	get isEmpty(): boolean {
		return this.entries.length === 0;
	}

	private async refresh(now: number): Promise<void> {
		const stale = this.entries.filter(
			(e): e is Extract<AllowEntry, { kind: "name" }> =>
				e.kind === "name" && now - (this.cache.get(e.text)?.at ?? Number.NEGATIVE_INFINITY) >= RESOLVE_TTL_MS,
		);
		await Promise.all(
			stale.map(async (entry) => {
				let addresses: readonly string[] | undefined;
				try {
					addresses = await this.resolve(entry.text);
				} catch {
					addresses = undefined;
				}
				this.cache.set(entry.text, { addresses, at: now });
			}),
		);
	}

	/** Throws RpcapError 10 with the reference texts when the peer is not allowed (rpcap-protocol.md A.2). */
	async check(peerAddress: string, now = Date.now()): Promise<void> {
		if (this.entries.length === 0) return;
		await this.refresh(now);
		const decision = checkAllowList(peerAddress, this.entries, (name) => this.cache.get(name)?.addresses);
		if (decision.allowed) return;
		const [first] = decision.unresolved;
		throw new RpcapError(
			ErrorCode.HOSTNOAUTH,
			first === undefined
				? "The host is not in the allowed host list. Connection refused."
				: `Allowed host list error: The host ${first} couldn't be resolved`,
		);
	}
}
