// One audio stream's side of the batched Silero VAD (sileroBatch.ts runs the inferences): it
// cuts the stream's PCM into windows, keeps the stream's recurrent state between runs, and
// decides which windows need running at all.
//
// Windows no probability could make speech are not run. The VAD counts a window as speech only
// when its smoothed volume reaches min_volume (analyzer.ts), so a caller listening in a quiet
// room needs no inference at all: the stream's owner says which windows may be speech
// (`push(pcm, maySpeak)`), the others get probability 0, the decision the analyzer would have
// taken anyway. What skipping changes is the model's recurrent state: so the last
// SILERO_WARM_UP_WINDOWS (8) skipped windows are kept and run (their probabilities unused) before
// the next window that counts. A quiet spell that short leaves the state exactly as running
// every window would; after a longer one the state starts from zero on the last eight windows
// of the quiet audio, as a new stream would.
//
// State stays per stream (h and c, 2 × 64 values each), zeroed every 5 s of audio as in
// SileroVad.

import { asInt16 } from "../pcm.ts";
import { checkSileroRate, SILERO_WINDOW_SAMPLES, sileroWindowsPerStateReset } from "./silero.ts";
import { SILERO_STATE_LAYERS, SILERO_STATE_UNITS, type SileroBatchStep } from "./silero-model.ts";
import { Windower } from "./windower.ts";

/** h (or c) values per stream: layers × units. */
export const STREAM_STATE_SIZE = SILERO_STATE_LAYERS * SILERO_STATE_UNITS;
/** Skipped windows replayed before the next window that counts (256 ms): pauses inside an utterance are shorter. */
export const SILERO_WARM_UP_WINDOWS = 8;

/** What a stream needs of the batcher. */
export interface WindowQueue {
  queue(stream: SileroBatchStream, windows: readonly QueuedWindow[], count: number, queued: number): PushResult;
  countSkipped(): void;
}

/** The windows one push completed, and their probabilities once their batch has run. */
export interface PendingProbabilities {
  readonly windows: number;
  /** Of those, how many were queued for inference (the others were skipped: probability 0). */
  readonly queued: number;
  /** Oldest window first. Pushes of one stream settle in push order. */
  readonly probabilities: Promise<number[]>;
}

/** One push's windows: settles when its last window has run, or at the first failure. */
export class PushResult {
  readonly probabilities: number[];
  readonly promise: Promise<number[]>;
  private remaining: number;
  private done = false;
  private resolve!: (probabilities: number[]) => void;
  private reject!: (error: Error) => void;
  /** Later pushes of the stream that completed no window: they settle right after this one. */
  private followers: Array<() => void> | undefined;

  /** `queued` of the `windows` run; the others keep probability 0. */
  constructor(windows: number, queued: number) {
    this.probabilities = new Array<number>(windows).fill(0);
    this.remaining = queued;
    this.promise = new Promise<number[]>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  get settled(): boolean {
    return this.done;
  }

  /** A Promise of `probabilities` that settles right after this push (keeps the stream's order). */
  follow(probabilities: number[]): Promise<number[]> {
    return new Promise<number[]>((resolve) => (this.followers ??= []).push(() => resolve(probabilities)));
  }

  /** `index` -1: a warm-up window, whose probability nobody asked for. */
  complete(index: number, probability: number): void {
    if (index < 0) return;
    this.probabilities[index] = probability;
    if (--this.remaining === 0) this.settle(() => this.resolve(this.probabilities));
  }

  fail(error: Error): void {
    this.settle(() => this.reject(error));
  }

  /** The stream was reset: nobody wants these windows any more. */
  drop(): void {
    this.settle(() => this.resolve([]));
  }

  private settle(how: () => void): void {
    if (this.done) return;
    this.done = true;
    how();
    if (this.followers) for (const follower of this.followers) follower();
    this.followers = undefined;
  }
}

/** A window to queue: its samples, its place in the push (-1 warm-up), and whether it starts from zero state. */
export interface QueuedWindow {
  readonly samples: Int16Array;
  readonly index: number;
  readonly fresh: boolean;
}

/** One audio stream's Silero state; its windows run in the batcher's shared inferences. */
export class SileroBatchStream {
  readonly sampleRate: 8000 | 16000;
  readonly windowSamples: number;
  private readonly batcher: WindowQueue;
  private readonly windower: Windower;
  private readonly h = new Float32Array(STREAM_STATE_SIZE);
  private readonly c = new Float32Array(STREAM_STATE_SIZE);
  private readonly windowsPerStateReset: number;
  private windowsSinceStateReset = 0;
  private currentGeneration = 0;
  /** The latest push with windows queued: a push with none settles after it. */
  private lastPush: PushResult | undefined;
  /** The last skipped windows (at most SILERO_WARM_UP_WINDOWS), oldest first. */
  private skippedWindows: Int16Array[] = [];
  /** More windows were skipped than are kept: the next run starts from zero state. */
  private stateLost = false;

  constructor(batcher: WindowQueue, sampleRate: number) {
    this.sampleRate = checkSileroRate(sampleRate);
    this.batcher = batcher;
    this.windowSamples = SILERO_WINDOW_SAMPLES[this.sampleRate];
    this.windower = new Windower(this.windowSamples);
    this.windowsPerStateReset = sileroWindowsPerStateReset(this.sampleRate);
  }

  /** Bumped by reset(): windows queued before it are skipped. */
  get generation(): number {
    return this.currentGeneration;
  }

  /**
   * Queues the windows this audio completes (PCM16 mono at `sampleRate`); partial ones wait for
   * more. `maySpeak[i]` false (for the i-th window this audio completes) skips that window: its
   * probability is 0 and it runs only as warm-up for a later window (see the top of the file).
   */
  push(pcm: Int16Array | Uint8Array, maySpeak?: readonly boolean[]): PendingProbabilities {
    const windows: QueuedWindow[] = [];
    let count = 0;
    let queued = 0;
    this.windower.push(asInt16(pcm), (window) => {
      const index = count++;
      if (maySpeak && maySpeak[index] === false) {
        this.skip(window);
        return;
      }
      for (const [i, samples] of this.skippedWindows.entries()) windows.push({ samples, index: -1, fresh: i === 0 && this.stateLost });
      this.skippedWindows = [];
      this.stateLost = false;
      windows.push({ samples: window.slice(), index, fresh: false });
      queued++;
    });
    if (queued === 0) {
      const probabilities = new Array<number>(count).fill(0);
      const last = this.lastPush;
      return { windows: count, queued: 0, probabilities: last && !last.settled ? last.follow(probabilities) : Promise.resolve(probabilities) };
    }
    this.lastPush = this.batcher.queue(this, windows, count, queued);
    return { windows: count, queued, probabilities: this.lastPush.promise };
  }

  private skip(window: Int16Array): void {
    this.batcher.countSkipped();
    if (this.skippedWindows.length === SILERO_WARM_UP_WINDOWS) {
      this.skippedWindows.shift();
      this.stateLost = true;
    }
    this.skippedWindows.push(window.slice());
  }

  /** Forgets buffered samples and the recurrent state; queued windows are dropped unrun. */
  reset(): void {
    this.windower.reset();
    this.h.fill(0);
    this.c.fill(0);
    this.windowsSinceStateReset = 0;
    this.skippedWindows = [];
    this.stateLost = false;
    this.currentGeneration++;
  }

  /**
   * Copies this stream's state into row `row` of batch state laid out [layers, rows, units];
   * `fresh` copies zeros instead and restarts the 5 s count.
   */
  writeState(h: Float32Array, c: Float32Array, row: number, rows: number, fresh = false): void {
    if (fresh) {
      this.h.fill(0);
      this.c.fill(0);
      this.windowsSinceStateReset = 0;
    }
    for (let layer = 0; layer < SILERO_STATE_LAYERS; layer++) {
      const from = layer * SILERO_STATE_UNITS;
      const to = (layer * rows + row) * SILERO_STATE_UNITS;
      h.set(this.h.subarray(from, from + SILERO_STATE_UNITS), to);
      c.set(this.c.subarray(from, from + SILERO_STATE_UNITS), to);
    }
  }

  /** Takes row `row` of a run's new state, or zeroes the state every 5 s of audio. */
  readState(step: SileroBatchStep, row: number, rows: number): void {
    if (++this.windowsSinceStateReset >= this.windowsPerStateReset) {
      this.h.fill(0);
      this.c.fill(0);
      this.windowsSinceStateReset = 0;
      return;
    }
    for (let layer = 0; layer < SILERO_STATE_LAYERS; layer++) {
      const from = (layer * rows + row) * SILERO_STATE_UNITS;
      const to = layer * SILERO_STATE_UNITS;
      this.h.set(step.h.subarray(from, from + SILERO_STATE_UNITS), to);
      this.c.set(step.c.subarray(from, from + SILERO_STATE_UNITS), to);
    }
  }
}
