// Which providers run, where their keys come from (voxray-go §1.3), and the start-up
// message when a key is missing.

import { describe, expect, it } from "vitest";
import {
  effectiveProviders,
  requiredKeyProblems,
  resolveApiKey,
  resolveBaseUrl,
  resolveSetting,
  voiceEnabled,
} from "../../lib/config/apiKeys.ts";
import { PROVIDERS } from "../../lib/config/providerKeys.ts";
import { parseConfig } from "../../lib/config/load.ts";

const withKeys = (api_keys: Record<string, string>) => parseConfig({ api_keys });

describe("resolveApiKey", () => {
  it("takes api_keys first, then the environment", () => {
    const env = { OPENAI_API_KEY: "from-env" };
    expect(resolveApiKey(withKeys({ openai: "from-file" }), "openai", env)).toBe("from-file");
    expect(resolveApiKey(withKeys({}), "openai", env)).toBe("from-env");
    expect(resolveApiKey(withKeys({}), "openai", {})).toBeUndefined();
  });

  it("treats empty and blank entries as missing, and trims", () => {
    expect(resolveApiKey(withKeys({ groq: "  " }), "groq", { GROQ_API_KEY: " gsk-1 " })).toBe("gsk-1");
    expect(resolveApiKey(withKeys({ groq: "" }), "groq", { GROQ_API_KEY: "" })).toBeUndefined();
  });

  it("uses the key names that differ from the provider name", () => {
    expect(resolveApiKey(withKeys({ xai: "x-file" }), "grok", {})).toBe("x-file");
    expect(resolveApiKey(withKeys({}), "grok", { XAI_API_KEY: "x-env" })).toBe("x-env");
    expect(resolveApiKey(withKeys({}), "grok", { GROK_API_KEY: "wrong-name" })).toBeUndefined();
    expect(resolveApiKey(withKeys({}), "asyncai", { ASYNC_AI_API_KEY: "a" })).toBe("a");
    expect(resolveApiKey(withKeys({}), "aws", { AWS_SECRET_ACCESS_KEY: "s" })).toBe("s");
  });

  it("tries DASHSCOPE_API_KEY before QWEN_API_KEY, and GOOGLE_API_KEY before GEMINI_API_KEY", () => {
    const none = withKeys({});
    expect(resolveApiKey(none, "qwen", { DASHSCOPE_API_KEY: "d", QWEN_API_KEY: "q" })).toBe("d");
    expect(resolveApiKey(none, "qwen", { QWEN_API_KEY: "q" })).toBe("q");
    expect(resolveApiKey(withKeys({ qwen: "f" }), "qwen", { DASHSCOPE_API_KEY: "d" })).toBe("f");
    expect(resolveApiKey(none, "google", { GOOGLE_API_KEY: "g", GEMINI_API_KEY: "m" })).toBe("g");
    expect(resolveApiKey(none, "google", { GEMINI_API_KEY: "m" })).toBe("m");
  });

  it("falls back from whisper to the OpenAI key", () => {
    expect(resolveApiKey(withKeys({}), "whisper", { WHISPER_API_KEY: "w", OPENAI_API_KEY: "o" })).toBe("w");
    expect(resolveApiKey(withKeys({ openai: "o-file" }), "whisper", {})).toBe("o-file");
  });

  it("never hands an unknown provider the OpenAI key", () => {
    const env = { OPENAI_API_KEY: "o", ACME_VOICE_API_KEY: "acme" };
    expect(resolveApiKey(withKeys({}), "acme-voice", env)).toBe("acme");
    expect(resolveApiKey(withKeys({}), "other", env)).toBeUndefined();
  });

  it("has the §1.3 table's names for every provider", () => {
    expect(Object.keys(PROVIDERS).sort()).toEqual(
      [
        "anthropic", "asyncai", "aws", "camb", "cerebras", "deepseek", "elevenlabs", "fish", "google", "google_vertex",
        "gradium", "grok", "groq", "hume", "inworld", "minimax", "mistral", "moondream", "neuphonic", "ollama", "openai",
        "openpipe", "qwen", "sarvam", "soniox", "whisper", "xtts",
      ].sort(),
    );
  });
});

describe("voiceEnabled and effectiveProviders", () => {
  it("turns the voice pipeline on with provider or llm_provider, model or not", () => {
    expect(voiceEnabled(parseConfig({}))).toBe(false);
    expect(voiceEnabled(parseConfig({ model: "gpt-4.1-mini" }))).toBe(false);
    expect(voiceEnabled(parseConfig({ stt_provider: "groq", tts_provider: "groq" }))).toBe(false);
    expect(voiceEnabled(parseConfig({ provider: "openai" }))).toBe(true);
    expect(voiceEnabled(parseConfig({ llm_provider: "groq" }))).toBe(true);
    expect(voiceEnabled(parseConfig({ provider: "" }))).toBe(false);
  });

  it("resolves each role as <role>_provider, then provider, then openai", () => {
    expect(effectiveProviders(parseConfig({ provider: "groq", tts_provider: "elevenlabs" }))).toEqual({
      stt: "groq",
      llm: "groq",
      tts: "elevenlabs",
    });
    expect(effectiveProviders(parseConfig({ llm_provider: "ollama" }))).toEqual({ stt: "openai", llm: "ollama", tts: "openai" });
  });
});

describe("requiredKeyProblems", () => {
  it("is empty for the plugin pipeline", () => {
    expect(requiredKeyProblems(parseConfig({ plugins: ["echo"] }), {})).toEqual([]);
  });

  it("names the api_keys entry and the environment variable, once per provider", () => {
    expect(requiredKeyProblems(parseConfig({ provider: "openai" }), {})).toEqual([
      'STT, LLM and TTS provider "openai" needs an API key: set api_keys.openai in the config file or set the OPENAI_API_KEY environment variable',
    ]);
    expect(requiredKeyProblems(parseConfig({ provider: "openai" }), { OPENAI_API_KEY: "sk" })).toEqual([]);
  });

  it("lists each provider that lacks a key, and says why openai was chosen", () => {
    expect(requiredKeyProblems(parseConfig({ llm_provider: "grok" }), {})).toEqual([
      'STT and TTS provider "openai" needs an API key: set api_keys.openai in the config file or set the OPENAI_API_KEY environment variable ("openai" is used because neither provider nor stt_provider/tts_provider is set)',
      'LLM provider "grok" needs an API key: set api_keys.xai in the config file or set the XAI_API_KEY environment variable',
    ]);
    expect(requiredKeyProblems(parseConfig({ provider: "qwen", stt_provider: "groq", tts_provider: "groq" }), {})).toEqual([
      'STT and TTS provider "groq" needs an API key: set api_keys.groq in the config file or set the GROQ_API_KEY environment variable',
      'LLM provider "qwen" needs an API key: set api_keys.qwen in the config file or set the DASHSCOPE_API_KEY or QWEN_API_KEY environment variable',
    ]);
  });

  it("asks nothing of local servers and SDK credential chains", () => {
    const local = parseConfig({ llm_provider: "ollama", stt_provider: "whisper", tts_provider: "xtts" });
    expect(requiredKeyProblems(local, {})).toEqual([]);
    expect(requiredKeyProblems(parseConfig({ provider: "aws" }), {})).toEqual([]);
    expect(requiredKeyProblems(parseConfig({ provider: "google_vertex", stt_provider: "google", tts_provider: "google" }), {})).toEqual([]);
    expect(requiredKeyProblems(parseConfig({ provider: "google" }), {})).toEqual([
      'LLM provider "google" needs an API key: set api_keys.google in the config file or set the GOOGLE_API_KEY or GEMINI_API_KEY environment variable',
    ]);
  });
});

describe("resolveBaseUrl and resolveSetting", () => {
  it("takes <role>_base_url, then the provider's base-URL variable, else the provider default", () => {
    const ollama = parseConfig({ llm_provider: "ollama", stt_provider: "whisper" });
    expect(resolveBaseUrl(ollama, "llm", {})).toBeUndefined();
    expect(resolveBaseUrl(ollama, "llm", { OLLAMA_BASE_URL: "http://gpu:11434/v1" })).toBe("http://gpu:11434/v1");
    expect(resolveBaseUrl(ollama, "stt", { OLLAMA_BASE_URL: "http://gpu:11434/v1" })).toBeUndefined();
    const pinned = parseConfig({ llm_provider: "ollama", llm_base_url: "http://box:11434/v1" });
    expect(resolveBaseUrl(pinned, "llm", { OLLAMA_BASE_URL: "http://gpu:11434/v1" })).toBe("http://box:11434/v1");
  });

  it("looks runner credentials up the same way, with documented defaults", () => {
    const config = withKeys({ twilio_account_sid: "AC1", google_project: "proj" });
    expect(resolveSetting(config, "twilio_account_sid", { TWILIO_ACCOUNT_SID: "AC2" })).toBe("AC1");
    expect(resolveSetting(config, "twilio_auth_token", { TWILIO_AUTH_TOKEN: "tok" })).toBe("tok");
    expect(resolveSetting(config, "google_cloud_project", {})).toBe("proj");
    expect(resolveSetting(config, "aws_region", {})).toBe("us-east-1");
    expect(resolveSetting(config, "aws_region", { AWS_REGION: "eu-west-1" })).toBe("eu-west-1");
    expect(resolveSetting(config, "google_cloud_location", {})).toBe("us-central1");
    expect(resolveSetting(config, "daily_api_key", {})).toBeUndefined();
  });
});
