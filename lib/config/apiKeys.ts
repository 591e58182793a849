// Which providers a configuration uses, and their API keys. A voice configuration with a
// missing key fails at start-up with a message naming the `api_keys` entry and the
// environment variable; it never falls back to the echo pipeline.

import type { VoxrayConfig } from "./schema.ts";
import { isKnownProvider, providerSpec, type ServiceRole } from "./providerKeys.ts";
import type { Env } from "./envOverrides.ts";

export type { ServiceRole } from "./providerKeys.ts";

type KeySource = Pick<VoxrayConfig, "api_keys">;
type ProviderChoice = Pick<VoxrayConfig, "provider" | "stt_provider" | "llm_provider" | "tts_provider">;

/** Used for a role that neither its own key nor `provider` names. */
export const FALLBACK_PROVIDER = "openai";

/**
 * The voice pipeline (STT → LLM → TTS) runs when `provider` or `llm_provider` is set, with
 * or without `model` (the Go original also required `model`, and silently served echo).
 * Otherwise the server runs the plugin pipeline (`plugins`, echo by default).
 */
export function voiceEnabled(config: ProviderChoice): boolean {
  return config.provider !== undefined || config.llm_provider !== undefined;
}

/** Provider per role: `<role>_provider`, else `provider`, else "openai". */
export function effectiveProviders(config: ProviderChoice): Record<ServiceRole, string> {
  return {
    stt: config.stt_provider ?? config.provider ?? FALLBACK_PROVIDER,
    llm: config.llm_provider ?? config.provider ?? FALLBACK_PROVIDER,
    tts: config.tts_provider ?? config.provider ?? FALLBACK_PROVIDER,
  };
}

/** The provider's API key: `api_keys` entries, then environment variables, then its fallback provider's key. */
export function resolveApiKey(config: KeySource, provider: string, env: Env = process.env): string | undefined {
  const spec = providerSpec(provider);
  for (const name of spec.keyNames) {
    const value = config.api_keys[name]?.trim();
    if (value) return value;
  }
  for (const name of spec.envVars) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return spec.keyFallback === undefined ? undefined : resolveApiKey(config, spec.keyFallback, env);
}

/**
 * One message per provider that the voice pipeline needs a key for and has none.
 * Empty when the voice pipeline is off.
 */
export function requiredKeyProblems(config: VoxrayConfig, env: Env = process.env): string[] {
  if (!voiceEnabled(config)) return [];
  const providers = effectiveProviders(config);
  const rolesByProvider = new Map<string, ServiceRole[]>();
  for (const role of ["stt", "llm", "tts"] as const) {
    const provider = providers[role];
    if (!providerSpec(provider).keyRequiredFor.includes(role)) continue;
    if (resolveApiKey(config, provider, env) !== undefined) continue;
    rolesByProvider.set(provider, [...(rolesByProvider.get(provider) ?? []), role]);
  }
  return [...rolesByProvider].map(([provider, roles]) => {
    const spec = providerSpec(provider);
    const where = [
      ...spec.keyNames.slice(0, 1).map((n) => `set api_keys.${n} in the config file`),
      `set the ${spec.envVars.join(" or ")} environment variable`,
    ].join(" or ");
    const defaulted = roles.filter((role) => config[`${role}_provider`] === undefined && config.provider === undefined);
    const unset = defaulted.map((role) => `${role}_provider`).join("/");
    const why = defaulted.length === 0 ? "" : ` ("${FALLBACK_PROVIDER}" is used because neither provider nor ${unset} is set)`;
    return `${listRoles(roles)} provider "${provider}" needs an API key: ${where}${why}`;
  });
}

/** "STT", "STT and LLM", "STT, LLM and TTS". */
export function listRoles(roles: readonly ServiceRole[]): string {
  const names = roles.map((r) => r.toUpperCase());
  return names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/** Advice about provider names: unknown ones, and ones that do not offer the role they are used for. */
export function providerWarnings(config: VoxrayConfig): string[] {
  const warnings: string[] = [];
  const configured: [string, ServiceRole | undefined][] = [
    ["provider", undefined],
    ["stt_provider", "stt"],
    ["llm_provider", "llm"],
    ["tts_provider", "tts"],
  ];
  for (const [key, role] of configured) {
    const name = config[key as keyof ProviderChoice];
    if (name === undefined) continue;
    if (!isKnownProvider(name)) warnings.push(`${key} "${name}" is not a known provider`);
    else if (role !== undefined && !providerSpec(name).roles.includes(role))
      warnings.push(`${key} "${name}" does not offer ${role.toUpperCase()}`);
  }
  if (!voiceEnabled(config)) {
    for (const key of ["stt_provider", "tts_provider"] as const) {
      if (config[key] !== undefined)
        warnings.push(`${key} is set but the voice pipeline is off: set provider or llm_provider to turn it on`);
    }
  }
  return warnings;
}

/** Base URL for a role's service: `<role>_base_url`, then the provider's env override; undefined = the provider's default. */
export function resolveBaseUrl(config: VoxrayConfig, role: ServiceRole, env: Env = process.env): string | undefined {
  const configured = config[`${role}_base_url`];
  if (configured !== undefined) return configured;
  const variable = providerSpec(effectiveProviders(config)[role]).baseUrlEnv;
  const value = variable === undefined ? undefined : env[variable]?.trim();
  return value ? value : undefined;
}

/** Values other than provider keys that go through the same lookup (`api_keys` entry, then env). */
const SETTINGS = {
  google_cloud_project: { keyNames: ["google_cloud_project", "google_project"], envVars: ["GOOGLE_CLOUD_PROJECT"] },
  google_cloud_location: { keyNames: ["google_cloud_location"], envVars: ["GOOGLE_CLOUD_LOCATION"], fallback: "us-central1" },
  aws_region: { keyNames: ["aws_region"], envVars: ["AWS_REGION"], fallback: "us-east-1" },
  daily_api_key: { keyNames: ["daily_api_key"], envVars: ["DAILY_API_KEY"] },
  daily_api_url: { keyNames: ["daily_api_url"], envVars: ["DAILY_API_URL"], fallback: "https://api.daily.co/v1" },
  twilio_account_sid: { keyNames: ["twilio_account_sid"], envVars: ["TWILIO_ACCOUNT_SID"] },
  twilio_auth_token: { keyNames: ["twilio_auth_token"], envVars: ["TWILIO_AUTH_TOKEN"] },
  telnyx_api_key: { keyNames: ["telnyx_api_key"], envVars: ["TELNYX_API_KEY"] },
  plivo_auth_id: { keyNames: ["plivo_auth_id"], envVars: ["PLIVO_AUTH_ID"] },
  plivo_auth_token: { keyNames: ["plivo_auth_token"], envVars: ["PLIVO_AUTH_TOKEN"] },
} satisfies Record<string, { keyNames: string[]; envVars: string[]; fallback?: string }>;

export type SettingName = keyof typeof SETTINGS;

/** A runner credential or cloud setting: `api_keys.<name>`, then its env var, then its default. */
export function resolveSetting(config: KeySource, name: SettingName, env: Env = process.env): string | undefined {
  const spec: { keyNames: string[]; envVars: string[]; fallback?: string } = SETTINGS[name];
  for (const key of spec.keyNames) {
    const value = config.api_keys[key]?.trim();
    if (value) return value;
  }
  for (const variable of spec.envVars) {
    const value = env[variable]?.trim();
    if (value) return value;
  }
  return spec.fallback;
}
