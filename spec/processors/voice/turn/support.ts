// Helpers for the turn-taking specs: frames as letters, a processor wired to marble inputs,
// scripted VAD detectors (speech by audio time, no ONNX) and audio whose samples say where
// they came from.

import { filter, interval, map, NEVER, take, type Observable, type SchedulerLike } from "rxjs";
import type { RunHelpers, TestScheduler } from "rxjs/testing";
import type { VoiceDetector } from "../../../../lib/audio/vad/detector.ts";
import { audioFrame, counterIds, createFrame, type Frame, type FrameInit, type FrameType } from "../../../../lib/frames/index.ts";
import { createContext, type Logger, type ProcessorContext } from "../../../../lib/pipeline/context.ts";
import type { Processor } from "../../../../lib/pipeline/processor.ts";
import { VAD_LAG_KEY } from "../../../../lib/processors/voice/turn/vadLag.ts";
import { testScheduler } from "../../../support/marbles.ts";

const ids = counterIds(1);
export const make = <K extends FrameType>(type: K, fields: FrameInit<K> = {} as FrameInit<K>): Frame => createFrame(ids, type, fields) as Frame;

/** One letter per frame type, so marbles read as what happened. Input audio is left out. */
const LETTERS: Partial<Record<FrameType, string>> = {
  VADUserStartedSpeakingFrame: "S",
  VADUserStoppedSpeakingFrame: "s",
  UserStartedSpeakingFrame: "U",
  UserStoppedSpeakingFrame: "u",
  InterruptionFrame: "I",
  UserIdleFrame: "z",
  LLMMessagesAppendFrame: "R",
  LLMRunFrame: "r",
  TranscriptionFrame: "T",
  InterimTranscriptionFrame: "t",
  BotStartedSpeakingFrame: "B",
  BotStoppedSpeakingFrame: "b",
  AudioRawFrame: "A",
  StartFrame: "0",
  CancelFrame: "C",
  EndFrame: "E",
  ErrorFrame: "e",
  VADParamsUpdateFrame: "P",
};

export function letter(frame: Frame): string {
  return LETTERS[frame.type] ?? "?";
}

export function letters(frames$: Observable<Frame>): Observable<string> {
  return frames$.pipe(
    filter((f) => f.type !== "InputAudioRawFrame"),
    map(letter),
  );
}

/** Wires a processor to marble inputs; outputs are letters. */
export function wire(p: Processor, down$: Observable<Frame>, up$: Observable<Frame> = NEVER): { down: Observable<string>; up: Observable<string> } {
  const ends = p.link({ down: down$, up: up$ });
  return { down: letters(ends.down), up: letters(ends.up) };
}

export function testContext(scheduler: SchedulerLike): ProcessorContext {
  return createContext({ scheduler, ids: counterIds(10_000) });
}

/** A logger that keeps the `event` of every entry, to see what a processor did and when it stopped. */
export function eventLog(): { log: Logger; events: string[] } {
  const events: string[] = [];
  const record = (obj: object | string): void => {
    if (typeof obj === "object" && "event" in obj) events.push(String((obj as { event: unknown }).event));
  };
  const log: Logger = { debug: record, info: record, warn: record, error: record, child: () => log };
  return { log, events };
}

/** One marble run on a fresh TestScheduler (virtual time starts at 0), with a context on it. */
export function marbles(body: (helpers: RunHelpers, ctx: ProcessorContext, scheduler: TestScheduler) => void): void {
  const scheduler = testScheduler();
  scheduler.run((helpers) => body(helpers, testContext(scheduler), scheduler));
}

/** Input frames by letter for hot()/cold(). VAD frames carry a 200 ms lag (0.2 s windows). */
export function inputs(): Record<string, Frame> {
  const lag = { [VAD_LAG_KEY]: 200 };
  return {
    S: make("VADUserStartedSpeakingFrame", { start_secs: 0.2, metadata: lag }),
    s: make("VADUserStoppedSpeakingFrame", { stop_secs: 0.2, metadata: lag }),
    B: make("BotStartedSpeakingFrame", {}),
    b: make("BotStoppedSpeakingFrame", {}),
    T: transcript("please stop talking now"),
    t: transcript("yeah", false),
    h: transcript("hey voxray what time is it"),
    w: transcript("what time is it"),
    U: make("UserStartedSpeakingFrame", {}),
    u: make("UserStoppedSpeakingFrame", {}),
    C: make("CancelFrame", { reason: "test" }),
    E: make("EndFrame", {}),
    0: make("StartFrame", { audio_in_sample_rate: 16000, audio_out_sample_rate: 24000, allow_interruptions: true, enable_metrics: false, enable_usage_metrics: false }),
    n: make("StartFrame", { audio_in_sample_rate: 16000, audio_out_sample_rate: 24000, allow_interruptions: false, enable_metrics: false, enable_usage_metrics: false }),
  };
}

export function transcript(text: string, final = true): Frame {
  const fields = { text, user_id: "u", timestamp: "2026-01-01T00:00:00Z", finalized: final };
  return final ? make("TranscriptionFrame", fields) : make("InterimTranscriptionFrame", fields);
}

export const RATE = 16000;
export const CHUNK_MS = 20;
const CHUNK_SAMPLES = (RATE * CHUNK_MS) / 1000;

/** Sample n of the stream has value n mod 32768: any stretch of audio says where it came from. */
export function chunkAt(k: number): Frame<"InputAudioRawFrame"> {
  const samples = new Int16Array(CHUNK_SAMPLES);
  for (let i = 0; i < CHUNK_SAMPLES; i++) samples[i] = (k * CHUNK_SAMPLES + i) % 32768;
  return audioFrame(ids, "InputAudioRawFrame", new Uint8Array(samples.buffer), RATE, 1);
}

/** `chunks` 20 ms audio frames, chunk k arriving at (k + 1) × 20 ms: when it has been captured. */
export function audioStream(scheduler: SchedulerLike, chunks: number): Observable<Frame> {
  return interval(CHUNK_MS, scheduler).pipe(take(chunks), map((k) => chunkAt(k)));
}

/** Stream position (ms) of the first sample of some PCM16 made by chunkAt (positions under 2048 ms). */
export function firstSampleMs(pcm: Uint8Array): number {
  const first = new Int16Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 2)[0] ?? 0;
  return (first * 1000) / RATE;
}

/** A detector that hears speech during the given audio-time intervals (ms): 10 ms windows, p = 1 or 0. */
export function scriptedDetector(speech: readonly (readonly [number, number])[], sampleRate = RATE): VoiceDetector {
  const windowSamples = sampleRate / 100;
  let samples = 0;
  let pending = 0;
  return {
    sampleRate,
    windowSamples,
    probabilities(pcm) {
      const count = pcm instanceof Int16Array ? pcm.length : pcm.byteLength / 2;
      pending += count;
      const out: number[] = [];
      while (pending >= windowSamples) {
        const midMs = ((samples + windowSamples / 2) * 1000) / sampleRate;
        out.push(speech.some(([from, to]) => midMs >= from && midMs < to) ? 1 : 0);
        samples += windowSamples;
        pending -= windowSamples;
      }
      return out;
    },
    reset() {
      samples = 0;
      pending = 0;
    },
  };
}
