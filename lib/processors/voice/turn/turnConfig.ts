// Config keys → turn-taking options. Takes a plain object with the config's snake_case keys
// (a validated VoxrayConfig, or a partial one in tests); a missing key gets the schema's
// default (lib/config/sections/turns.ts).
//
//   turn_detection "vad"      VAD = vad_type (Silero by default)
//                  "silence"  VAD = energy detector with vad_threshold
//                  "none"     no VAD: the client's User{Started,Stopped}SpeakingFrame drive turns
//   turn_stop_secs            silence after the last speech that ends the turn (silenceStop:
//                             the VAD's own stop window counts towards it)
//   turn_pre_speech_ms        audio before the onset kept in the turn's AudioRawFrame
//   turn_max_duration_secs    turns are cut (and, if speech goes on, continued) at this length
//   vad_start_secs            speech kept before the VAD start event (0 = the measured lag)
//   user_turn_stop_timeout_secs, user_idle_timeout_secs, false_interruption_timeout_secs
//   vad_confidence, vad_start_secs_vad, vad_stop_secs, vad_min_volume → VAD params
//   allow_interruptions       ANDed with StartFrame.allow_interruptions
//   interruption_strategy "min_words" + min_words:
//                             while the bot speaks, a turn starts only from a transcript of
//                             ≥ min_words words (VAD alone cannot interrupt); while it is
//                             silent, the VAD starts turns as usual. Needs an STT that
//                             transcribes during speech (streaming or VAD-segmented).

import type { VoxrayConfig } from "../../../config/schema.ts";
import { minWordsStart, externalStart, transcriptionStart, vadStart, type UserTurnStartStrategy } from "./startStrategies.ts";
import { externalStop, silenceStop, type UserTurnStopStrategy } from "./stopStrategies.ts";
import type { TurnDetection, TurnTakingOptions } from "./turnTaking.ts";

type TurnConfigKey =
  | "turn_detection"
  | "turn_stop_secs"
  | "turn_pre_speech_ms"
  | "turn_max_duration_secs"
  | "vad_start_secs"
  | "vad_threshold"
  | "user_turn_stop_timeout_secs"
  | "user_idle_timeout_secs"
  | "vad_type"
  | "vad_confidence"
  | "vad_start_secs_vad"
  | "vad_stop_secs"
  | "vad_min_volume"
  | "allow_interruptions"
  | "interruption_strategy"
  | "min_words"
  | "false_interruption_timeout_secs";

/** The turn-taking keys of a config; any may be missing. Strategy names are read leniently ("", "keyword"). */
export type TurnConfig = Partial<Omit<Pick<VoxrayConfig, TurnConfigKey>, "turn_detection" | "interruption_strategy">> & {
  readonly turn_detection?: string;
  readonly interruption_strategy?: string;
};

export function turnOptionsFromConfig(config: TurnConfig): TurnTakingOptions {
  const secs = (value: number | undefined, fallback: number): number => (value ?? fallback) * 1000;
  const detection = detectionOf(config.turn_detection);
  const minWords = config.interruption_strategy === "min_words" || config.interruption_strategy === "keyword" ? (config.min_words ?? 1) : undefined;
  const maxDurationMs = secs(config.turn_max_duration_secs, 30);
  const vadStartSecs = config.vad_start_secs ?? 0;

  let start: UserTurnStartStrategy[];
  let stop: UserTurnStopStrategy[];
  if (detection === "none") {
    start = [externalStart()];
    stop = [externalStop()];
  } else {
    start = minWords !== undefined ? [vadStart({ whileBotSpeaks: false }), minWordsStart({ minWords })] : [vadStart(), transcriptionStart()];
    stop = [silenceStop({ silenceMs: secs(config.turn_stop_secs, 0.8) })];
  }

  return {
    detection,
    vad: {
      type: detection === "silence" ? "energy" : (config.vad_type ?? "silero"),
      params: {
        confidence: config.vad_confidence ?? 0.7,
        start_secs: config.vad_start_secs_vad ?? 0.2,
        stop_secs: config.vad_stop_secs ?? 0.2,
        min_volume: config.vad_min_volume ?? 0.6,
      },
      ...(config.vad_threshold !== undefined ? { energyThreshold: config.vad_threshold } : {}),
    },
    userTurn: {
      start,
      stop,
      // A client-driven turn lasts as long as the client says: no watchdog on its silence.
      stopTimeoutMs: detection === "none" ? 0 : secs(config.user_turn_stop_timeout_secs, 5),
      maxDurationMs,
      allowInterruptions: config.allow_interruptions ?? true,
      falseInterruptionTimeoutMs: secs(config.false_interruption_timeout_secs, 2),
      userIdleTimeoutMs: secs(config.user_idle_timeout_secs, 0),
    },
    audio: {
      preSpeechMs: config.turn_pre_speech_ms ?? 500,
      maxDurationMs,
      ...(vadStartSecs > 0 ? { vadStartKeepMs: vadStartSecs * 1000 } : {}),
    },
  };
}

function detectionOf(value: string | undefined): TurnDetection {
  if (value === undefined) return "vad";
  if (value === "" || value === "none") return "none";
  if (value === "vad" || value === "silence") return value;
  throw new RangeError(`turn_detection must be "vad", "silence" or "none", got ${JSON.stringify(value)}`);
}
