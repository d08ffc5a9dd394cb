// Public API of the data channels: the sender contract, the senders and the channel factory.

export * from "./channel-factory.ts";
export * from "./data-channel-error.ts";
export * from "./pending-channel.ts";
export * from "./sender.ts";
export * from "./tcp-sender.ts";
export * from "./tls-server-handshake.ts";
export {
	ClassicUdpSender,
	MAX_UDP_PAYLOAD_IPV4,
	MAX_UDP_PAYLOAD_IPV6,
	maxClassicCaplen,
} from "./udp-classic-sender.ts";
export { DEFAULT_UDP_QUEUE_LIMIT_BYTES, type UdpSenderOptions } from "./udp-sender-base.ts";
export * from "./udp-transport.ts";
export * from "./udpstr-sender.ts";
