// Voice-agent keys: which providers and models, the prompt, the plugin pipeline, keys, tools.
// The voice pipeline (STT → LLM → TTS) runs when `provider` or `llm_provider` is set;
// otherwise the server runs the plugin pipeline named by `plugins` (see apiKeys.ts).

import { z } from "zod";
import { optionalBaseUrl, optionalProvider, optionalText } from "../schemaHelpers.ts";

export const DEFAULT_SYSTEM_PROMPT =
  "You are a helpful voice assistant. Reply briefly and naturally in the same language as the user.";

export const mcpSchema = z
  .object({
    command: z.string().trim().min(1).describe("Program that runs the MCP server over stdio."),
    args: z.array(z.string()).default(() => []).describe("Arguments for the command."),
    tools_filter: z
      .array(z.string())
      .optional()
      .describe("Names of the MCP tools offered to the LLM. Absent = every tool the server lists."),
  })
  .describe("An MCP server whose tools the LLM may call.");

export const voiceShape = {
  provider: optionalProvider(
    "Default provider for speech-to-text, the LLM and text-to-speech (openai, groq, ollama, ...). Setting it turns on the voice pipeline.",
  ),
  model: optionalText("LLM model. Absent = the LLM provider's default model."),
  stt_provider: optionalProvider("Speech-to-text provider. Absent = provider."),
  llm_provider: optionalProvider("LLM provider. Absent = provider. Setting it turns on the voice pipeline."),
  tts_provider: optionalProvider("Text-to-speech provider. Absent = provider."),
  stt_model: optionalText("Speech-to-text model. Absent = the STT provider's default."),
  stt_language: optionalText('Language of the user\'s speech ("en", "hi-IN", ...). Absent = the provider detects it.'),
  tts_model: optionalText("Text-to-speech model. Absent = the TTS provider's default."),
  tts_voice: optionalText("Text-to-speech voice. Absent = the TTS provider's default voice."),
  llm_base_url: optionalBaseUrl("Base URL of the LLM API, replacing the provider's default (self-hosted or proxied endpoints)."),
  stt_base_url: optionalBaseUrl("Base URL of the speech-to-text API, replacing the provider's default."),
  tts_base_url: optionalBaseUrl("Base URL of the text-to-speech API, replacing the provider's default."),
  system_prompt: z
    .string()
    .default(DEFAULT_SYSTEM_PROMPT)
    .describe('System prompt that starts every conversation. "" = no system prompt.'),
  plugins: z
    .array(z.string().trim().min(1))
    .default(() => [])
    .describe('Processors, by registry name, that make up the pipeline when the voice pipeline is off (e.g. ["echo"]).'),
  plugin_options: z
    .record(z.string(), z.unknown())
    .default(() => ({}))
    .describe("Options for each plugin, keyed by plugin name."),
  api_keys: z
    .record(z.string(), z.string())
    .default(() => ({}))
    .describe(
      'Provider API keys by name ("openai", "groq", "xai", ...). An empty or absent entry falls back to the environment variable (OPENAI_API_KEY, ...).',
    ),
  mcp: mcpSchema.optional(),
};
