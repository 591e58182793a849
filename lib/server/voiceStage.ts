// What the config puts in front of the plugins of every session, checked once at start-up.
//
//   provider or llm_provider set       → "voice":  turn taking → STT → LLM → TTS (voicePipeline),
//                                         with fresh service clients per session
//   no provider, turn_detection on     → "turns":  turn taking only; the echo plugin echoes each
//                                         finished turn (plugin_options.echo.source = "turn")
//   no provider, turn_detection "none" → "plugins": nothing; echo plays the microphone back live
//
// prepareVoice() resolves every service (provider, model, base URL, API key) before the server
// accepts a connection and throws ONE VoiceConfigError listing every problem: a missing key
// (naming `api_keys.<name>` and the environment variable), an unknown provider, a provider that
// does not offer the role, a role with no model, and a file-based STT with turn_detection
// "none" (nothing would ever end a user turn, so nothing would be transcribed).
//
// Wiring it into serve(), before prepareSessionPipeline:
//
//   const voice = prepareVoice(config);
//   const effective = withPluginDefaults(config, voice);        // echo → source "turn"
//   prepareSessionPipeline(effective, { registry, before: [...voice.stages, ...extra] });
//
// and, when `plugins` is empty, run `voice.defaultPlugins` instead of DEFAULT_PLUGINS: in voice
// mode that is none (echo after the voice pipeline would play the user's microphone back over
// the bot's answer).

import { effectiveProviders, listRoles, resolveApiKey, resolveBaseUrl, voiceEnabled, type ServiceRole } from "../config/apiKeys.ts";
import { isPlainObject } from "../config/unknownKeys.ts";
import { providerSpec } from "../config/providerKeys.ts";
import type { Env } from "../config/envOverrides.ts";
import type { VoxrayConfig } from "../config/schema.ts";
import type { ProcessorContext } from "../pipeline/context.ts";
import type { Processor } from "../pipeline/processor.ts";
import { turnTaking, turnTakingStage } from "../processors/voice/turn/turnTaking.ts";
import { turnOptionsFromConfig } from "../processors/voice/turn/turnConfig.ts";
import { voicePipeline, voicePipelineProblem } from "../processors/voice/voicePipeline.ts";
import {
  createLLMService,
  createSTTService,
  createTTSService,
  findProvider,
  needsApiKey,
  OPENAI_COMPATIBLE_PROVIDERS,
  providerFor,
  resolveBaseURL,
  type LLMServiceSpec,
  type ProviderEntry,
  type STTServiceSpec,
  type TTSServiceSpec,
} from "../services/providers.ts";
import type { SessionStage } from "./sessionPipeline.ts";

export type VoiceMode = "voice" | "turns" | "plugins";

/** Service specs as resolved at start-up: every session builds its own clients from them. */
export interface VoiceServices {
  readonly stt: STTServiceSpec & { readonly model: string; readonly baseURL: string };
  readonly llm: LLMServiceSpec & { readonly model: string; readonly baseURL: string };
  readonly tts: TTSServiceSpec & { readonly model: string; readonly baseURL: string };
}

export interface PreparedVoice {
  readonly mode: VoiceMode;
  /** Stages for the session pipeline, after the RTVI head and before the plugins. */
  readonly stages: readonly SessionStage[];
  /** Plugin options this mode needs; the config's own `plugin_options` win, key by key. */
  readonly pluginOptionDefaults: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** The plugins to run when the config lists none: echo, except in voice mode. */
  readonly defaultPlugins: readonly string[];
  /** Present in voice mode. */
  readonly services?: VoiceServices;
  /** One line for the start-up log, without secrets. */
  readonly summary: string;
}

export class VoiceConfigError extends Error {
  override readonly name = "VoiceConfigError";
  constructor(readonly problems: readonly string[]) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(`the voice pipeline cannot start (${count}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

const ROLES: readonly ServiceRole[] = ["stt", "llm", "tts"];
const LABEL: Readonly<Record<ServiceRole, string>> = { stt: "STT", llm: "LLM", tts: "TTS" };
const MODEL_KEY: Readonly<Record<ServiceRole, "stt_model" | "model" | "tts_model">> = { stt: "stt_model", llm: "model", tts: "tts_model" };

/** Checks the voice configuration and returns what every session runs; throws VoiceConfigError. */
export function prepareVoice(config: VoxrayConfig, env: Env = process.env): PreparedVoice {
  const detectsTurns = config.turn_detection !== "none";
  if (!voiceEnabled(config)) {
    if (!detectsTurns) return { mode: "plugins", stages: [], pluginOptionDefaults: {}, defaultPlugins: ["echo"], summary: "plugin pipeline" };
    return {
      mode: "turns",
      stages: [turnTakingStage],
      pluginOptionDefaults: { echo: { source: "turn" } },
      defaultPlugins: ["echo"],
      summary: `turn taking (${config.turn_detection}) → plugins`,
    };
  }

  const services = resolveServices(config, env);
  const language = config.stt_language;
  const systemPrompt = config.system_prompt;
  const stage: SessionStage = (ctx: ProcessorContext, sessionConfig: VoxrayConfig): readonly Processor[] => {
    const stt = createSTTService(services.stt);
    return [
      voicePipeline(ctx, {
        stt,
        llm: createLLMService(services.llm),
        tts: createTTSService(services.tts),
        systemPrompt,
        // Built per session: start strategies may keep state (a wake phrase's awake window).
        // An STT that takes whole turns needs no live audio past turn taking.
        turnTaking: turnTaking(ctx, { ...turnOptionsFromConfig(sessionConfig), consumeInputAudio: !stt.streaming }),
        ...(language ? { language } : {}),
      }),
    ];
  };
  const { stt, llm, tts } = services;
  return {
    mode: "voice",
    stages: [stage],
    pluginOptionDefaults: {},
    defaultPlugins: [],
    services,
    summary:
      `voice pipeline: turn taking (${config.turn_detection}) → STT ${stt.provider} (${stt.model}) → ` +
      `LLM ${llm.provider} (${llm.model}) → TTS ${tts.provider} (${tts.model}${tts.voice ? `, voice ${tts.voice}` : ""})`,
  };
}

/** The config with `prepared.pluginOptionDefaults` under its own plugin_options. */
export function withPluginDefaults(config: VoxrayConfig, prepared: PreparedVoice): VoxrayConfig {
  const entries = Object.entries(prepared.pluginOptionDefaults);
  if (entries.length === 0) return config;
  const merged: Record<string, unknown> = { ...config.plugin_options };
  for (const [name, defaults] of entries) {
    const own = merged[name];
    // Anything but an options object is left as it is, for the plugin registry to report.
    if (own === undefined) merged[name] = { ...defaults };
    else if (isPlainObject(own)) merged[name] = { ...defaults, ...own };
  }
  return { ...config, plugin_options: merged };
}

function resolveServices(config: VoxrayConfig, env: Env): VoiceServices {
  const providers = effectiveProviders(config);
  const problems: string[] = [];
  const unknown = new Map<string, ServiceRole[]>();
  const missingKeys = new Map<ProviderEntry, ServiceRole[]>();
  const resolved: Partial<Record<ServiceRole, ResolvedRole>> = {};

  for (const role of ROLES) {
    const name = providers[role];
    if (findProvider(name) === undefined) {
      unknown.set(name, [...(unknown.get(name) ?? []), role]);
      continue;
    }
    let entry: ProviderEntry;
    try {
      entry = providerFor(name, role);
    } catch (error) {
      problems.push(`${(error as Error).message}: set ${role}_provider to one that does`);
      continue;
    }
    const apiKey = resolveApiKey(config, entry.key, env);
    // `<role>_base_url`, then the provider's base-URL variable, then its public endpoint.
    const baseURL = resolveBaseUrl(config, role, env) ?? resolveBaseURL(entry, env);
    if (apiKey === undefined && needsApiKey(entry, baseURL)) missingKeys.set(entry, [...(missingKeys.get(entry) ?? []), role]);
    const model = (config[MODEL_KEY[role]] ?? defaultModel(entry, role))?.trim();
    if (!model) problems.push(`${LABEL[role]} provider "${entry.key}" has no default model: set ${MODEL_KEY[role]}`);
    resolved[role] = {
      provider: entry.key,
      model: model ?? "",
      baseURL,
      ...(apiKey !== undefined ? { apiKey } : {}),
    };
  }
  for (const [name, roles] of unknown) {
    const only = roles.length === 1 ? roles[0] : undefined;
    const known = OPENAI_COMPATIBLE_PROVIDERS.filter((p) => only === undefined || p[only] !== undefined).map((p) => p.key);
    problems.push(`${listRoles(roles)} provider "${name}" is not supported (${only ? `${LABEL[only]} ` : ""}providers: ${known.join(", ")})`);
  }
  for (const [entry, roles] of missingKeys) problems.push(missingKeyProblem(entry, roles));

  const { stt, llm, tts } = resolved;
  if (problems.length > 0 || !stt || !llm || !tts) throw new VoiceConfigError(problems);
  const services: VoiceServices = {
    stt: { ...stt, ...(config.stt_language ? { language: config.stt_language } : {}) },
    llm,
    tts: { ...tts, ...(config.tts_voice ? { voice: config.tts_voice } : {}) },
  };

  // Build each client once now, so whatever the factories still refuse is a start-up error
  // too, and not one per session.
  try {
    const sttService = createSTTService(services.stt);
    createLLMService(services.llm);
    createTTSService(services.tts);
    const noTurns = config.turn_detection === "none" ? voicePipelineProblem({ stt: sttService }) : undefined;
    if (noTurns) problems.push(`turn_detection is "none", but ${noTurns}`);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (problems.length > 0) throw new VoiceConfigError(problems);
  return services;
}

interface ResolvedRole {
  readonly provider: string;
  readonly model: string;
  readonly baseURL: string;
  readonly apiKey?: string;
}

function defaultModel(entry: ProviderEntry, role: ServiceRole): string | undefined {
  return role === "llm" ? entry.llm?.model : role === "stt" ? entry.stt?.model : entry.tts?.model;
}


function missingKeyProblem(entry: ProviderEntry, roles: readonly ServiceRole[]): string {
  const spec = providerSpec(entry.key);
  const keyNames = spec.keyNames.length > 0 ? spec.keyNames : [entry.apiKeyName];
  const envVars = spec.envVars.length > 0 ? spec.envVars : entry.apiKeyEnv;
  const fallback = entry.apiKeyFallback ? findProvider(entry.apiKeyFallback) : undefined;
  const places = [`set api_keys.${keyNames[0]} in the config file`, `set the ${envVars.join(" or ")} environment variable`];
  if (fallback) places.push(`set api_keys.${fallback.apiKeyName} or ${fallback.apiKeyEnv.join(" or ")} (used when ${entry.key} has no key of its own)`);
  return `${listRoles(roles)} provider "${entry.key}" needs an API key: ${places.join(" or ")}`;
}
