// The session stage the bench server runs: the voice agent as the server will run it once its
// voice stage is wired, built here from the same parts, with the bench probes around it.
//
//   inputProbe → voicePipeline[ turnTaking (Silero VAD, user turns, turn audio) → decisionProbe,
//                               STT → user context → LLM → TTS → assistant context ] → tailProbe
//
// Services speak the OpenAI wire to the stand-in child. They hold no per-session state, so one
// set per process is shared by every session (`perSessionServices` builds one set per session,
// which costs an `openai` client and its connection pool each).

import type { VoxrayConfig } from "../../../lib/config/schema.ts";
import type { ProcessorContext } from "../../../lib/pipeline/context.ts";
import { pipeline } from "../../../lib/pipeline/pipeline.ts";
import type { Processor } from "../../../lib/pipeline/processor.ts";
import type { SessionStage } from "../../../lib/server/sessionPipeline.ts";
import { turnTakingStage } from "../../../lib/processors/voice/turn/turnTaking.ts";
import { voicePipeline } from "../../../lib/processors/voice/voicePipeline.ts";
import { createLLMService, createSTTService, createTTSService } from "../../../lib/services/providers.ts";
import type { LLMService, STTService, TTSService } from "../../../lib/services/types.ts";
import { decisionProbe, inputProbe, tailProbe } from "./probes.ts";

export interface BenchStageOptions {
  /** The stand-in's base URL, e.g. http://127.0.0.1:41234/v1 */
  readonly baseURL: string;
  readonly perSessionServices?: boolean;
}

interface Services {
  readonly stt: STTService;
  readonly llm: LLMService;
  readonly tts: TTSService;
}

const API_KEY = "sk-bench";

function services(baseURL: string): Services {
  const spec = { provider: "openai", baseURL, apiKey: API_KEY };
  return {
    stt: createSTTService({ ...spec, model: "whisper-1" }),
    llm: createLLMService({ ...spec, model: "gpt-4o-mini" }),
    tts: createTTSService({ ...spec, model: "tts-1", voice: "alloy" }),
  };
}

export function benchStage(options: BenchStageOptions): SessionStage {
  const shared = options.perSessionServices ? undefined : services(options.baseURL);
  return (ctx: ProcessorContext, config: VoxrayConfig): readonly Processor[] => {
    const { stt, llm, tts } = shared ?? services(options.baseURL);
    const turnTaking = pipeline("bench_turn_taking", [...turnTakingStage(ctx, config), decisionProbe(ctx)]);
    return [
      inputProbe(),
      voicePipeline(ctx, { stt, llm, tts, systemPrompt: config.system_prompt, turnTaking }),
      tailProbe(ctx),
    ];
  };
}
