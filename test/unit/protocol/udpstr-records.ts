// Records (rpcap_pkthdr + data) for the udpstr packer and receiver tests.

/** A record whose every byte depends on npkt, so misplaced bytes show up. */
export function makeRecord(npkt: number, caplen: number): Uint8Array {
	const record = new Uint8Array(20 + caplen);
	const view = new DataView(record.buffer);
	view.setUint32(0, 1_700_000_000 + npkt);
	view.setUint32(4, (npkt * 7919) % 1_000_000);
	view.setUint32(8, caplen);
	view.setUint32(12, caplen + (npkt % 3));
	view.setUint32(16, npkt);
	for (let i = 0; i < caplen; i++) record[20 + i] = (npkt * 31 + i * 7) & 0xff;
	return record;
}

/** Records numbered from 1 with the given caplens. */
export function makeRecords(caplens: readonly number[]): Uint8Array[] {
	return caplens.map((caplen, i) => makeRecord(i + 1, caplen));
}
