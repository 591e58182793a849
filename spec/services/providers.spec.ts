// The OpenAI-compatible provider table and the service factories: base URLs, key names and
// their env vars as the original resolves them, defaults per role, and a clear error (never a
// silent fallback) for an unknown provider, an unsupported role, or a missing key or model.

import { lastValueFrom, toArray } from "rxjs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createLLMService,
  createSTTService,
  createTTSService,
  findProvider,
  resolveApiKey,
  resolveBaseURL,
} from "../../lib/services/providers.ts";
import { startOpenAIStandIn, type OpenAIStandIn } from "../support/standins/openai.ts";
import { tonePcm } from "../support/standins/openai-wire.ts";

const messages = [{ role: "user", content: "hi" }] as const;

describe("provider table", () => {
  it.each([
    ["openai", "https://api.openai.com/v1", "openai", ["OPENAI_API_KEY"]],
    ["groq", "https://api.groq.com/openai/v1", "groq", ["GROQ_API_KEY"]],
    ["grok", "https://api.x.ai/v1", "xai", ["XAI_API_KEY"]],
    ["xai", "https://api.x.ai/v1", "xai", ["XAI_API_KEY"]],
    ["cerebras", "https://api.cerebras.ai/v1", "cerebras", ["CEREBRAS_API_KEY"]],
    ["mistral", "https://api.mistral.ai/v1", "mistral", ["MISTRAL_API_KEY"]],
    ["deepseek", "https://api.deepseek.com/v1", "deepseek", ["DEEPSEEK_API_KEY"]],
    ["ollama", "http://localhost:11434/v1", "ollama", ["OLLAMA_API_KEY"]],
    ["qwen", "https://dashscope-intl.aliyuncs.com/compatible-mode/v1", "qwen", ["DASHSCOPE_API_KEY", "QWEN_API_KEY"]],
    ["openpipe", "https://app.openpipe.ai/api/v1", "openpipe", ["OPENPIPE_API_KEY"]],
    ["asyncai", "https://api.async.ai/v1", "asyncai", ["ASYNC_AI_API_KEY"]],
  ])("%s lives at %s with key api_keys.%s / %j", (name, baseURL, keyName, env) => {
    const entry = findProvider(name)!;
    expect(resolveBaseURL(entry, {})).toBe(baseURL);
    expect(entry.apiKeyName).toBe(keyName);
    expect(entry.apiKeyEnv).toEqual(env);
  });

  it("serves each role only where the provider offers it", () => {
    const roles = (name: string) => (["llm", "stt", "tts"] as const).filter((r) => findProvider(name)![r]);
    expect(roles("openai")).toEqual(["llm", "stt", "tts"]);
    expect(roles("groq")).toEqual(["llm", "stt", "tts"]);
    expect(roles("ollama")).toEqual(["llm"]);
    expect(roles("xai")).toEqual(["llm"]);
    expect(roles("whisper")).toEqual(["stt"]);
    expect(findProvider("groq")!.stt!.model).toBe("whisper-large-v3");
    expect(findProvider("ollama")!.keyless).toBe(true);
  });

  it("takes base-URL overrides from the environment, ignoring blank values", () => {
    expect(resolveBaseURL(findProvider("ollama")!, { OLLAMA_BASE_URL: "http://gpu-box:11434/v1" })).toBe("http://gpu-box:11434/v1");
    expect(resolveBaseURL(findProvider("ollama")!, { OLLAMA_BASE_URL: "  " })).toBe("http://localhost:11434/v1");
    expect(resolveBaseURL(findProvider("qwen")!, { DASHSCOPE_BASE_URL: "https://dashscope.aliyuncs.com/compatible-mode/v1" })).toBe(
      "https://dashscope.aliyuncs.com/compatible-mode/v1",
    );
    expect(resolveBaseURL(findProvider("whisper")!, { WHISPER_BASE_URL: "http://127.0.0.1:9000/v1" })).toBe("http://127.0.0.1:9000/v1");
    // groq has no override variable: an OLLAMA_BASE_URL must not leak into it.
    expect(resolveBaseURL(findProvider("groq")!, { OLLAMA_BASE_URL: "http://x" })).toBe("https://api.groq.com/openai/v1");
  });

  it("resolves keys from api_keys first, then the env vars in order, then the fallback provider", () => {
    const qwen = findProvider("qwen")!;
    expect(resolveApiKey(qwen, { qwen: "from-config" }, { DASHSCOPE_API_KEY: "d", QWEN_API_KEY: "q" })).toBe("from-config");
    expect(resolveApiKey(qwen, {}, { DASHSCOPE_API_KEY: "d", QWEN_API_KEY: "q" })).toBe("d");
    expect(resolveApiKey(qwen, { qwen: "" }, { QWEN_API_KEY: "q" })).toBe("q");
    expect(resolveApiKey(findProvider("grok")!, { grok: "wrong-name", xai: "x" }, {})).toBe("x");
    const whisper = findProvider("whisper")!;
    expect(resolveApiKey(whisper, {}, { WHISPER_API_KEY: "w", OPENAI_API_KEY: "o" })).toBe("w");
    expect(resolveApiKey(whisper, {}, { OPENAI_API_KEY: "o" })).toBe("o");
    expect(resolveApiKey(findProvider("groq")!, {}, {})).toBeUndefined();
  });
});

describe("service factories", () => {
  let openai: OpenAIStandIn;
  beforeEach(async () => {
    openai = await startOpenAIStandIn();
  });
  afterEach(() => openai.close());

  it("builds a groq LLM with its default model, named after the provider", async () => {
    const llm = createLLMService({ provider: "groq", apiKey: "gsk-1", baseURL: openai.baseURL });
    expect([llm.name, llm.model]).toEqual(["groq", "llama-3.1-8b-instant"]);
    await lastValueFrom(llm.stream({ messages }).pipe(toArray()));
    expect(openai.requests[0]!.body).toMatchObject({ model: "llama-3.1-8b-instant" });
    expect(openai.requests[0]!.headers.authorization).toBe("Bearer gsk-1");
  });

  it("accepts the xai alias and reports the canonical key", () => {
    const llm = createLLMService({ provider: "xai", apiKey: "k" });
    expect([llm.name, llm.model]).toEqual(["grok", "grok-2"]);
  });

  it("reaches ollama through OLLAMA_BASE_URL without a key", async () => {
    const llm = createLLMService({ provider: "ollama", env: { OLLAMA_BASE_URL: openai.baseURL } });
    await lastValueFrom(llm.stream({ messages }).pipe(toArray()));
    expect(openai.requests[0]!.body).toMatchObject({ model: "llama3.2" });
    expect(openai.requests[0]!.headers.authorization).toBeUndefined();
  });

  it("builds groq STT (whisper-large-v3) and TTS (WAV, its own voice), and lets the config choose the voice", async () => {
    const stt = createSTTService({ provider: "groq", apiKey: "k", baseURL: openai.baseURL, language: "en" });
    expect([stt.name, stt.model, stt.streaming]).toEqual(["groq", "whisper-large-v3", false]);
    await lastValueFrom(stt.transcribe({ pcm: tonePcm(100, 16_000), sampleRate: 16_000, channels: 1 }).pipe(toArray()));
    expect(openai.requests[0]!.body).toMatchObject({ fields: { model: "whisper-large-v3", language: "en" } });

    const tts = createTTSService({ provider: "groq", apiKey: "k", baseURL: openai.baseURL });
    expect([tts.model, tts.voice, tts.sampleRate]).toEqual(["canopylabs/orpheus-v1-english", "autumn", 48_000]);
    await lastValueFrom(tts.synthesize("Hi.").pipe(toArray()));
    expect(openai.requests[1]!.body).toMatchObject({ response_format: "wav", voice: "autumn" });

    const openaiTTS = createTTSService({ provider: "openai", apiKey: "k", voice: "shimmer", model: "gpt-4o-mini-tts", baseURL: openai.baseURL });
    await lastValueFrom(openaiTTS.synthesize("Hi.").pipe(toArray()));
    expect(openai.requests[2]!.body).toMatchObject({ model: "gpt-4o-mini-tts", voice: "shimmer", response_format: "pcm" });
  });

  it("throws for an unknown provider, listing the known ones", () => {
    expect(() => createLLMService({ provider: "acme", apiKey: "k" })).toThrow(
      /^unknown LLM provider "acme" \(OpenAI-compatible providers: openai, groq, grok, .*ollama/,
    );
  });

  it("throws for a role the provider does not serve instead of falling back", () => {
    expect(() => createSTTService({ provider: "ollama" })).toThrow('provider "ollama" has no STT service over the OpenAI API (it offers: LLM)');
    expect(() => createTTSService({ provider: "whisper", apiKey: "k" })).toThrow('provider "whisper" has no TTS service over the OpenAI API (it offers: STT)');
  });

  it("throws when a key is needed and missing, saying where to set it", () => {
    expect(() => createLLMService({ provider: "groq" })).toThrow("groq LLM needs an API key: set api_keys.groq or GROQ_API_KEY");
    expect(() => createSTTService({ provider: "whisper", apiKey: " " })).toThrow(
      "whisper STT needs an API key: set api_keys.whisper, WHISPER_API_KEY, api_keys.openai or OPENAI_API_KEY",
    );
  });

  it("throws when the provider has no default model and none is given", () => {
    expect(() => createLLMService({ provider: "inworld", apiKey: "k" })).toThrow("inworld LLM has no default model: set one in the config");
    expect(createLLMService({ provider: "inworld", apiKey: "k", model: "inworld-llm" }).model).toBe("inworld-llm");
  });
});

describe("self-hosted Whisper", () => {
  it("needs no key at its own base URL, and a key at OpenAI's", () => {
    expect(() => createSTTService({ provider: "whisper", baseURL: "http://127.0.0.1:8000/v1", env: {} })).not.toThrow();
    expect(() => createSTTService({ provider: "whisper", env: { WHISPER_BASE_URL: "http://127.0.0.1:8000/v1" } })).not.toThrow();
    expect(() => createSTTService({ provider: "whisper", env: {} })).toThrow(/needs an API key/);
  });
});
