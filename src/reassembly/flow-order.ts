// Intrusive doubly linked list of flows in order of last activity: O(1) touch, removal and oldest-first walk.

/** Links a flow carries for its place in a FlowOrder. */
export interface OrderedFlow {
	older: OrderedFlow | undefined;
	newer: OrderedFlow | undefined;
	/** True while the flow is in the list. */
	ordered: boolean;
}

// A JS Map would give the same order, but engines leave deleted entries in place until they rehash, so
// repeatedly evicting the oldest entry and iterating from the start again costs O(n) per eviction.
export class FlowOrder<Flow extends OrderedFlow> {
	#oldest: Flow | undefined;
	#newest: Flow | undefined;

	get oldest(): Flow | undefined {
		return this.#oldest;
	}

	/** The flow after `flow` towards the newest end. */
	newerThan(flow: Flow): Flow | undefined {
		return flow.newer as Flow | undefined;
	}

	/** Appends `flow` as the newest, moving it if it is already in the list. */
	touch(flow: Flow): void {
		if (flow.ordered) {
			if (this.#newest === flow) return;
			this.remove(flow);
		}
		flow.ordered = true;
		flow.older = this.#newest;
		flow.newer = undefined;
		if (this.#newest !== undefined) this.#newest.newer = flow;
		else this.#oldest = flow;
		this.#newest = flow;
	}

	remove(flow: Flow): void {
		if (!flow.ordered) return;
		if (flow.older !== undefined) flow.older.newer = flow.newer;
		else this.#oldest = flow.newer as Flow | undefined;
		if (flow.newer !== undefined) flow.newer.older = flow.older;
		else this.#newest = flow.older as Flow | undefined;
		flow.older = undefined;
		flow.newer = undefined;
		flow.ordered = false;
	}

	clear(): void {
		this.#oldest = undefined;
		this.#newest = undefined;
	}
}
