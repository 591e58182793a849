// The session stage the bench server runs: the server's own voice stage, exactly as serve()
// builds it from a voice config (lib/server/voiceStage.ts prepareVoice: Silero turn taking that
// keeps the microphone to itself → STT → user context → LLM → TTS → assistant context, service
// clients resolved from the config), with the bench probes around it:
//
//   inputProbe → [ the server's voice stage ] → decisionProbe → tailProbe
//
// The decision probe sits after the whole stage, not inside it: the end-of-turn and barge-in
// decisions are system frames, which every processor passes on in the same synchronous call
// that made them, so the probe still stamps the moment of the decision.

import type { VoxrayConfig } from "../../../lib/config/schema.ts";
import type { ProcessorContext } from "../../../lib/pipeline/context.ts";
import type { Processor } from "../../../lib/pipeline/processor.ts";
import type { SessionStage } from "../../../lib/server/sessionPipeline.ts";
import { prepareVoice } from "../../../lib/server/voiceStage.ts";
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

export function benchStage(config: VoxrayConfig): SessionStage {
  const voice = prepareVoice(config, {});
  if (voice.mode !== "voice") throw new Error("the bench stage needs a voice config (see standInVoiceConfig)");
  return (ctx: ProcessorContext, sessionConfig: VoxrayConfig): readonly Processor[] => [
    inputProbe(),
    ...voice.stages.flatMap((stage) => stage(ctx, sessionConfig)),
    decisionProbe(ctx),
    tailProbe(ctx),
  ];
}
