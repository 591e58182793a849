// The session stage the bench server runs: the server's own voice stage (lib/server/voiceStage.ts,
// the one serve() builds from a config with a provider), rebuilt here from the same parts so the
// bench probes can sit inside it:
//
//   inputProbe → voicePipeline[ turnTaking (Silero VAD, user turns, turn audio) → decisionProbe,
//                               STT → user context → LLM → TTS → assistant context ] → tailProbe
//
// Services are resolved by prepareVoice() from the config (provider, models, base URLs pointing
// at the stand-in, key) and, as in the server, each session gets its own clients. With
// `sharedServices` one set of clients serves every session instead (to measure what that saves).

import type { VoxrayConfig } from "../../../lib/config/schema.ts";
import type { ProcessorContext } from "../../../lib/pipeline/context.ts";
import { pipeline } from "../../../lib/pipeline/pipeline.ts";
import type { Processor } from "../../../lib/pipeline/processor.ts";
import type { SessionStage } from "../../../lib/server/sessionPipeline.ts";
import { prepareVoice, type VoiceServices } from "../../../lib/server/voiceStage.ts";
import { turnOptionsFromConfig } from "../../../lib/processors/voice/turn/turnConfig.ts";
import { turnTaking } from "../../../lib/processors/voice/turn/turnTaking.ts";
import { voicePipeline } from "../../../lib/processors/voice/voicePipeline.ts";
import { createLLMService, createSTTService, createTTSService } from "../../../lib/services/providers.ts";
import type { LLMService, STTService, TTSService } from "../../../lib/services/types.ts";
import { decisionProbe, inputProbe, tailProbe } from "./probes.ts";

export const BENCH_API_KEY = "sk-bench";

/** Config keys that point the voice pipeline at the stand-in. */
export function standInVoiceConfig(baseURL: string): Record<string, unknown> {
  return {
    provider: "openai",
    stt_base_url: baseURL,
    llm_base_url: baseURL,
    tts_base_url: baseURL,
    api_keys: { openai: BENCH_API_KEY },
    model: "gpt-4o-mini",
    stt_model: "whisper-1",
    tts_model: "tts-1",
  };
}

interface Services {
  readonly stt: STTService;
  readonly llm: LLMService;
  readonly tts: TTSService;
}

function clients(specs: VoiceServices): Services {
  return { stt: createSTTService(specs.stt), llm: createLLMService(specs.llm), tts: createTTSService(specs.tts) };
}

export function benchStage(config: VoxrayConfig, options: { readonly sharedServices?: boolean } = {}): SessionStage {
  const specs = prepareVoice(config, {}).services;
  if (!specs) throw new Error("the bench stage needs a voice config (see standInVoiceConfig)");
  const shared = options.sharedServices ? clients(specs) : undefined;
  return (ctx: ProcessorContext, sessionConfig: VoxrayConfig): readonly Processor[] => {
    const { stt, llm, tts } = shared ?? clients(specs);
    const turns = pipeline("bench_turn_taking", [turnTaking(ctx, turnOptionsFromConfig(sessionConfig)), decisionProbe(ctx)]);
    return [
      inputProbe(),
      voicePipeline(ctx, {
        stt,
        llm,
        tts,
        systemPrompt: config.system_prompt,
        turnTaking: turns,
        ...(config.stt_language ? { language: config.stt_language } : {}),
      }),
      tailProbe(ctx),
    ];
  };
}
