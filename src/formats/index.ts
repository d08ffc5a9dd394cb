// Public API of src/formats: pure pcap/pcapng writers and streaming readers.

export type { ByteOrder } from "./byte-order.ts";
export {
	CaptureReader,
	type CaptureReaderOptions,
	DEFAULT_MAX_RECORD_BYTES,
	readCapture,
} from "./capture-reader.ts";
export type {
	CaptureFile,
	CaptureFormat,
	CaptureInterface,
	CaptureRecord,
} from "./capture-record.ts";
export { CaptureFormatError, type CaptureFormatErrorCode, UnknownInterfaceError } from "./errors.ts";
export {
	dltToLinktype,
	LINKTYPE_ETHERNET,
	LINKTYPE_IEEE802_11_RADIOTAP,
	LINKTYPE_LINUX_SLL,
	LINKTYPE_LINUX_SLL2,
	LINKTYPE_NULL,
	LINKTYPE_RAW,
} from "./linktype.ts";
export {
	DEFAULT_SNAPLEN,
	encodePcapFileHeader,
	encodePcapRecord,
	PCAP_FILE_HEADER_SIZE,
	PCAP_MAGIC_MICROSECONDS,
	PCAP_MAGIC_NANOSECONDS,
	PCAP_RECORD_HEADER_SIZE,
	type PcapFileOptions,
	PcapWriter,
	type PcapWriterOptions,
	writePcapFileHeader,
	writePcapRecord,
} from "./pcap-writer.ts";
export {
	encodeEnhancedPacketBlock,
	encodeInterfaceDescriptionBlock,
	encodeSectionHeaderBlock,
	enhancedPacketBlockSize,
	type InterfaceDescription,
	type SectionHeaderOptions,
	writeEnhancedPacketBlock,
} from "./pcapng-blocks.ts";
export { PcapngWriter, type PcapngWriterOptions } from "./pcapng-writer.ts";
