// User-turn START strategies: given a frame that arrived while no user turn is active, does a
// turn begin now? The controller asks every strategy; the first "start" wins. A "reject" drops
// the frame (a transcript that a gate turned down must not reach the LLM as if it were a turn);
// "pass" lets it through untouched.
//
// Strategies that start turns from transcripts (transcription, min_words, wake phrase) need an
// STT that transcribes while the user speaks (streaming, or segmented by VAD). An STT fed only
// the finished turn's audio can never produce the transcript that would open that turn.

import type { Frame } from "../../../frames/index.ts";
import { countWords, transcriptText } from "./transcripts.ts";

export type StartVerdict = "start" | "reject" | "pass";

export interface StartDecisionContext {
  /** Between BotStartedSpeaking and BotStoppedSpeaking. */
  readonly botSpeaking: boolean;
  /** Scheduler time in ms. */
  readonly now: number;
}

export interface UserTurnStartStrategy {
  readonly name: string;
  /** Whether a turn this strategy starts may interrupt the bot (Pipecat's enable_interruptions). */
  readonly interrupts: boolean;
  /** Marks turns it starts as `emulated` (started by a transcript, not by the VAD). */
  readonly emulated?: boolean;
  /** Offered each frame that arrives while no user turn is active. */
  decide(frame: Frame, at: StartDecisionContext): StartVerdict;
  /** A user turn ended, whichever strategy started it. */
  turnEnded?(at: StartDecisionContext): void;
  /** The session was cancelled: forget everything. */
  reset?(): void;
}

export interface InterruptOption {
  /** Turns this strategy starts may interrupt the bot. @defaultValue true */
  readonly interrupts?: boolean;
}

export interface VadStartOptions extends InterruptOption {
  /**
   * Also start turns while the bot speaks. false leaves barge-in to a transcript strategy
   * (min_words): the VAD alone never cuts the bot off. @defaultValue true
   */
  readonly whileBotSpeaks?: boolean;
}

/** A turn starts when the VAD reports speech. */
export function vadStart({ interrupts = true, whileBotSpeaks = true }: VadStartOptions = {}): UserTurnStartStrategy {
  return {
    name: "vad",
    interrupts,
    decide: (frame, at) => (frame.type === "VADUserStartedSpeakingFrame" && (whileBotSpeaks || !at.botSpeaking) ? "start" : "pass"),
  };
}

export interface TranscriptionStartOptions extends InterruptOption {
  /** Interim transcripts start turns too. @defaultValue true */
  readonly useInterim?: boolean;
}

/** A transcript while no turn is active starts one: catches speech the VAD missed. */
export function transcriptionStart({ useInterim = true, interrupts = true }: TranscriptionStartOptions = {}): UserTurnStartStrategy {
  return {
    name: "transcription",
    interrupts,
    emulated: true,
    decide: (frame) => (transcriptText(frame, { interim: useInterim }) !== undefined ? "start" : "pass"),
  };
}

export interface MinWordsStartOptions extends TranscriptionStartOptions {
  /** Words needed while the bot speaks (1 otherwise). */
  readonly minWords: number;
}

/**
 * A transcript starts a turn once it holds `minWords` words — but only while the bot is
 * speaking; otherwise one word is enough. Shorter transcripts during bot speech ("yeah", "mm-hm")
 * are rejected, so backchannels neither cut the bot off nor reach the LLM.
 */
export function minWordsStart({ minWords, useInterim = true, interrupts = true }: MinWordsStartOptions): UserTurnStartStrategy {
  if (!(Number.isInteger(minWords) && minWords >= 1)) throw new RangeError(`min_words must be an integer ≥ 1, got ${minWords}`);
  return {
    name: "min_words",
    interrupts,
    emulated: true,
    decide(frame, at) {
      const text = transcriptText(frame, { interim: useInterim });
      if (text === undefined) return "pass";
      const needed = at.botSpeaking ? minWords : 1;
      return countWords(text) >= needed ? "start" : "reject";
    },
  };
}

export interface WakePhraseStartOptions extends InterruptOption {
  /** Phrases that wake the agent ("hey voxray"); matched case-insensitively on word boundaries. */
  readonly phrases: readonly string[];
  /** How long the agent stays awake after the last user turn ends (ms). @defaultValue 10000 */
  readonly timeoutMs?: number;
  /** Require the phrase again for every turn. @defaultValue false */
  readonly singleActivation?: boolean;
}

/**
 * Asleep, only a transcript containing a wake phrase starts a turn; other transcripts are
 * rejected. The phrase wakes the agent: while awake, VAD speech and any transcript start turns
 * as usual. It falls asleep `timeoutMs` after the end of the last user turn (or right after the
 * turn with `singleActivation`).
 */
export function wakePhraseStart({ phrases, timeoutMs = 10_000, singleActivation = false, interrupts = true }: WakePhraseStartOptions): UserTurnStartStrategy {
  const patterns = phrases.map(phrasePattern).filter((p): p is RegExp => p !== undefined);
  if (patterns.length === 0) throw new RangeError("wake phrase strategy needs at least one phrase with a word in it");
  let awakeUntil = -Infinity;
  return {
    name: "wake_phrase",
    interrupts,
    decide(frame, at) {
      const text = transcriptText(frame);
      if (text !== undefined && patterns.some((p) => p.test(text))) {
        awakeUntil = at.now + timeoutMs;
        return "start";
      }
      if (at.now < awakeUntil) return text !== undefined || frame.type === "VADUserStartedSpeakingFrame" ? "start" : "pass";
      return text !== undefined ? "reject" : "pass";
    },
    turnEnded(at) {
      awakeUntil = singleActivation ? -Infinity : at.now + timeoutMs;
    },
    reset() {
      awakeUntil = -Infinity;
    },
  };
}

/**
 * Turns driven from outside: a UserStartedSpeakingFrame arriving from upstream (a push-to-talk
 * client, an STT service with its own turn detection) starts the turn. It passes on as it is.
 */
export function externalStart({ interrupts = true }: InterruptOption = {}): UserTurnStartStrategy {
  return {
    name: "external",
    interrupts,
    decide: (frame) => (frame.type === "UserStartedSpeakingFrame" ? "start" : "pass"),
  };
}

/** "Hey, Voxray!" matches "hey voxray" but "heyvoxray" and "they voxrays" do not. */
function phrasePattern(phrase: string): RegExp | undefined {
  const words = phrase.toLowerCase().match(/[\p{L}\p{N}']+/gu);
  if (!words) return undefined;
  const body = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("[^\\p{L}\\p{N}]+");
  return new RegExp(`(?<![\\p{L}\\p{N}])${body}(?![\\p{L}\\p{N}])`, "iu");
}
