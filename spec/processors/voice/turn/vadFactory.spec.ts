// The Silero VAD the server builds (vadAnalyzerFactory, vad_type "silero") runs batched across
// streams and answers VAD_LATER, delivering through the LateVad it was handed; on real flite
// speech it must find the very events the synchronous VADAnalyzer over SileroVad finds, whether
// the caller waits for each chunk or hands in many chunks before any result, and with other
// streams sharing its batches. Windows too quiet for the volume gate are not run at all, without
// changing any event. A chunk whose windows are all known at once is answered at once; reset()
// drops what was queued.

import { beforeAll, describe, expect, it } from "vitest";
import { int16ToPcmBytes } from "../../../../lib/audio/pcm.ts";
import { VADAnalyzer, type VADEvent } from "../../../../lib/audio/vad/analyzer.ts";
import { createSileroVad } from "../../../../lib/audio/vad/silero.ts";
import { sharedSileroBatcher, type SileroBatcher } from "../../../../lib/audio/vad/sileroBatch.ts";
import { vadAnalyzerFactory } from "../../../../lib/processors/voice/turn/vadFactory.ts";
import { VAD_LATER, type StreamVad } from "../../../../lib/processors/voice/vadProcessor.ts";
import { missingPrograms } from "../../../support/programs.ts";
import { makeSpeechWav } from "../../../support/speech.ts";

const skip = missingPrograms({ flite: "flite", sox: "sox" });

/** PCM16LE chunks of 20 ms. */
function chunks(pcm: Int16Array, rate: number): Uint8Array[] {
  const size = rate / 50;
  const out: Uint8Array[] = [];
  for (let at = 0; at < pcm.length; at += size) out.push(int16ToPcmBytes(pcm.subarray(at, at + size)));
  return out;
}

async function syncEvents(pcm: Int16Array, rate: number, params?: { min_volume: number }): Promise<VADEvent[]> {
  const analyzer = new VADAnalyzer(await createSileroVad(rate), params);
  return chunks(pcm, rate).flatMap((chunk) => [...analyzer.analyze(new Int16Array(chunk.slice().buffer))]);
}

async function silero(rate: number, params?: { min_volume: number }): Promise<StreamVad> {
  const factory = vadAnalyzerFactory({ type: "silero", ...(params ? { params } : {}) });
  await factory.setup();
  return factory.create({ sampleRate: rate, numChannels: 1 });
}

/** Feeds a stream as the vad processor does: events in order, whether answered at once or later. */
function feeder(vad: StreamVad) {
  const events: VADEvent[] = [];
  const errors: unknown[] = [];
  let later = 0;
  const late = { events: (evs: readonly VADEvent[]) => void events.push(...evs), error: (error: unknown) => void errors.push(error) };
  return {
    events,
    errors,
    get later() {
      return later;
    },
    feed(chunk: Uint8Array): void {
      const result = vad.analyze(chunk, late);
      if (result === VAD_LATER) later++;
      else events.push(...result);
    },
  };
}

/** Lets the batcher run everything queued (its flush is a setImmediate or a short linger timer). */
async function drained(batcher: SileroBatcher): Promise<void> {
  do await new Promise((resolve) => setImmediate(resolve));
  while (batcher.pending > 0);
}

/** The process-wide batcher the factory uses, and its counters now. */
async function batchCounts() {
  const batcher = await sharedSileroBatcher();
  return { batcher, before: batcher.stats };
}

describe.skipIf(skip)("batched Silero VAD from vadAnalyzerFactory", () => {
  let speech: Int16Array;
  let speech8k: Int16Array;
  let expected: VADEvent[];
  beforeAll(async () => {
    const segments = [
      { silenceMs: 500 },
      { say: "Hello this is a test of the voice agent" },
      { silenceMs: 1000 },
      { say: "The weather today is sunny with a light breeze" },
      { silenceMs: 800 },
    ];
    speech = (await makeSpeechWav({ segments })).pcm;
    speech8k = (await makeSpeechWav({ segments, rate: 8000 })).pcm;
    expected = await syncEvents(speech, 16000);
    expect(expected.map((e) => e.type)).toEqual(["speech_start", "speech_stop", "speech_start", "speech_stop"]);
  });

  it("finds the same events as the synchronous analyzer, one chunk at a time, sharing batches with another stream", async () => {
    const { batcher, before } = await batchCounts();
    const vad = await silero(16000);
    const other = await silero(8000);
    const mine = chunks(speech, 16000);
    const theirs = chunks(speech8k, 8000);
    const mineFed = feeder(vad);
    const theirsFed = feeder(other);
    for (const [k, chunk] of mine.entries()) {
      mineFed.feed(chunk);
      if (theirs[k]) theirsFed.feed(theirs[k]);
      await drained(batcher);
    }
    expect(mineFed.events).toEqual(expected);
    expect(theirsFed.events).toEqual(await syncEvents(speech8k, 8000));
    expect([...mineFed.errors, ...theirsFed.errors]).toEqual([]);
    const promises = mineFed.later;
    // 20 ms chunks, 32 ms windows: 5 of 8 chunks complete a window, but only those the volume
    // gate may let through wait for a batch; the silences around the sentences are not run.
    const windows = Math.floor(speech.length / 512);
    const skipped = batcher.stats.skipped - before.skipped;
    expect(skipped).toBeGreaterThan(windows / 4);
    expect(promises).toBeLessThan(windows);
    expect(promises).toBeGreaterThan(windows / 3);
  });

  it("with the volume gate off (min_volume 0), runs every window and still finds the same events", async () => {
    const vad = await silero(16000, { min_volume: 0 });
    const { batcher, before } = await batchCounts();
    const fed = feeder(vad);
    for (const chunk of chunks(speech, 16000)) {
      fed.feed(chunk);
      await drained(batcher);
    }
    expect(fed.events).toEqual(await syncEvents(speech, 16000, { min_volume: 0 }));
    expect(fed.later).toBe(Math.floor(speech.length / 512));
    expect(batcher.stats.skipped).toBe(before.skipped);
  });

  it("applies chunks in order when many are handed in before any result", async () => {
    const vad = await silero(16000);
    const fed = feeder(vad);
    for (const chunk of chunks(speech, 16000)) fed.feed(chunk);
    await drained(await sharedSileroBatcher());
    expect(fed.events).toEqual(expected);
  });

  it("keeps its own copy of each chunk it waits on: a transport may reuse its buffer, at any offset", async () => {
    for (const offset of [0, 1]) {
      const vad = await silero(16000);
      const fed = feeder(vad);
      // Every chunk is written into the same bytes before any result comes back, as a socket
      // read buffer is reused; at offset 1 the samples are not 2-byte aligned.
      const wire = new Uint8Array(offset + 640);
      for (const chunk of chunks(speech, 16000)) {
        wire.fill(0);
        wire.set(chunk, offset);
        fed.feed(wire.subarray(offset, offset + chunk.length));
      }
      await drained(await sharedSileroBatcher());
      expect(fed.events).toEqual(expected);
    }
  });

  it("answers at once when a chunk completes no window and nothing is queued", async () => {
    const vad = await silero(16000, { min_volume: 0 });
    const fed = feeder(vad);
    fed.feed(int16ToPcmBytes(speech.subarray(0, 320)));
    expect(fed.later).toBe(0);
    fed.feed(int16ToPcmBytes(speech.subarray(320, 640)));
    expect(fed.later).toBe(1);
    // Queued behind that window, a chunk that completes none waits for it too: order holds.
    fed.feed(int16ToPcmBytes(speech.subarray(640, 700)));
    expect(fed.later).toBe(2);
    await drained(await sharedSileroBatcher());
    expect(fed.events).toEqual([]);
    expect(fed.errors).toEqual([]);
  });

  it("drops queued chunks on reset() and starts over at audio time 0", async () => {
    const vad = await silero(16000);
    const all = chunks(speech, 16000);
    const before = feeder(vad);
    for (const chunk of all.slice(0, 100)) before.feed(chunk);
    vad.reset?.();
    const after = feeder(vad);
    for (const chunk of all) after.feed(chunk);
    await drained(await sharedSileroBatcher());
    expect(before.events).toEqual([]);
    expect(after.events).toEqual(expected);
  });
});
