// One audio stream's side of the batched Silero VAD (sileroBatch.ts runs the inferences): it
// cuts the stream's PCM into windows, keeps the stream's recurrent state between runs, decides
// which windows need running at all, and hands each window's probability to its sink in window
// order.
//
// Windows no probability could make speech are not run. The VAD counts a window as speech only
// when its smoothed volume reaches min_volume (analyzer.ts), so a caller listening in a quiet
// room needs no inference at all: the stream's owner says which windows may be speech
// (`write(pcm, maySpeak)`), the others get probability 0, the decision the analyzer would have
// taken anyway. What skipping changes is the model's recurrent state: so the last
// SILERO_WARM_UP_WINDOWS (8) skipped windows are kept and run (their probabilities unused) before
// the next window that counts. A quiet spell that short leaves the state exactly as running
// every window would; after a longer one the state starts from zero on the last eight windows
// of the quiet audio, as a new stream would.
//
// Nothing is allocated per window or per push on the way (the server pushes 50 chunks a second
// per caller): windows are copied straight into the batcher's staging buffer, skipped ones into
// a ring kept per stream, and results reach the sink as calls, not Promises. `push()` wraps
// the same path in a Promise per push for callers that want one.
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
  /**
   * Queues one window for the next batch: `samples` are copied at once. `seq` is the window's
   * number in the stream, -1 for a warm-up window whose probability nobody wants; `fresh` runs
   * it from zero state.
   */
  queue(stream: SileroBatchStream, samples: Int16Array, seq: number, fresh: boolean): void;
  countSkipped(): void;
}

/** Receives a stream's window probabilities, one call per window, in window order. */
export interface WindowSink {
  /** The next window's speech probability (0 for a window skipped by the volume gate). */
  window(probability: number): void;
  /** The next window's batch failed: it counts as probability 0, and the error says why. */
  failed(error: Error): void;
}

/** One push's windows and their probabilities (the Promise face of the stream). */
export interface PendingProbabilities {
  readonly windows: number;
  /** Of those, how many were queued for inference (the others were skipped: probability 0). */
  readonly queued: number;
  /** Oldest window first. Pushes of one stream settle in push order. */
  readonly probabilities: Promise<number[]>;
}

/** Outcome of a window not yet handed to the sink. */
const WAITING = 0;
const KNOWN = 1;
const FAILED = 2;

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
  private sink: WindowSink | undefined;
  /** Windows handed out by the windower since the last reset. */
  private seq = 0;
  /** The first window not yet handed to the sink; windows [delivered, seq) wait in the ring below. */
  private delivered = 0;
  private outcome = new Uint8Array(16);
  private probability = new Float32Array(16);
  private errors: Array<Error | undefined> = [];
  /** The last skipped windows (a ring of SILERO_WARM_UP_WINDOWS), and how many it holds. */
  private readonly skippedRing: Int16Array;
  private skippedStart = 0;
  private skippedCount = 0;
  /** More windows were skipped than are kept: the next run starts from zero state. */
  private stateLost = false;
  /** The write in progress: its may-speak mask and its windows so far. */
  private mask: ArrayLike<number | boolean> | undefined;
  private pushWindows = 0;
  private pushQueued = 0;
  private readonly onWindow = (window: Int16Array): void => this.take(window);
  /** The Promise face (push()): pushes waiting for their windows, oldest first. */
  private promised: PromisedPush[] | undefined;

  constructor(batcher: WindowQueue, sampleRate: number) {
    this.sampleRate = checkSileroRate(sampleRate);
    this.batcher = batcher;
    this.windowSamples = SILERO_WINDOW_SAMPLES[this.sampleRate];
    this.windower = new Windower(this.windowSamples);
    this.windowsPerStateReset = sileroWindowsPerStateReset(this.sampleRate);
    this.skippedRing = new Int16Array(SILERO_WARM_UP_WINDOWS * this.windowSamples);
  }

  /** Bumped by reset(): windows queued before it are dropped unrun. */
  get generation(): number {
    return this.currentGeneration;
  }

  /** Where this stream's probabilities go; set once, before the first push. */
  setSink(sink: WindowSink): void {
    if (this.sink) throw new Error("a Silero batch stream has one sink");
    this.sink = sink;
  }

  /** How many windows `samples` more samples would complete. */
  windowsIn(samples: number): number {
    return Math.floor((this.windower.buffered + samples) / this.windowSamples);
  }

  /**
   * Queues the windows this audio completes (PCM16 mono at `sampleRate`); partial ones wait for
   * more. A falsy `maySpeak[i]` (for the i-th window this audio completes) skips that window: its
   * probability is 0 and it runs only as warm-up for a later window (see the top of the file).
   * Probabilities go to the sink, in order: at once for skipped windows with nothing ahead of
   * them, after the batch for the others. Returns how many windows the audio completed.
   */
  write(pcm: Int16Array | Uint8Array, maySpeak?: ArrayLike<number | boolean>): number {
    this.mask = maySpeak;
    this.pushWindows = 0;
    this.pushQueued = 0;
    this.windower.push(asInt16(pcm), this.onWindow);
    this.mask = undefined;
    return this.pushWindows;
  }

  /** write() with a Promise of this audio's probabilities (specs and one-off callers). */
  push(pcm: Int16Array | Uint8Array, maySpeak?: ArrayLike<number | boolean>): PendingProbabilities {
    if (!this.sink) {
      this.promised = [];
      this.setSink(promiseSink(this.promised));
    }
    const promised = this.promised;
    if (!promised) throw new Error("this Silero batch stream already has a sink: use write()");
    const entry = new PromisedPush(this.windowsIn(pcm.length / (pcm instanceof Uint8Array ? 2 : 1)));
    promised.push(entry);
    const windows = this.write(pcm, maySpeak);
    const queued = this.pushQueued;
    if (entry.windows === 0) settlePromised(promised);
    return { windows, queued, probabilities: entry.promise };
  }

  private take(window: Int16Array): void {
    const index = this.pushWindows++;
    const seq = this.seq++;
    this.reserve(seq);
    const mask = this.mask;
    if (mask && !mask[index]) {
      this.skip(window);
      this.settle(seq, KNOWN, 0, undefined);
      return;
    }
    this.replaySkipped();
    this.batcher.queue(this, window, seq, false);
    this.pushQueued++;
  }

  private skip(window: Int16Array): void {
    this.batcher.countSkipped();
    const size = this.windowSamples;
    let slot: number;
    if (this.skippedCount === SILERO_WARM_UP_WINDOWS) {
      slot = this.skippedStart;
      this.skippedStart = (this.skippedStart + 1) % SILERO_WARM_UP_WINDOWS;
      this.stateLost = true;
    } else {
      slot = (this.skippedStart + this.skippedCount++) % SILERO_WARM_UP_WINDOWS;
    }
    this.skippedRing.set(window, slot * size);
  }

  /** Queues the kept skipped windows as warm-up, oldest first, ahead of a window that counts. */
  private replaySkipped(): void {
    const size = this.windowSamples;
    for (let i = 0; i < this.skippedCount; i++) {
      const at = ((this.skippedStart + i) % SILERO_WARM_UP_WINDOWS) * size;
      this.batcher.queue(this, this.skippedRing.subarray(at, at + size), -1, i === 0 && this.stateLost);
    }
    this.skippedStart = 0;
    this.skippedCount = 0;
    this.stateLost = false;
  }

  /** The batcher ran window `seq` (-1: a warm-up): records it and hands what is in order to the sink. */
  complete(seq: number, probability: number): void {
    if (seq >= 0) this.settle(seq, KNOWN, probability, undefined);
  }

  /** The batch holding window `seq` failed. */
  fail(seq: number, error: Error): void {
    if (seq >= 0) this.settle(seq, FAILED, 0, error);
  }

  private settle(seq: number, outcome: number, probability: number, error: Error | undefined): void {
    const slot = seq % this.outcome.length;
    this.outcome[slot] = outcome;
    this.probability[slot] = probability;
    if (error) this.errors[slot] = error;
    const sink = this.sink;
    while (this.delivered < this.seq) {
      const at = this.delivered % this.outcome.length;
      const state = this.outcome[at];
      if (state === WAITING) return;
      this.outcome[at] = WAITING;
      this.delivered++;
      if (state === FAILED) {
        const failure = this.errors[at] as Error;
        this.errors[at] = undefined;
        sink?.failed(failure);
      } else {
        sink?.window(this.probability[at] as number);
      }
    }
  }

  /** Makes room in the ring for window `seq` (windows in flight only; it grows for a big chunk). */
  private reserve(seq: number): void {
    const size = this.outcome.length;
    if (seq - this.delivered < size) return;
    const outcome = new Uint8Array(size * 2);
    const probability = new Float32Array(size * 2);
    const errors: Array<Error | undefined> = [];
    for (let s = this.delivered; s < seq; s++) {
      outcome[s % (size * 2)] = this.outcome[s % size] as number;
      probability[s % (size * 2)] = this.probability[s % size] as number;
      errors[s % (size * 2)] = this.errors[s % size];
    }
    this.outcome = outcome;
    this.probability = probability;
    this.errors = errors;
  }

  /** Forgets buffered samples and the recurrent state; queued windows are dropped unrun. */
  reset(): void {
    this.windower.reset();
    this.h.fill(0);
    this.c.fill(0);
    this.windowsSinceStateReset = 0;
    this.skippedStart = 0;
    this.skippedCount = 0;
    this.stateLost = false;
    this.seq = 0;
    this.delivered = 0;
    this.outcome.fill(WAITING);
    this.errors = [];
    this.currentGeneration++;
    if (this.promised) {
      for (const entry of this.promised) entry.resolve([]);
      this.promised.length = 0;
    }
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
      for (let u = 0; u < SILERO_STATE_UNITS; u++) {
        h[to + u] = this.h[from + u] as number;
        c[to + u] = this.c[from + u] as number;
      }
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
      for (let u = 0; u < SILERO_STATE_UNITS; u++) {
        this.h[to + u] = step.h[from + u] as number;
        this.c[to + u] = step.c[from + u] as number;
      }
    }
  }
}

/** A push waiting for its windows' probabilities (the Promise face). */
class PromisedPush {
  readonly probabilities: number[] = [];
  readonly promise: Promise<number[]>;
  resolve!: (probabilities: number[]) => void;
  reject!: (error: Error) => void;
  error: Error | undefined;

  constructor(readonly windows: number) {
    this.promise = new Promise<number[]>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

/** Settles the pushes at the front whose windows are all in, in push order. */
function settlePromised(promised: PromisedPush[]): void {
  while (promised.length > 0) {
    const head = promised[0] as PromisedPush;
    if (head.probabilities.length < head.windows) return;
    promised.shift();
    if (head.error) head.reject(head.error);
    else head.resolve(head.probabilities);
  }
}

/** A sink that fills PromisedPush entries: the first push still short of windows takes the next one. */
function promiseSink(promised: PromisedPush[]): WindowSink {
  const next = (probability: number, error?: Error): void => {
    const entry = promised.find((p) => p.probabilities.length < p.windows);
    if (!entry) return;
    entry.probabilities.push(probability);
    entry.error ??= error;
    settlePromised(promised);
  };
  return { window: (p) => next(p), failed: (error) => next(0, error) };
}
