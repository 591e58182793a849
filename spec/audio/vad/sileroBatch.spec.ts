// Silero batched across streams: every stream gets the probabilities it gets when its windows
// run alone (SileroVad, one run per window), whatever shares its batch — real flite speech,
// several streams interleaved in 20 ms chunks, one at 8 kHz among them. A stream whose push
// completes two windows has them run in two rounds of one flush, in order; pushes of a stream
// settle in push order; each inference holds at most maxBatch windows; the state is zeroed
// every 5 s of audio and on reset(); a failed inference rejects only the pushes in its batch.
// With lingerMs, a window waits up to that long for others while the recent arrival rate says
// at least 2 will come; a full batch goes at once. Windows the owner marks as unable to be
// speech are not run: probability 0, and a quiet spell of up to SILERO_WARM_UP_WINDOWS leaves
// every later probability as running all windows gives; after a longer one the stream goes on
// as a new stream fed the last SILERO_WARM_UP_WINDOWS windows of the quiet spell.

import { beforeAll, describe, expect, it } from "vitest";
import type { Tensor } from "onnxruntime-node";
import { createSileroVad } from "../../../lib/audio/vad/silero.ts";
import { loadSileroModel, type SileroModel } from "../../../lib/audio/vad/silero-model.ts";
import { SILERO_WARM_UP_WINDOWS, SileroBatchError, SileroBatcher, sharedSileroBatcher, type SileroBatchRunner, type SileroBatchStream } from "../../../lib/audio/vad/sileroBatch.ts";
import { missingPrograms } from "../../support/programs.ts";
import { makeSpeechWav } from "../../support/speech.ts";

const skip = missingPrograms({ flite: "flite", sox: "sox" });
const CHUNK_MS = 20;

const sentences = (rate: number) =>
  makeSpeechWav({
    rate,
    segments: [
      { silenceMs: 300 },
      { say: "Hello this is a test of the voice agent" },
      { silenceMs: 500 },
      { say: "The weather today is sunny with a light breeze from the west" },
      { silenceMs: 300 },
    ],
  });

/** Probabilities of `pcm` run alone, one window per run. */
async function alone(rate: number, pcm: Int16Array): Promise<number[]> {
  return (await createSileroVad(rate)).pushAudio(pcm);
}

/** Feeds every stream one 20 ms chunk per event-loop turn, all streams in the same turn. */
async function interleaved(streams: readonly SileroBatchStream[], audio: readonly Int16Array[]): Promise<number[][]> {
  const out = streams.map((): number[] => []);
  const sizes = streams.map((stream) => (stream.sampleRate * CHUNK_MS) / 1000);
  const turns = Math.max(...audio.map((a, i) => Math.ceil(a.length / (sizes[i] as number))));
  for (let t = 0; t < turns; t++) {
    const turn = streams.map((stream, i) => {
      const size = sizes[i] as number;
      return stream.push((audio[i] as Int16Array).subarray(t * size, (t + 1) * size)).probabilities;
    });
    for (const [i, probabilities] of (await Promise.all(turn)).entries()) out[i]!.push(...probabilities);
  }
  return out;
}

function expectClose(actual: readonly number[], expected: readonly number[], tolerance = 1e-5): void {
  expect(actual).toHaveLength(expected.length);
  let worst = 0;
  for (const [i, p] of actual.entries()) worst = Math.max(worst, Math.abs(p - (expected[i] as number)));
  expect(worst).toBeLessThanOrEqual(tolerance);
}

/** The real model, whose next `failures` runs throw. */
function failingRunner(model: SileroModel): SileroBatchRunner & { failures: number } {
  return {
    failures: 0,
    stepBatch(input: Tensor, sampleRate: Tensor, h: Tensor, c: Tensor) {
      if (this.failures > 0) {
        this.failures--;
        throw new Error("out of memory (injected)");
      }
      return model.stepBatch(input, sampleRate, h, c);
    },
  };
}

describe.skipIf(skip)("Silero batched across streams", () => {
  let model: SileroModel;
  let speech16k: Int16Array;
  let speech8k: Int16Array;
  beforeAll(async () => {
    model = await loadSileroModel();
    speech16k = (await sentences(16000)).pcm;
    speech8k = (await sentences(8000)).pcm;
  });

  it("gives every stream the probabilities it gets alone, within 1e-5", async () => {
    // Four 16 kHz streams at different places in the speech (3 s each) and one 8 kHz stream.
    const audio = [0, 16000, 32000, 48000].map((at) => speech16k.subarray(at, at + 48000));
    audio.push(speech8k.subarray(4000, 4000 + 24000));
    const rates = [16000, 16000, 16000, 16000, 8000];
    const batcher = new SileroBatcher(model);
    const batched = await interleaved(rates.map((rate) => batcher.stream(rate)), audio);
    for (const [i, rate] of rates.entries()) {
      const expected = await alone(rate, audio[i]!);
      expect(expected.length).toBeGreaterThan(90);
      expectClose(batched[i]!, expected);
    }
    // They really shared runs: 4 streams' windows at 16 kHz, the 8 kHz stream in its own run.
    const stats = batcher.stats;
    expect(stats.largestBatch).toBe(4);
    expect(stats.windows).toBe(batched.flat().length);
    expect(stats.batches).toBeLessThan(stats.windows / 2);
  });

  it("runs two windows of one push in two rounds of one flush, in order", async () => {
    const batcher = new SileroBatcher(model);
    const a = batcher.stream(16000);
    const b = batcher.stream(16000);
    const twoWindows = speech16k.subarray(8000, 8000 + 1024 + 100);
    const pushA = a.push(twoWindows);
    const pushB = b.push(speech16k.subarray(30000, 30000 + 512));
    expect(pushA.windows).toBe(2);
    const [probsA, probsB] = await Promise.all([pushA.probabilities, pushB.probabilities]);
    expect(batcher.stats).toMatchObject({ flushes: 1, batches: 2, windows: 3, largestBatch: 2 });
    expectClose(probsA, await alone(16000, twoWindows));
    expectClose(probsB, await alone(16000, speech16k.subarray(30000, 30000 + 512)));
  });

  it("settles the pushes of a stream in push order, those with no window included", async () => {
    const batcher = new SileroBatcher(model);
    const stream = batcher.stream(16000);
    const settled: string[] = [];
    const audio = speech16k.subarray(8000, 8000 + 3 * 512);
    const pushes = [
      stream.push(audio.subarray(0, 1024)), // two windows: rounds 1 and 2
      stream.push(audio.subarray(1024, 1024 + 300)), // none
      stream.push(audio.subarray(1324, 1536)), // the third window: round 3
      stream.push(new Int16Array(100)), // none
    ];
    expect(pushes.map((p) => p.windows)).toEqual([2, 0, 1, 0]);
    await Promise.all(pushes.map((p, i) => p.probabilities.then((probs) => settled.push(`${i}:${probs.length}`))));
    expect(settled).toEqual(["0:2", "1:0", "2:1", "3:0"]);
    expect(batcher.stats).toMatchObject({ flushes: 1, batches: 3 });
  });

  it("holds at most maxBatch windows per inference", async () => {
    const batcher = new SileroBatcher(model, { maxBatch: 2 });
    const audio = [0, 8000, 16000, 24000, 32000].map((at) => speech16k.subarray(at, at + 512 * 20));
    const batched = await interleaved(audio.map(() => batcher.stream(16000)), audio);
    for (const [i, pcm] of audio.entries()) expectClose(batched[i]!, await alone(16000, pcm));
    expect(batcher.stats.largestBatch).toBe(2);
    expect(batcher.stats.batches).toBe(3 * 20);
    expect(() => new SileroBatcher(model, { maxBatch: 0 })).toThrow(/maxBatch must be a positive integer, got 0/);
  });

  it("lingers for more windows while the arrival rate says they will come, until the batch is full", async () => {
    let clock = 0;
    const batcher = new SileroBatcher(model, { maxBatch: 2, lingerMs: 1000, now: () => clock });
    const [a, b, c, d] = Array.from({ length: 4 }, () => batcher.stream(16000)) as [SileroBatchStream, SileroBatchStream, SileroBatchStream, SileroBatchStream];
    const audio = (at: number) => speech16k.subarray(at, at + 512);
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
    // No rate known yet: the first windows run right after this turn.
    const warm = [a.push(audio(0)).probabilities, b.push(audio(1000)).probabilities];
    await nextTurn();
    expect(batcher.pending).toBe(0);
    await Promise.all(warm);
    // 2 windows in the last second, linger 1 s: 2 expected, so a lone window waits for company…
    clock = 1000;
    const first = c.push(audio(8000)).probabilities;
    await nextTurn();
    expect(batcher.pending).toBe(1);
    // …and goes as soon as the batch is full.
    const second = d.push(audio(20000)).probabilities;
    expectClose(await first, await alone(16000, audio(8000)));
    expectClose(await second, await alone(16000, audio(20000)));
    expect(batcher.stats).toMatchObject({ flushes: 2, batches: 2, windows: 4, largestBatch: 2 });
    // After a quiet spell the rate is low again: no waiting.
    clock = 5000;
    void a.push(audio(30000)).probabilities;
    await nextTurn();
    expect(batcher.pending).toBe(0);
    expect(() => new SileroBatcher(model, { lingerMs: -1 })).toThrow(/lingerMs must be in \[0, 1000\] ms, got -1/);
  });

  it("runs a lingering window after lingerMs when no other comes", async () => {
    let clock = 0;
    const batcher = new SileroBatcher(model, { lingerMs: 50, now: () => clock });
    const busy = Array.from({ length: 4 }, () => batcher.stream(16000));
    await Promise.all(busy.map((s, i) => s.push(speech16k.subarray(i * 8000, i * 8000 + 10 * 512)).probabilities));
    clock = 1000; // 40 windows in the last second: 2 expected in 50 ms
    const lone = speech16k.subarray(40000, 40000 + 512);
    const result = batcher.stream(16000).push(lone).probabilities;
    await new Promise((resolve) => setImmediate(resolve));
    expect(batcher.pending).toBe(1);
    expectClose(await result, await alone(16000, lone));
    expect(batcher.pending).toBe(0);
  });

  it("zeroes a stream's state after every 5 s of audio (157 windows), like the inline path", async () => {
    const audio = speech16k.subarray(0, 200 * 512);
    const batcher = new SileroBatcher(model);
    const [whole] = await interleaved([batcher.stream(16000)], [audio]);
    expectClose(whole!, await alone(16000, audio));
    const [fromReset] = await interleaved([batcher.stream(16000)], [audio.subarray(157 * 512)]);
    expectClose(whole!.slice(157), fromReset!, 1e-6);
  });

  it("starts a stream over on reset(), dropping its queued windows unrun", async () => {
    const batcher = new SileroBatcher(model);
    const stream = batcher.stream(16000);
    const first = speech16k.subarray(16000, 16000 + 10 * 512);
    const before = stream.push(first);
    stream.push(speech16k.subarray(0, 300)); // a partial window, dropped too
    stream.reset();
    const after = stream.push(first);
    expect(await before.probabilities).toEqual([]);
    expectClose(await after.probabilities, await alone(16000, first));
    expect(batcher.stats.windows).toBe(10);
  });

  it("skips windows that cannot be speech; a short quiet spell leaves later probabilities exact", async () => {
    const batcher = new SileroBatcher(model);
    const stream = batcher.stream(16000);
    const audio = speech16k.subarray(8000, 8000 + 40 * 512);
    const quiet = (i: number) => i >= 10 && i < 10 + SILERO_WARM_UP_WINDOWS;
    const mask = Array.from({ length: 40 }, (_, i) => !quiet(i));
    const got = await stream.push(audio, mask).probabilities;
    const reference = await alone(16000, audio);
    expect(got.filter((_, i) => quiet(i))).toEqual(new Array(SILERO_WARM_UP_WINDOWS).fill(0));
    expectClose(
      got.filter((_, i) => !quiet(i)),
      reference.filter((_, i) => !quiet(i)),
    );
    expect(batcher.stats).toMatchObject({ windows: 40, skipped: SILERO_WARM_UP_WINDOWS, warmUps: SILERO_WARM_UP_WINDOWS });
  });

  it("after a longer quiet spell, goes on as a new stream warmed up on the spell's last windows", async () => {
    const batcher = new SileroBatcher(model);
    const stream = batcher.stream(16000);
    const audio = speech16k.subarray(8000, 8000 + 50 * 512);
    const skipped = SILERO_WARM_UP_WINDOWS + 12;
    const first = await stream.push(audio.subarray(0, 10 * 512)).probabilities;
    // The quiet spell arrives chunk by chunk, as a transport delivers it.
    for (let i = 10; i < 10 + skipped; i++) {
      const push = stream.push(audio.subarray(i * 512, (i + 1) * 512), [false]);
      expect(push.queued).toBe(0);
      expect(await push.probabilities).toEqual([0]);
    }
    const rest = await stream.push(audio.subarray((10 + skipped) * 512)).probabilities;
    expectClose(first, (await alone(16000, audio)).slice(0, 10));
    const warmFrom = (10 + skipped - SILERO_WARM_UP_WINDOWS) * 512;
    expectClose(rest, (await alone(16000, audio.subarray(warmFrom))).slice(SILERO_WARM_UP_WINDOWS));
    expect(batcher.stats).toMatchObject({ skipped, warmUps: SILERO_WARM_UP_WINDOWS, windows: 50 - skipped + SILERO_WARM_UP_WINDOWS });
  });

  it("rejects only the pushes of a failed inference; later ones run from the state before it", async () => {
    const runner = failingRunner(model);
    const batcher = new SileroBatcher(runner);
    const a = batcher.stream(16000);
    const b = batcher.stream(16000);
    const audioA = speech16k.subarray(16000, 16000 + 6 * 512);
    const audioB = speech16k.subarray(40000, 40000 + 6 * 512);
    runner.failures = 1;
    const failedA = a.push(audioA.subarray(0, 512)).probabilities;
    const failedB = b.push(audioB.subarray(0, 512)).probabilities;
    await expect(failedA).rejects.toThrow(SileroBatchError);
    await expect(failedB).rejects.toThrow(/Silero VAD inference failed for a batch of 2 windows at 16000 Hz: out of memory \(injected\)/);
    const [laterA, laterB] = await Promise.all([a.push(audioA.subarray(512)).probabilities, b.push(audioB.subarray(512)).probabilities]);
    expectClose(laterA, await alone(16000, audioA.subarray(512)));
    expectClose(laterB, await alone(16000, audioB.subarray(512)));
    expect(batcher.stats.failedBatches).toBe(1);
  });
});

describe("Silero batcher", () => {
  it("is one per process", async () => {
    const [a, b] = await Promise.all([sharedSileroBatcher(), sharedSileroBatcher()]);
    expect(a).toBe(b);
  });

  it("rejects rates other than 16000 and 8000 with a clear error", async () => {
    const batcher = await sharedSileroBatcher();
    expect(() => batcher.stream(44100)).toThrow(/16000 or 8000 Hz only, got 44100 Hz/);
  });
});
