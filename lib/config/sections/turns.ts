// Turn-taking, VAD and interruption keys. Durations keep the Go original's `_secs` / `_ms`
// names. Defaults follow Pipecat's tuned values (pipecat-protocols §2) where the Go
// original's were bugs or placeholders.

import { z } from "zod";
import { flag, fraction, integer, seconds } from "../schemaHelpers.ts";

export const TURN_DETECTIONS = ["none", "silence", "vad"] as const;
export const VAD_TYPES = ["silero", "energy"] as const;
export const INTERRUPTION_STRATEGIES = ["none", "min_words"] as const;

export const turnShape = {
  turn_detection: z
    .enum(["", ...TURN_DETECTIONS])
    .default("vad")
    .transform((v) => (v === "" ? "none" : v))
    .describe(
      'How the server decides the user has finished speaking. "vad": the VAD chosen by vad_type judges speech, and the turn ends after turn_stop_secs without speech. "silence": the same with a plain energy detector (vad_threshold). "none": no server-side turn detection; the client ends turns (push-to-talk, text clients).',
    ),
  // 0.8 s = Pipecat's VAD stop (0.2 s) + speech timeout (0.6 s). The Go default of 3 s felt
  // like a broken agent in conversation.
  turn_stop_secs: seconds(0.8, "Silence after the user's last speech that ends the turn."),
  turn_pre_speech_ms: z
    .number()
    .min(0)
    .default(500)
    .describe("Audio from just before the detected start of speech that is kept and sent with the turn, so the first syllable is not clipped."),
  // The Go default (8 s) would cut ordinary long questions; 30 s still bounds an open mic.
  turn_max_duration_secs: seconds(30, "Longest user turn: a turn still going after this long is ended. 0 = no limit."),
  vad_start_secs: seconds(
    0,
    "Speech kept before the VAD's start event (the VAD reports speech only after vad_start_secs_vad of it). 0 = vad_start_secs_vad.",
  ),
  vad_threshold: fraction(
    0.02,
    'Energy detector: RMS level (fraction of full scale) above which audio counts as speech. Used by turn_detection "silence" and vad_type "energy".',
  ),
  turn_async: flag(false, "Accepted for compatibility with Go configs. Turn analysis never blocks the audio path here."),
  user_turn_stop_timeout_secs: seconds(
    5,
    "Watchdog: a user turn that no stop rule has ended (e.g. no transcript came) is ended this long after the user last spoke. 0 = off.",
  ),
  user_idle_timeout_secs: seconds(0, "After the bot stops speaking, report the user idle when they say nothing for this long. 0 = off."),
  vad_type: z
    .enum(VAD_TYPES)
    .default("silero")
    .describe('Voice activity detector: "silero" (neural, robust to noise) or "energy" (RMS level, no model).'),
  vad_confidence: fraction(0.7, "Speech probability at or above which an audio window counts as speech."),
  vad_start_secs_vad: seconds(0.2, "Speech needed before the VAD reports that the user started speaking."),
  vad_stop_secs: seconds(0.2, "Silence needed before the VAD reports that the user stopped speaking."),
  vad_min_volume: fraction(0.6, "Smoothed loudness (0..1) below which audio never counts as speech, so quiet background voices are ignored."),
  // On by default: people expect to be able to talk over a voice agent.
  allow_interruptions: flag(
    true,
    "Let the user barge in: each new user turn stops the bot at once, drops its queued audio, and drops an answer to the previous turn still being prepared.",
  ),
  interruption_strategy: z
    .enum(["", "keyword", ...INTERRUPTION_STRATEGIES])
    .default("none")
    .transform((v) => (v === "" ? "none" : v === "keyword" ? "min_words" : v))
    .describe(
      '"none": any user speech interrupts the bot. "min_words": while the bot speaks, the user must say at least min_words words first (coughs and "mm-hm" do not cut it off). "keyword" is read as "min_words", as in the Go original.',
    ),
  min_words: integer(1, 1, 'Words the user must say to interrupt, with interruption_strategy "min_words".'),
  false_interruption_timeout_secs: seconds(
    2,
    "When an interruption brings no transcript within this long after its turn ends (a cough, a door), the bot resumes what it was saying, or gives the answer the noise cut before it was heard. 0 = never resume.",
  ),
};
