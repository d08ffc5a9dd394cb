// Public API of the pure RPCAP codec (udpstr exports are added by its own module).

export * from "./big-endian.ts";
export * from "./bpf.ts";
export * from "./bpf-compose.ts";
export * from "./bpf-program.ts";
export * from "./bpf-validate.ts";
export * from "./classic-udp-receiver.ts";
export * from "./errors.ts";
export * from "./framing.ts";
export * from "./header.ts";
export * from "./ip-address.ts";
export * from "./messages-auth.ts";
export * from "./messages-capture.ts";
export * from "./messages-error.ts";
export * from "./messages-findallif.ts";
export * from "./messages-open.ts";
export * from "./messages-packet.ts";
export * from "./pkthdr.ts";
export * from "./sockaddr.ts";
export * from "./text.ts";
export * from "./udpstr-constants.ts";
export * from "./udpstr-packer.ts";
export * from "./udpstr-receiver.ts";
