// turnTaking: the whole turn-taking front of a voice session, as one processor:
//
//   vad (speech edges) → user_turn (turns, barge-in, idle) → turn_audio (one frame per turn)
//
// Input audio passes through all three untouched (unless `consumeInputAudio`); what they add downstream is VAD frames,
// User{Started,Stopped}SpeakingFrame, InterruptionFrame, UserIdleFrame and one AudioRawFrame per
// finished turn (for an STT that transcribes whole turns, or the echo plugin). Upstream they
// add the User* and Interruption siblings.
//
// With detection "none" there is no VAD: a client (push-to-talk) reports the turns with its own
// User{Started,Stopped}SpeakingFrame, and barge-in, idle and the turn audio follow those.

import type { ProcessorContext } from "../../../pipeline/context.ts";
import { filter } from "rxjs";
import type { Frame } from "../../../frames/index.ts";
import { pipeline } from "../../../pipeline/pipeline.ts";
import { processor, type Processor } from "../../../pipeline/processor.ts";
import { vadProcessor, type StreamVad } from "../vadProcessor.ts";
import { turnAudioProcessor, type TurnAudioOptions } from "./turnAudio.ts";
import { userTurnProcessor, type UserTurnOptions } from "./userTurnProcessor.ts";
import { vadAnalyzerFactory, type VadSettings } from "./vadFactory.ts";
import { turnOptionsFromConfig, type TurnConfig } from "./turnConfig.ts";

export type TurnDetection = "vad" | "silence" | "none";

export interface TurnTakingOptions {
  readonly detection: TurnDetection;
  /** Which VAD to build per stream (ignored with `analyzer` or detection "none"). */
  readonly vad: VadSettings;
  /** A ready VAD for the session instead of building one (specs script it). */
  readonly analyzer?: StreamVad;
  /** Forced VAD stop when audio stops arriving mid-speech (ms). @defaultValue 1000 */
  readonly audioIdleTimeoutMs?: number;
  readonly userTurn: UserTurnOptions;
  readonly audio: TurnAudioOptions;
  /**
   * Drop input audio once turn taking has used it. Set when nothing further down needs the
   * live microphone (an STT that transcribes whole turns): at 50 frames a second per session,
   * carrying audio through a dozen more processors was ~20 % of the inbound path's CPU.
   * @defaultValue false
   */
  readonly consumeInputAudio?: boolean;
}

export function turnTaking(ctx: ProcessorContext, options: TurnTakingOptions): Processor {
  const stages: Processor[] = [];
  if (options.detection !== "none") {
    if (options.analyzer) {
      stages.push(vadProcessor(ctx, { analyzer: options.analyzer, audioIdleTimeoutMs: options.audioIdleTimeoutMs }));
    } else {
      const factory = vadAnalyzerFactory(options.vad);
      stages.push(
        vadProcessor(ctx, {
          createAnalyzer: (format) => factory.create(format),
          setup: () => factory.setup(),
          audioIdleTimeoutMs: options.audioIdleTimeoutMs,
        }),
      );
    }
  }
  stages.push(userTurnProcessor(ctx, options.userTurn), turnAudioProcessor(ctx, options.audio));
  if (options.consumeInputAudio) {
    stages.push(processor("input_audio_sink", () => ({ down: filter((f: Frame) => f.type !== "InputAudioRawFrame") })));
  }
  return pipeline("turn_taking", stages);
}

/** The turn-taking front for a session, from its config (shape of the server's SessionStage). */
export function turnTakingStage(ctx: ProcessorContext, config: TurnConfig): readonly Processor[] {
  return [turnTaking(ctx, turnOptionsFromConfig(config))];
}
