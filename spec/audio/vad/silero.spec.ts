// Silero VAD on real speech: two flite sentences separated by 2 s of silence, with 1 s of
// silence at both ends, streamed in 20 ms chunks through Silero + VADAnalyzer at default
// params, must give exactly two speech segments whose edges are within 300 ms of the edges
// measured on the waveform. Streams share one model but never state; the state is zeroed
// every 5 s of audio; inference runs synchronously (no Promise per window).

import { beforeAll, describe, expect, it } from "vitest";
import { int16ToPcmBytes } from "../../../lib/audio/pcm.ts";
import { VADAnalyzer, type VADEvent } from "../../../lib/audio/vad/analyzer.ts";
import { createSileroVad, SILERO_WINDOW_SAMPLES } from "../../../lib/audio/vad/silero.ts";
import { loadSileroModel } from "../../../lib/audio/vad/silero-model.ts";
import { missingPrograms } from "../../support/programs.ts";
import { makeSpeechWav, type SpeechWav } from "../../support/speech.ts";

const skip = missingPrograms({ flite: "flite", sox: "sox" });
const TOLERANCE_MS = 300;

const twoSentences = (rate: number) =>
  makeSpeechWav({
    rate,
    segments: [
      { silenceMs: 1000 },
      { say: "Hello this is a test of the voice agent" },
      { silenceMs: 2000 },
      { say: "The weather today is sunny with a light breeze from the west" },
      { silenceMs: 1000 },
    ],
  });

function stream(analyzer: VADAnalyzer, pcm: Int16Array | Uint8Array, chunk: number): VADEvent[] {
  const events: VADEvent[] = [];
  for (let i = 0; i < pcm.length; i += chunk) events.push(...analyzer.analyze(pcm.subarray(i, i + chunk)));
  return events;
}

function expectSegmentsMatch(events: VADEvent[], truth: SpeechWav): void {
  expect(events.map((e) => e.type)).toEqual(["speech_start", "speech_stop", "speech_start", "speech_stop"]);
  truth.speech.forEach((segment, i) => {
    const start = events[2 * i] as VADEvent & { type: "speech_start" };
    const stop = events[2 * i + 1] as VADEvent & { type: "speech_stop" };
    expect(Math.abs(start.onsetMs - segment.startMs)).toBeLessThanOrEqual(TOLERANCE_MS);
    expect(Math.abs(start.atMs - start.startSecs * 1000 - segment.startMs)).toBeLessThanOrEqual(TOLERANCE_MS);
    expect(Math.abs(stop.onsetMs - segment.endMs)).toBeLessThanOrEqual(TOLERANCE_MS);
    expect(Math.abs(stop.atMs - stop.stopSecs * 1000 - segment.endMs)).toBeLessThanOrEqual(TOLERANCE_MS);
  });
}

describe.skipIf(skip)("Silero VAD on real speech", () => {
  let speech16k: SpeechWav;
  beforeAll(async () => {
    speech16k = await twoSentences(16000);
  });

  it("finds the two sentences at 16 kHz in 20 ms chunks, within 300 ms of the measured edges", async () => {
    expect(speech16k.speech).toHaveLength(2);
    const analyzer = new VADAnalyzer(await createSileroVad(16000));
    expectSegmentsMatch(stream(analyzer, speech16k.pcm, 320), speech16k);
    expect(analyzer.state).toBe("QUIET");
  });

  it("gives the same events from PCM16LE bytes as from samples", async () => {
    const fromSamples = stream(new VADAnalyzer(await createSileroVad(16000)), speech16k.pcm, 320);
    const fromBytes = stream(new VADAnalyzer(await createSileroVad(16000)), int16ToPcmBytes(speech16k.pcm), 640);
    expect(fromBytes).toEqual(fromSamples);
  });

  it("finds the two sentences at 8 kHz (256-sample windows)", async () => {
    const speech8k = await twoSentences(8000);
    const vad = await createSileroVad(8000);
    expect(vad.windowSamples).toBe(SILERO_WINDOW_SAMPLES[8000]);
    expectSegmentsMatch(stream(new VADAnalyzer(vad), speech8k.pcm, 160), speech8k);
  });
});

describe.skipIf(skip)("Silero streams", () => {
  let pcm: Int16Array;
  beforeAll(async () => {
    pcm = (await twoSentences(16000)).pcm;
  });

  it("run inline: pushAudio returns the probabilities themselves, one per 512-sample window", async () => {
    const vad = await createSileroVad(16000);
    const result = vad.pushAudio(pcm.subarray(0, 320));
    expect(Array.isArray(result)).toBe(true);
    expect(result).toEqual([]); // 320 samples: no complete window yet
    const next = vad.pushAudio(pcm.subarray(320, 1024 + 100));
    expect(next).toHaveLength(2);
    for (const p of next) expect(p).toBeGreaterThanOrEqual(0);
    for (const p of next) expect(p).toBeLessThanOrEqual(1);
  });

  it("share one model per process", async () => {
    const [a, b] = await Promise.all([loadSileroModel(), loadSileroModel()]);
    expect(a).toBe(b);
  });

  it("keep independent state when interleaved window by window", async () => {
    const speech = pcm.subarray(16000, 16000 + 100 * 512); // the first sentence
    const other = pcm.subarray(88000, 88000 + 100 * 512); // the second one
    const aloneA = (await createSileroVad(16000)).pushAudio(speech);
    const aloneB = (await createSileroVad(16000)).pushAudio(other);
    const a = await createSileroVad(16000);
    const b = await createSileroVad(16000);
    const mixedA: number[] = [];
    const mixedB: number[] = [];
    for (let i = 0; i < speech.length; i += 320) {
      mixedA.push(...a.pushAudio(speech.subarray(i, i + 320)));
      mixedB.push(...b.pushAudio(other.subarray(i, i + 320)));
    }
    expect(mixedA).toEqual(aloneA);
    expect(mixedB).toEqual(aloneB);
    expect(aloneA).not.toEqual(aloneB);
  });

  it("zero their recurrent state after every 5 s of audio (157 windows of 32 ms)", async () => {
    const audio = new Int16Array(200 * 512);
    audio.set(pcm.subarray(0, audio.length));
    const whole = (await createSileroVad(16000)).pushAudio(audio);
    // From window 157 on the stream behaves like a fresh one fed from there…
    const fromReset = (await createSileroVad(16000)).pushAudio(audio.subarray(157 * 512));
    expect(whole.slice(157)).toEqual(fromReset);
    // …which is not true of an arbitrary window, where the carried state matters.
    const fromElsewhere = (await createSileroVad(16000)).pushAudio(audio.subarray(40 * 512));
    expect(whole.slice(40, 157)).not.toEqual(fromElsewhere.slice(0, 117));
  });

  it("start over on reset()", async () => {
    const vad = await createSileroVad(16000);
    const first = vad.pushAudio(pcm.subarray(16000, 16000 + 20 * 512));
    vad.pushAudio(pcm.subarray(0, 300)); // a partial window, dropped by reset
    vad.reset();
    expect(vad.pushAudio(pcm.subarray(16000, 16000 + 20 * 512))).toEqual(first);
  });
});

describe("Silero rates", () => {
  it("rejects rates other than 16000 and 8000 with a clear error", async () => {
    await expect(createSileroVad(44100)).rejects.toThrow(/16000 or 8000 Hz only, got 44100 Hz: resample the input first/);
    await expect(createSileroVad(48000)).rejects.toThrow(RangeError);
  });
});
