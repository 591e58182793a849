// Builds LLM / STT / TTS services for the OpenAI-compatible providers of the provider table.
// Every mistake (unknown provider, a role the provider does not serve, a missing key or model)
// throws a message that says what to set; nothing silently falls back to another provider.

import { openAILLMService, type OpenAILLMOptions } from "./openai/llm.ts";
import { openAISTTService, type OpenAISTTOptions } from "./openai/stt.ts";
import { openAITTSService, type OpenAITTSOptions } from "./openai/tts.ts";
import {
  OPENAI_COMPATIBLE_PROVIDERS,
  findProvider,
  resolveBaseURL,
  type Env,
  type ProviderEntry,
} from "./provider-table.ts";
import type { ServiceRole } from "./service-error.ts";
import type { LLMService, STTService, TTSService } from "./types.ts";

export { OPENAI_COMPATIBLE_PROVIDERS, findProvider, resolveApiKey, resolveBaseURL } from "./provider-table.ts";
export type { Env, ProviderEntry, ProviderTTSDefaults } from "./provider-table.ts";

export interface ServiceSpec {
  /** Provider key or alias, e.g. "openai", "groq", "xai". */
  readonly provider: string;
  /** Defaults to the provider's default model for the role. */
  readonly model?: string;
  /** Defaults to the provider's base-URL env override, then its table URL. */
  readonly baseURL?: string;
  /** Resolved by the caller (see `resolveApiKey`); required unless the provider is keyless. */
  readonly apiKey?: string;
  readonly timeoutMs?: number;
  readonly idleTimeoutMs?: number;
  readonly maxRetries?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Where base-URL overrides are read. Default `process.env`. */
  readonly env?: Env;
}

export interface LLMServiceSpec extends ServiceSpec {
  readonly includeUsage?: boolean;
  readonly extraParams?: Readonly<Record<string, unknown>>;
}

export interface STTServiceSpec extends ServiceSpec {
  readonly language?: string;
  readonly responseFormat?: "json" | "verbose_json";
}

export interface TTSServiceSpec extends ServiceSpec {
  readonly voice?: string;
  readonly speed?: number;
  readonly instructions?: string;
}

const ROLE_LABEL: Readonly<Record<ServiceRole, string>> = { llm: "LLM", stt: "STT", tts: "TTS" };

export function createLLMService(spec: LLMServiceSpec): LLMService {
  const entry = providerFor(spec.provider, "llm");
  const options: OpenAILLMOptions = {
    ...connection(entry, spec, "llm"),
    model: modelFor(entry, "llm", spec.model ?? entry.llm?.model),
    ...(spec.includeUsage !== undefined ? { includeUsage: spec.includeUsage } : {}),
    ...(spec.extraParams ? { extraParams: spec.extraParams } : {}),
  };
  return openAILLMService(options);
}

export function createSTTService(spec: STTServiceSpec): STTService {
  const entry = providerFor(spec.provider, "stt");
  const options: OpenAISTTOptions = {
    ...connection(entry, spec, "stt"),
    model: modelFor(entry, "stt", spec.model ?? entry.stt?.model),
    ...(spec.language ? { language: spec.language } : {}),
    ...(spec.responseFormat ? { responseFormat: spec.responseFormat } : {}),
  };
  return openAISTTService(options);
}

export function createTTSService(spec: TTSServiceSpec): TTSService {
  const entry = providerFor(spec.provider, "tts");
  const defaults = entry.tts!;
  const options: OpenAITTSOptions = {
    ...connection(entry, spec, "tts"),
    model: modelFor(entry, "tts", spec.model ?? defaults.model),
    voice: spec.voice || defaults.voice,
    responseFormat: defaults.format,
    sampleRate: defaults.sampleRate,
    ...(spec.speed !== undefined ? { speed: spec.speed } : {}),
    ...(spec.instructions ? { instructions: spec.instructions } : {}),
  };
  return openAITTSService(options);
}

/** The table entry for `name`, or an error naming the known providers / the roles it serves. */
export function providerFor(name: string, role: ServiceRole): ProviderEntry {
  const entry = findProvider(name);
  if (!entry) {
    const known = OPENAI_COMPATIBLE_PROVIDERS.map((p) => p.key).join(", ");
    throw new Error(`unknown ${ROLE_LABEL[role]} provider "${name}" (OpenAI-compatible providers: ${known})`);
  }
  if (!entry[role]) {
    const offered = (["llm", "stt", "tts"] as const).filter((r) => entry[r]).map((r) => ROLE_LABEL[r]);
    throw new Error(`provider "${entry.key}" has no ${ROLE_LABEL[role]} service over the OpenAI API (it offers: ${offered.join(", ")})`);
  }
  return entry;
}

/** Whether calls to `baseURL` need a key: not for local servers, nor a self-hosted Whisper. */
export function needsApiKey(entry: ProviderEntry, baseURL: string): boolean {
  if (entry.keyless === true) return false;
  return !(entry.keyless === "self-hosted" && baseURL !== entry.baseURL);
}

function connection(entry: ProviderEntry, spec: ServiceSpec, role: ServiceRole) {
  const apiKey = spec.apiKey?.trim();
  const baseURL = spec.baseURL?.trim() || resolveBaseURL(entry, spec.env);
  if (!apiKey && needsApiKey(entry, baseURL)) throw new Error(`${entry.key} ${ROLE_LABEL[role]} needs an API key: set ${keyHint(entry)}`);
  return {
    provider: entry.key,
    baseURL,
    ...(apiKey ? { apiKey } : {}),
    ...(spec.timeoutMs !== undefined ? { timeoutMs: spec.timeoutMs } : {}),
    ...(spec.idleTimeoutMs !== undefined ? { idleTimeoutMs: spec.idleTimeoutMs } : {}),
    ...(spec.maxRetries !== undefined ? { maxRetries: spec.maxRetries } : {}),
    ...(spec.headers ? { headers: spec.headers } : {}),
  };
}

function modelFor(entry: ProviderEntry, role: ServiceRole, model: string | undefined): string {
  const chosen = model?.trim();
  if (!chosen) throw new Error(`${entry.key} ${ROLE_LABEL[role]} has no default model: set one in the config`);
  return chosen;
}

function keyHint(entry: ProviderEntry): string {
  const places = [`api_keys.${entry.apiKeyName}`, ...entry.apiKeyEnv];
  const fallback = entry.apiKeyFallback ? findProvider(entry.apiKeyFallback) : undefined;
  if (fallback) places.push(`api_keys.${fallback.apiKeyName}`, ...fallback.apiKeyEnv);
  return places.length > 1 ? `${places.slice(0, -1).join(", ")} or ${places.at(-1)}` : places.join("");
}
