// Heard text: which of the bot's words the user actually heard.
//
// The TTS processor announces each sentence with a TTSTextFrame and then sends its audio. Output
// audio is played at real time from the moment the transport reports BotStartedSpeaking, so at
// any instant
//
//   played = min(audio sent, audio played before the current run + (now − run started))
//
// and every sentence sits on the same timeline: [start, start + its audio). When the user
// interrupts, a sentence counts in full when its audio has all played, not at all when none has,
// and otherwise by the words it has played to their end: from the provider's word timings when
// it gives them, else in proportion (a sentence of 10 words cut at 40 % of its audio keeps 4).
// Text sent without audio (skip_tts) was delivered at once and always counts.
//
// This module only does the bookkeeping; assistantContextAggregator.ts wires it to frames.

import type { ChatMessage } from "../../frames/index.ts";

/** Frame metadata key under which the TTS processor attaches word timings to an audio frame. */
export const WORD_TIMINGS_KEY = "word_timings";

export interface HeardWordTiming {
  readonly word: string;
  /** Offset from the start of the sentence's audio. */
  readonly start_ms: number;
}

interface SpeechPart {
  readonly kind: "speech";
  readonly text: string;
  /** False for sentences spoken but kept out of the context (TTSSpeakFrame append_to_context false). */
  readonly inContext: boolean;
  /** Position of its first sample on the playback timeline. */
  readonly startMs: number;
  durationMs: number;
  readonly words: HeardWordTiming[];
}

interface TextPart {
  readonly kind: "text";
  text: string;
}

type Part = SpeechPart | TextPart;

export interface TrackedResponse {
  readonly parts: Part[];
  ended: boolean;
  /** Where its audio ends on the timeline, once ended. */
  endMs: number;
  /** The message its full text was committed as, once ended. */
  committed?: ChatMessage;
}

export interface HeardTextTracker {
  /** A new bot response begins (LLMFullResponseStart, or TTSStarted outside one). */
  startResponse(): TrackedResponse;
  /** The response currently receiving text and audio, if any. */
  readonly current: TrackedResponse | undefined;
  /** A sentence is about to be spoken (TTSTextFrame). */
  sentence(text: string, inContext?: boolean): void;
  /** Output audio was sent; it belongs to the last sentence. */
  audio(durationMs: number, words?: readonly HeardWordTiming[]): void;
  /** Text delivered without audio (skip_tts): counts as heard at once. */
  text(text: string): void;
  /** The current response is complete; returns its whole text ("" when nothing was said). */
  endResponse(): { response: TrackedResponse; text: string } | undefined;
  botStarted(nowMs: number): void;
  botStopped(nowMs: number): void;
  /** Audio played so far on the timeline. */
  playedMs(nowMs: number): number;
  /** Responses not yet fully played, with the text heard of each; then forgets everything. */
  interrupt(nowMs: number): { response: TrackedResponse; heard: string }[];
  /** Forgets responses whose audio has all played (call on any event; cheap). */
  prune(nowMs: number): void;
  /** Forgets everything (CancelFrame). */
  reset(): void;
  readonly tracked: readonly TrackedResponse[];
}

export function heardTextTracker(): HeardTextTracker {
  let responses: TrackedResponse[] = [];
  let current: TrackedResponse | undefined;
  // The playback timeline: audio sent, audio known played, and the running playback's start.
  let sentMs = 0;
  let playedBaseMs = 0;
  let speakingSince: number | null = null;

  const playedMs = (now: number): number => {
    const running = speakingSince === null ? 0 : Math.max(0, now - speakingSince);
    return Math.min(sentMs, playedBaseMs + running);
  };

  const lastSpeech = (): SpeechPart | undefined => {
    const last = current?.parts.at(-1);
    return last?.kind === "speech" ? last : undefined;
  };

  const resetTimeline = (): void => {
    responses = [];
    current = undefined;
    sentMs = 0;
    playedBaseMs = 0;
    speakingSince = null;
  };

  const tracker: HeardTextTracker = {
    startResponse() {
      current = { parts: [], ended: false, endMs: 0 };
      responses.push(current);
      return current;
    },
    get current() {
      return current;
    },
    sentence(text, inContext = true) {
      const response = current ?? tracker.startResponse();
      response.parts.push({ kind: "speech", text, inContext, startMs: sentMs, durationMs: 0, words: [] });
    },
    audio(durationMs, words) {
      const part = lastSpeech();
      if (part) {
        part.durationMs += durationMs;
        if (words) part.words.push(...words);
      }
      sentMs += durationMs;
    },
    text(text) {
      const response = current ?? tracker.startResponse();
      const last = response.parts.at(-1);
      if (last?.kind === "text") last.text += text;
      else response.parts.push({ kind: "text", text });
    },
    endResponse() {
      const response = current;
      if (!response) return undefined;
      current = undefined;
      response.ended = true;
      response.endMs = sentMs;
      return { response, text: joinParts(response.parts, (part) => fullText(part)) };
    },
    botStarted(now) {
      speakingSince ??= now;
    },
    botStopped() {
      // The transport stops when everything it was given has played out.
      playedBaseMs = sentMs;
      speakingSince = null;
    },
    playedMs,
    interrupt(now) {
      const played = playedMs(now);
      const out = responses
        .filter((r) => !(r.ended && r.endMs <= played))
        .map((response) => ({ response, heard: joinParts(response.parts, (part) => heardText(part, played)) }));
      resetTimeline();
      return out;
    },
    prune(now) {
      const played = playedMs(now);
      responses = responses.filter((r) => !(r.ended && r.endMs <= played));
    },
    reset: resetTimeline,
    get tracked() {
      return responses;
    },
  };
  return tracker;
}

/** A part's text on normal completion. A sentence that produced no audio was never heard. */
function fullText(part: Part): string {
  if (part.kind === "text") return part.text;
  return part.inContext && part.durationMs > 0 ? part.text : "";
}

/** The words of `part` the user heard when `played` ms of the timeline had played. */
export function heardText(part: Part, played: number): string {
  if (part.kind === "text") return part.text;
  if (!part.inContext || part.durationMs <= 0) return "";
  const elapsed = played - part.startMs;
  if (elapsed >= part.durationMs) return part.text;
  if (elapsed <= 0) return "";
  const words = part.text.split(/\s+/u).filter((w) => w !== "");
  const count = part.words.length > 0 ? wordsPlayedByTimings(part.words, elapsed, part.durationMs) : Math.floor((words.length * elapsed) / part.durationMs);
  return words.slice(0, Math.min(count, words.length)).join(" ");
}

/** Words played to their end: a word ends where the next one starts (the last, at the audio's end). */
function wordsPlayedByTimings(timings: readonly HeardWordTiming[], elapsed: number, durationMs: number): number {
  const sorted = [...timings].sort((a, b) => a.start_ms - b.start_ms);
  let count = 0;
  for (let i = 0; i < sorted.length; i++) {
    const end = sorted[i + 1]?.start_ms ?? durationMs;
    if (end <= elapsed) count++;
    else break;
  }
  return count;
}

/** Sentences are separated by a space; delivered text keeps its own spacing. */
function joinParts(parts: readonly Part[], textOf: (part: Part) => string): string {
  return parts
    .map((part) => textOf(part).trim())
    .filter((t) => t !== "")
    .join(" ");
}
