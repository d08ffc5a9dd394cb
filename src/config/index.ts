// Public surface of src/config: rpcapd.ini reader/writer, effective-config schema, merge, flag parsers, matchers.

export {
	parseActiveTargetOption,
	parseActiveTargetsFlag,
	parseHostListFlag,
	parsePortFlag,
	parseUdpstrMode,
	parseUdpstrSize,
} from "./cli-values.ts";
export {
	ConfigError,
	ConfigErrors,
	ConfigValidationError,
	ConfigValueError,
	ConfigWarning,
	type SourcePosition,
} from "./config-error.ts";
export * from "./defaults.ts";
export {
	type AllowDecision,
	checkAllowList,
	type InterfaceAddresses,
	type InterfaceSelectors,
	interfaceMatches,
	peerMatchesAllowEntry,
	selectInterface,
	selectorsForTarget,
} from "./host-match.ts";
export { type AllowEntry, isHostName, parseAllowEntry, parseHostText, parsePort } from "./host-syntax.ts";
export { formatIfaddr, type IfaddrSelector, parseIfaddr } from "./ifaddr.ts";
export type { IniActiveClient, IniConfig, IniParseResult } from "./ini-config.ts";
export { decodeIniBytes, parseIni } from "./ini-parser.ts";
export { type IniWriteInput, iniFromEffectiveConfig, writeIni } from "./ini-writer.ts";
export { type IpAddress, parseIpAddress, unmapIpv4 } from "./ip-address.ts";
export { defaultConfig, mergeConfig, validateConfig } from "./merge.ts";
export {
	type ActiveTarget,
	type ConfigInput,
	type EffectiveConfig,
	effectiveConfigSchema,
	type TargetSource,
	type UdpstrMode,
	type UdpstrOverride,
	udpstrDatagramSize,
} from "./schema.ts";
