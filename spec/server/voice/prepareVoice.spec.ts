// prepareVoice: what the config puts in front of the plugins, decided once at start-up. Voice
// mode needs `provider` or `llm_provider`, never also `model` (the Go original silently served
// echo without a model); each role's provider, model, base URL and key is resolved, and every
// problem is reported at once, in one error, naming the config key and environment variable.

import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../lib/config/load.ts";
import { prepareVoice, VoiceConfigError, withPluginDefaults } from "../../../lib/server/voiceStage.ts";

const config = (raw: Record<string, unknown>) => parseConfig(raw);

function problemsOf(raw: Record<string, unknown>, env: Record<string, string> = {}): readonly string[] {
  try {
    prepareVoice(config(raw), env);
  } catch (error) {
    expect(error).toBeInstanceOf(VoiceConfigError);
    return (error as VoiceConfigError).problems;
  }
  throw new Error("prepareVoice accepted the config");
}

describe("prepareVoice: modes", () => {
  it("default config: turn taking in front of echo, which echoes finished turns", () => {
    const voice = prepareVoice(config({}), {});
    expect(voice).toMatchObject({ mode: "turns", pluginOptionDefaults: { echo: { source: "turn" } }, defaultPlugins: ["echo"] });
    expect(voice.stages).toHaveLength(1);
  });

  it('turn_detection "none" without a provider: no stage, echo plays the microphone back live', () => {
    const voice = prepareVoice(config({ turn_detection: "none" }), {});
    expect(voice).toMatchObject({ mode: "plugins", stages: [], pluginOptionDefaults: {}, defaultPlugins: ["echo"] });
  });

  it("provider without model is voice mode, with the provider's default models and public URL", () => {
    const voice = prepareVoice(config({ provider: "openai" }), { OPENAI_API_KEY: "sk-env" });
    expect(voice.mode).toBe("voice");
    expect(voice.defaultPlugins).toEqual([]);
    expect(voice.services).toEqual({
      stt: { provider: "openai", model: "whisper-1", baseURL: "https://api.openai.com/v1", apiKey: "sk-env" },
      llm: { provider: "openai", model: "gpt-3.5-turbo", baseURL: "https://api.openai.com/v1", apiKey: "sk-env" },
      tts: { provider: "openai", model: "tts-1", baseURL: "https://api.openai.com/v1", apiKey: "sk-env" },
    });
    expect(voice.summary).toBe("voice pipeline: turn taking (vad) → STT openai (whisper-1) → LLM openai (gpt-3.5-turbo) → TTS openai (tts-1)");
  });

  it("llm_provider alone turns voice on; the other roles fall back to openai", () => {
    const voice = prepareVoice(config({ llm_provider: "groq" }), { GROQ_API_KEY: "gk", OPENAI_API_KEY: "ok" });
    expect(voice.services?.llm).toMatchObject({ provider: "groq", model: "llama-3.1-8b-instant", apiKey: "gk" });
    expect(voice.services?.stt).toMatchObject({ provider: "openai", apiKey: "ok" });
  });

  it("per-role models, voice, language; base URLs from <role>_base_url, then the provider's variable", () => {
    const voice = prepareVoice(
      config({
        llm_provider: "ollama",
        stt_provider: "whisper",
        tts_provider: "openai",
        model: "llama3.2:1b",
        stt_model: "large-v3",
        stt_language: "de",
        tts_model: "gpt-4o-mini-tts",
        tts_voice: "coral",
        tts_base_url: "http://tts.local/v1",
        api_keys: { openai: "sk-file" },
      }),
      { OLLAMA_BASE_URL: "http://gpu:11434/v1", WHISPER_BASE_URL: "http://whisper:8000/v1" },
    );
    expect(voice.services).toEqual({
      llm: { provider: "ollama", model: "llama3.2:1b", baseURL: "http://gpu:11434/v1" },
      stt: { provider: "whisper", model: "large-v3", baseURL: "http://whisper:8000/v1", language: "de", apiKey: "sk-file" },
      tts: { provider: "openai", model: "gpt-4o-mini-tts", baseURL: "http://tts.local/v1", voice: "coral", apiKey: "sk-file" },
    });
  });
});

describe("prepareVoice: problems, all in one error", () => {
  it("a missing key names api_keys.<name> and the environment variable, once per provider", () => {
    expect(problemsOf({ provider: "openai" })).toEqual([
      'STT, LLM and TTS provider "openai" needs an API key: set api_keys.openai in the config file or set the OPENAI_API_KEY environment variable',
    ]);
    expect(() => prepareVoice(config({ provider: "openai" }), {})).toThrow(/OPENAI_API_KEY/);
  });

  it("an empty key counts as missing", () => {
    expect(problemsOf({ provider: "groq", api_keys: { groq: "  " } }, { GROQ_API_KEY: "" })).toHaveLength(1);
  });

  it("unknown providers, roles a provider lacks, models without default, and missing keys", () => {
    expect(problemsOf({ llm_provider: "inworld", stt_provider: "grok", tts_provider: "elevenlabs" })).toEqual([
      'provider "grok" has no STT service over the OpenAI API (it offers: LLM): set stt_provider to one that does',
      'LLM provider "inworld" has no default model: set model',
      'TTS provider "elevenlabs" is not supported (TTS providers: openai, groq)',
      'LLM provider "inworld" needs an API key: set api_keys.inworld in the config file or set the INWORLD_API_KEY environment variable',
    ]);
  });

  it("one provider unknown in several roles is one problem", () => {
    const problems = problemsOf({ provider: "acme" });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^STT, LLM and TTS provider "acme" is not supported \(providers: openai, groq, /);
  });

  it('a file-based STT with turn_detection "none" would never get a turn to transcribe', () => {
    const problems = problemsOf({ provider: "openai", turn_detection: "none" }, { OPENAI_API_KEY: "sk" });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^turn_detection is "none", but speech-to-text "openai" \(whisper-1\) transcribes whole files/);
  });

  it("the error message lists every problem on its own line", () => {
    expect(() => prepareVoice(config({ provider: "grok" }), {})).toThrow(
      /^the voice pipeline cannot start \(3 problems\):\n  - provider "grok" has no STT .*\n  - provider "grok" has no TTS .*\n  - LLM provider "grok" needs an API key: set api_keys\.xai in the config file or set the XAI_API_KEY environment variable$/,
    );
  });
});

describe("withPluginDefaults", () => {
  const turns = prepareVoice(config({}), {});

  it("adds echo's source under the config's own plugin options", () => {
    const merged = withPluginDefaults(config({ plugin_options: { logger: { level: "info" } } }), turns);
    expect(merged.plugin_options).toEqual({ logger: { level: "info" }, echo: { source: "turn" } });
  });

  it("the config's own options win, and a malformed entry is left for the registry to report", () => {
    expect(withPluginDefaults(config({ plugin_options: { echo: { source: "input" } } }), turns).plugin_options.echo).toEqual({ source: "input" });
    expect(withPluginDefaults(config({ plugin_options: { echo: "turn" } }), turns).plugin_options.echo).toBe("turn");
  });

  it("returns the config itself when the mode needs nothing", () => {
    const plain = config({ turn_detection: "none" });
    expect(withPluginDefaults(plain, prepareVoice(plain, {}))).toBe(plain);
  });
});
