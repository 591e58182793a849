// Which credentials each provider needs, where to find them, and which services it offers
// (voxray-go §1.3 and §6). Lookup order for a key: the `api_keys` entries named here, then
// the environment variables, in order; empty values count as missing.

export type ServiceRole = "stt" | "llm" | "tts";

export interface ProviderSpec {
  /** `api_keys` entries tried first, in order. */
  readonly keyNames: readonly string[];
  /** Environment variables tried next, in order. */
  readonly envVars: readonly string[];
  /** Roles in which start-up fails without a key. Local servers and SDK credential chains need none. */
  readonly keyRequiredFor: readonly ServiceRole[];
  /** Another provider whose key is used when this one has none. */
  readonly keyFallback?: string;
  /** Environment variable that replaces the provider's default base URL. */
  readonly baseUrlEnv?: string;
  /** Services the provider offers. */
  readonly roles: readonly ServiceRole[];
}

const ALL: readonly ServiceRole[] = ["stt", "llm", "tts"];
const LLM: readonly ServiceRole[] = ["llm"];
const STT: readonly ServiceRole[] = ["stt"];
const TTS: readonly ServiceRole[] = ["tts"];

/** A provider whose key is `api_keys.<name>` or `<NAME>_API_KEY`, required wherever it is used. */
function keyed(name: string, roles: readonly ServiceRole[], extra: Partial<ProviderSpec> = {}): ProviderSpec {
  return { keyNames: [name], envVars: [`${name.toUpperCase()}_API_KEY`], keyRequiredFor: roles, roles, ...extra };
}

export const PROVIDERS: Readonly<Record<string, ProviderSpec>> = {
  openai: keyed("openai", ALL),
  groq: keyed("groq", ALL),
  sarvam: keyed("sarvam", ["stt", "tts"]),
  // The Go original names the key "xai"; "grok" is accepted too.
  grok: { ...keyed("xai", LLM), keyNames: ["xai", "grok"] },
  cerebras: keyed("cerebras", LLM),
  elevenlabs: keyed("elevenlabs", ["stt", "tts"]),
  mistral: keyed("mistral", LLM),
  deepseek: keyed("deepseek", LLM),
  anthropic: keyed("anthropic", LLM),
  // Gemini takes an API key; Google Cloud STT/TTS use application default credentials.
  google: { ...keyed("google", ALL), envVars: ["GOOGLE_API_KEY", "GEMINI_API_KEY"], keyRequiredFor: LLM },
  google_vertex: { keyNames: [], envVars: [], keyRequiredFor: [], roles: LLM },
  // The AWS SDK finds credentials itself (env, profile, instance role).
  aws: { ...keyed("aws", ALL), envVars: ["AWS_SECRET_ACCESS_KEY"], keyRequiredFor: [] },
  ollama: keyed("ollama", LLM, { keyRequiredFor: [], baseUrlEnv: "OLLAMA_BASE_URL" }),
  qwen: { ...keyed("qwen", LLM), envVars: ["DASHSCOPE_API_KEY", "QWEN_API_KEY"], baseUrlEnv: "DASHSCOPE_BASE_URL" },
  whisper: keyed("whisper", STT, { keyRequiredFor: [], keyFallback: "openai", baseUrlEnv: "WHISPER_BASE_URL" }),
  asyncai: { ...keyed("asyncai", ["llm", "tts"]), envVars: ["ASYNC_AI_API_KEY"], baseUrlEnv: "ASYNC_AI_BASE_URL" },
  camb: keyed("camb", STT, { baseUrlEnv: "CAMB_BASE_URL" }),
  fish: keyed("fish", ["llm", "tts"], { baseUrlEnv: "FISH_BASE_URL" }),
  gradium: keyed("gradium", STT, { baseUrlEnv: "GRADIUM_BASE_URL" }),
  hume: keyed("hume", TTS),
  inworld: keyed("inworld", ["llm", "tts"]),
  minimax: keyed("minimax", ["llm", "tts"], { baseUrlEnv: "MINIMAX_BASE_URL" }),
  moondream: keyed("moondream", LLM, { baseUrlEnv: "MOONDREAM_BASE_URL" }),
  neuphonic: keyed("neuphonic", TTS, { baseUrlEnv: "NEUPHONIC_BASE_URL" }),
  openpipe: keyed("openpipe", LLM),
  soniox: keyed("soniox", STT, { baseUrlEnv: "SONIOX_WS_URL" }),
  xtts: keyed("xtts", TTS, { keyRequiredFor: [], baseUrlEnv: "XTTS_BASE_URL" }),
};

/**
 * The spec of a provider by name. An unknown provider is looked up as
 * `api_keys.<name>` → `<NAME>_API_KEY` and never required (the Go original fell back to
 * OPENAI_API_KEY, which would send an OpenAI key to some other host).
 */
export function providerSpec(name: string): ProviderSpec {
  return (
    PROVIDERS[name] ?? {
      keyNames: [name],
      envVars: [`${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_API_KEY`],
      keyRequiredFor: [],
      roles: ALL,
    }
  );
}

export function isKnownProvider(name: string): boolean {
  return Object.hasOwn(PROVIDERS, name);
}
