import { describe, expect, test } from "bun:test";
import { dltToLinktype, LINKTYPE_ETHERNET, LINKTYPE_RAW } from "../../../src/formats/index.ts";

describe("dltToLinktype", () => {
	test("maps the DLTs whose value differs between platforms (libpcap dlt_to_linktype)", () => {
		expect(dltToLinktype(12)).toBe(LINKTYPE_RAW); // DLT_RAW
		expect(dltToLinktype(14)).toBe(LINKTYPE_RAW); // DLT_RAW on OpenBSD
		expect(dltToLinktype(11)).toBe(100); // DLT_ATM_RFC1483
		expect(dltToLinktype(15)).toBe(102); // DLT_SLIP_BSDOS
		expect(dltToLinktype(16)).toBe(103); // DLT_PPP_BSDOS
		expect(dltToLinktype(18)).toBe(246); // DLT_PFSYNC (OpenBSD, NetBSD, macOS)
		expect(dltToLinktype(19)).toBe(106); // DLT_ATM_CLIP
	});

	test("keeps the values that are the same in both numberings", () => {
		expect(dltToLinktype(1)).toBe(LINKTYPE_ETHERNET);
		for (const value of [0, 1, 6, 9, 10, 50, 51, 99, 104, 105, 113, 127, 147, 228, 229, 276, 290]) {
			expect(dltToLinktype(value)).toBe(value);
		}
	});
});
