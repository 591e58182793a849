// The OpenAI-compatible provider family: one wire format, many base URLs. Each entry says where
// the provider lives, how its API key is named (config `api_keys` name, then environment
// variables, in lookup order), and which of LLM / STT / TTS it serves through the OpenAI wire.
// Providers that speak other protocols (Anthropic, Gemini, ElevenLabs, Sarvam, …) are not here.

export interface ProviderTTSDefaults {
  readonly model: string;
  readonly voice: string;
  /** "pcm" raw PCM at `sampleRate`; "wav" streamed WAV (the header gives the rate). */
  readonly format: "pcm" | "wav";
  readonly sampleRate: number;
}

export interface ProviderEntry {
  readonly key: string;
  /** Other names accepted for the provider key. */
  readonly aliases?: readonly string[];
  readonly baseURL: string;
  /** Environment variable that replaces `baseURL` when set. */
  readonly baseURLEnv?: string;
  /** Name looked up in the config's `api_keys`. */
  readonly apiKeyName: string;
  /** Environment variables tried next, in order. */
  readonly apiKeyEnv: readonly string[];
  /** Provider whose key is tried last (Whisper falls back to the OpenAI key). */
  readonly apiKeyFallback?: string;
  /**
   * Local servers run without a key (true); "self-hosted": a key is needed only at the
   * provider's own base URL (Whisper: OpenAI's API needs one, a local Whisper server does not).
   */
  readonly keyless?: boolean | "self-hosted";
  /** Present when the provider serves chat completions; `model` undefined means no default. */
  readonly llm?: { readonly model?: string };
  readonly stt?: { readonly model: string };
  readonly tts?: ProviderTTSDefaults;
}

const entries: readonly ProviderEntry[] = [
  {
    key: "openai",
    baseURL: "https://api.openai.com/v1",
    apiKeyName: "openai",
    apiKeyEnv: ["OPENAI_API_KEY"],
    llm: { model: "gpt-3.5-turbo" },
    stt: { model: "whisper-1" },
    tts: { model: "tts-1", voice: "alloy", format: "pcm", sampleRate: 24_000 },
  },
  {
    key: "groq",
    baseURL: "https://api.groq.com/openai/v1",
    apiKeyName: "groq",
    apiKeyEnv: ["GROQ_API_KEY"],
    llm: { model: "llama-3.1-8b-instant" },
    stt: { model: "whisper-large-v3" },
    // Orpheus answers in WAV at 48 kHz and has its own voice names ("alloy" is not one).
    tts: { model: "canopylabs/orpheus-v1-english", voice: "autumn", format: "wav", sampleRate: 48_000 },
  },
  {
    key: "grok",
    aliases: ["xai"],
    baseURL: "https://api.x.ai/v1",
    apiKeyName: "xai",
    apiKeyEnv: ["XAI_API_KEY"],
    llm: { model: "grok-2" },
  },
  { key: "cerebras", baseURL: "https://api.cerebras.ai/v1", apiKeyName: "cerebras", apiKeyEnv: ["CEREBRAS_API_KEY"], llm: { model: "llama3.1-8b" } },
  { key: "mistral", baseURL: "https://api.mistral.ai/v1", apiKeyName: "mistral", apiKeyEnv: ["MISTRAL_API_KEY"], llm: { model: "mistral-small-latest" } },
  { key: "deepseek", baseURL: "https://api.deepseek.com/v1", apiKeyName: "deepseek", apiKeyEnv: ["DEEPSEEK_API_KEY"], llm: { model: "deepseek-chat" } },
  {
    key: "ollama",
    baseURL: "http://localhost:11434/v1",
    baseURLEnv: "OLLAMA_BASE_URL",
    apiKeyName: "ollama",
    apiKeyEnv: ["OLLAMA_API_KEY"],
    keyless: true,
    llm: { model: "llama3.2" },
  },
  {
    key: "qwen",
    baseURL: "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
    baseURLEnv: "DASHSCOPE_BASE_URL",
    apiKeyName: "qwen",
    apiKeyEnv: ["DASHSCOPE_API_KEY", "QWEN_API_KEY"],
    llm: { model: "qwen-plus" },
  },
  { key: "openpipe", baseURL: "https://app.openpipe.ai/api/v1", apiKeyName: "openpipe", apiKeyEnv: ["OPENPIPE_API_KEY"], llm: { model: "gpt-4.1" } },
  {
    key: "asyncai",
    baseURL: "https://api.async.ai/v1",
    baseURLEnv: "ASYNC_AI_BASE_URL",
    apiKeyName: "asyncai",
    apiKeyEnv: ["ASYNC_AI_API_KEY"],
    llm: { model: "gpt-4o" },
  },
  { key: "fish", baseURL: "https://api.fish.audio/v1", baseURLEnv: "FISH_BASE_URL", apiKeyName: "fish", apiKeyEnv: ["FISH_API_KEY"], llm: { model: "gpt-4o" } },
  { key: "inworld", baseURL: "https://api.inworld.ai/v1", apiKeyName: "inworld", apiKeyEnv: ["INWORLD_API_KEY"], llm: {} },
  {
    key: "minimax",
    baseURL: "https://api.minimax.io/v1",
    baseURLEnv: "MINIMAX_BASE_URL",
    apiKeyName: "minimax",
    apiKeyEnv: ["MINIMAX_API_KEY"],
    llm: { model: "abab6.5s-chat" },
  },
  {
    key: "moondream",
    baseURL: "https://api.moondream.com/v1",
    baseURLEnv: "MOONDREAM_BASE_URL",
    apiKeyName: "moondream",
    apiKeyEnv: ["MOONDREAM_API_KEY"],
    llm: {},
  },
  {
    key: "whisper",
    // A self-hosted Whisper server when WHISPER_BASE_URL is set, OpenAI's otherwise.
    baseURL: "https://api.openai.com/v1",
    baseURLEnv: "WHISPER_BASE_URL",
    apiKeyName: "whisper",
    apiKeyEnv: ["WHISPER_API_KEY"],
    apiKeyFallback: "openai",
    keyless: "self-hosted",
    stt: { model: "whisper-1" },
  },
  // OpenAI-compatible hosts beyond the original matrix.
  {
    key: "together",
    baseURL: "https://api.together.xyz/v1",
    apiKeyName: "together",
    apiKeyEnv: ["TOGETHER_API_KEY"],
    llm: { model: "meta-llama/Llama-3.3-70B-Instruct-Turbo" },
  },
  { key: "openrouter", baseURL: "https://openrouter.ai/api/v1", apiKeyName: "openrouter", apiKeyEnv: ["OPENROUTER_API_KEY"], llm: { model: "openai/gpt-4o-mini" } },
  {
    key: "fireworks",
    baseURL: "https://api.fireworks.ai/inference/v1",
    apiKeyName: "fireworks",
    apiKeyEnv: ["FIREWORKS_API_KEY"],
    llm: { model: "accounts/fireworks/models/llama-v3p1-8b-instruct" },
  },
];

export const OPENAI_COMPATIBLE_PROVIDERS: readonly ProviderEntry[] = entries;

const byName = new Map<string, ProviderEntry>();
for (const entry of entries) {
  for (const name of [entry.key, ...(entry.aliases ?? [])]) byName.set(name, entry);
}

/** Looks a provider up by key or alias, case-insensitively. */
export function findProvider(name: string): ProviderEntry | undefined {
  return byName.get(name.trim().toLowerCase());
}

export type Env = Readonly<Record<string, string | undefined>>;

/** The base URL env override when set and non-empty, else the table's default. */
export function resolveBaseURL(entry: ProviderEntry, env: Env = process.env): string {
  const override = entry.baseURLEnv ? env[entry.baseURLEnv]?.trim() : undefined;
  return override || entry.baseURL;
}

/**
 * `api_keys[<name>]`, then the env vars in order, then the fallback provider's key.
 * Returns undefined when nothing non-empty is found.
 */
export function resolveApiKey(
  entry: ProviderEntry,
  apiKeys: Readonly<Record<string, string | undefined>> = {},
  env: Env = process.env,
): string | undefined {
  const candidates = [apiKeys[entry.apiKeyName], ...entry.apiKeyEnv.map((name) => env[name])];
  const found = candidates.map((value) => value?.trim()).find((value) => !!value);
  if (found) return found;
  const fallback = entry.apiKeyFallback ? findProvider(entry.apiKeyFallback) : undefined;
  return fallback ? resolveApiKey(fallback, apiKeys, env) : undefined;
}
