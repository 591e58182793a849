// The configuration's public API, for code outside lib/config.

export { loadConfig, parseConfig, locateConfigFile, BUILTIN_CONFIG_PATH } from "./load.ts";
export type { LoadConfigOptions, LoadedConfig, ConfigOrigin, ConfigOverrides } from "./load.ts";
export { VoxrayConfigSchema, DEFAULT_CONFIG, DEFAULT_SYSTEM_PROMPT } from "./schema.ts";
export type { VoxrayConfig, VoxrayConfigInput, IceServer } from "./schema.ts";
export { ConfigError, formatIssues } from "./errors.ts";
export type { ConfigIssue } from "./errors.ts";
export {
  voiceEnabled,
  effectiveProviders,
  resolveApiKey,
  requiredKeyProblems,
  resolveBaseUrl,
  resolveSetting,
  FALLBACK_PROVIDER,
} from "./apiKeys.ts";
export type { ServiceRole, SettingName } from "./apiKeys.ts";
export { configJsonSchema } from "./jsonSchema.ts";
export { initTemplateText } from "./initTemplate.ts";
