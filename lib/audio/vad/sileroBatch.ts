// Silero across sessions: the windows that every stream of the process completes within one
// event-loop turn run as ONE inference instead of one each.
//
// Why: inside a busy server a lone 512-sample window costs ~0.36 ms of CPU, twice its cost
// back to back, because the model's weights left the CPU caches since the previous session's
// window. One run over B windows ([B, 512] input, [2, B, 64] state) pays that once:
// spec/bench/vadCache.bench.ts measures 91 µs per window at 8 streams and 68 µs at 40, and
// each row gets the probability it would get alone (|Δ| ≤ 2e-6).
//
// How: a stream cuts its audio into windows (as SileroVad does) and queues them here; the
// first window queued schedules one flush. With lingerMs 0 that is a `setImmediate`: Node
// runs every socket read of a poll phase before the check phase, so the windows of all
// sessions whose audio arrived in that phase share the flush, < 1 ms after inline. But a
// server's loop turns often: at 50 sessions that gave 2.5 windows per flush on average. So the
// first window may linger up to lingerMs for others, while the arrival rate of the last second
// says at least 2 will come in that time (31 windows/s per session: from 13 sessions up at
// 5 ms; a lone session never waits); a full batch (`maxBatch`) goes at once. Measured at 50
// sessions in the load bench: lingerMs 0 → 2.5 windows per batch, 5 → 14, 10 → 24
// (spec/bench/README.md).
//
// A flush runs rounds: a stream appears at most once per round (its next window needs the
// state its previous one leaves), at most `maxBatch` windows per run, one rate per run.
// Each window's probability goes back to its stream, which hands them to its sink in window
// order. Windows are staged as floats when queued, so a flush allocates no per-window copies.
//
// Per-stream state, windowing and the volume gate's skipping live in sileroBatchStream.ts. A
// failed run fails the windows that were in it, with an error naming the batch; the streams
// keep their state from before it and later runs go on.

import { Tensor } from "onnxruntime-node";
import { rateTensorFor, SILERO_WINDOW_SAMPLES } from "./silero.ts";
import { loadSileroModel, SILERO_STATE_LAYERS, SILERO_STATE_UNITS, type SileroBatchStep } from "./silero-model.ts";
import { SileroBatchStream, STREAM_STATE_SIZE, type WindowQueue } from "./sileroBatchStream.ts";

export { SILERO_WARM_UP_WINDOWS, SileroBatchStream, type PendingProbabilities, type WindowSink } from "./sileroBatchStream.ts";

/** Windows per inference: beyond ~64 the CPU per window stops falling (spec/bench/README.md). */
export const DEFAULT_SILERO_MAX_BATCH = 64;
/** The process-wide batcher's linger: most of the saving of 10 ms for half the added delay. */
export const SERVER_SILERO_LINGER_MS = 5;
/** The arrival rate that decides whether to linger is counted over periods this long. */
const RATE_PERIOD_MS = 1000;

/** What the batcher needs of the model: SileroModel (specs wrap it to make a run fail). */
export interface SileroBatchRunner {
  stepBatch(input: Tensor, sampleRate: Tensor, h: Tensor, c: Tensor): SileroBatchStep;
}

export interface SileroBatcherOptions {
  /** Most windows in one inference; the rest wait for the next round of the same flush. @defaultValue 64 */
  readonly maxBatch?: number;
  /**
   * How long the first window of a batch may wait for others (ms), when the arrival rate of
   * the last second says at least 2 windows will come in that time; a full batch goes at once.
   * 0 flushes after the current poll phase (setImmediate). @defaultValue 0
   */
  readonly lingerMs?: number;
  /** Clock for the arrival rate (ms). @defaultValue performance.now */
  readonly now?: () => number;
}

/** Counters since the batcher was made. */
export interface SileroBatchStats {
  readonly flushes: number;
  readonly batches: number;
  readonly windows: number;
  readonly largestBatch: number;
  readonly failedBatches: number;
  /** Windows not run because no probability could make them speech. */
  readonly skipped: number;
  /** Skipped windows run again to warm the state up before a window that counts. */
  readonly warmUps: number;
  /** Time spent inside inferences, ms (the model runs synchronously on the calling thread). */
  readonly inferenceMs: number;
}

/** A failed batched run: every push with a window in it is rejected with this. */
export class SileroBatchError extends Error {
  override readonly name = "SileroBatchError";
}

interface WindowJob {
  readonly stream: SileroBatchStream;
  /** The stream's generation when queued: a reset since then makes the job stale. */
  readonly generation: number;
  /** Where the window's samples wait in the staging buffer (as floats). */
  readonly offset: number;
  /** The window's number in its stream; -1 for a warm-up window. */
  readonly seq: number;
  /** Run from zero state (the first window after a quiet spell longer than the warm-up). */
  readonly fresh: boolean;
}

export class SileroBatcher implements WindowQueue {
  readonly maxBatch: number;
  readonly lingerMs: number;
  private readonly model: SileroBatchRunner;
  private readonly now: () => number;
  private queued: WindowJob[] = [];
  /** Samples of the queued windows, as the model's floats; swapped with `spare` by each flush. */
  private staged: Float32Array;
  private stagedLength = 0;
  private spare: Float32Array;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private immediate = false;
  private readonly flushNow = (): void => this.flush();
  // Reused for every run (runs are synchronous, so nothing holds them afterwards).
  private readonly input: Float32Array;
  private readonly h: Float32Array;
  private readonly c: Float32Array;
  private counts = { flushes: 0, batches: 0, windows: 0, largestBatch: 0, failedBatches: 0, skipped: 0, warmUps: 0, inferenceMs: 0 };
  private periodStart: number;
  private periodWindows = 0;
  /** Windows queued per ms over the last full period. */
  private arrivalRate = 0;

  constructor(model: SileroBatchRunner, options: SileroBatcherOptions = {}) {
    const maxBatch = options.maxBatch ?? DEFAULT_SILERO_MAX_BATCH;
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`Silero maxBatch must be a positive integer, got ${maxBatch}`);
    this.maxBatch = maxBatch;
    this.model = model;
    const lingerMs = options.lingerMs ?? 0;
    if (!(lingerMs >= 0 && lingerMs <= 1000)) throw new RangeError(`Silero lingerMs must be in [0, 1000] ms, got ${lingerMs}`);
    this.lingerMs = lingerMs;
    this.now = options.now ?? (() => performance.now());
    this.periodStart = this.now();
    const window = SILERO_WINDOW_SAMPLES[16000];
    this.input = new Float32Array(maxBatch * window);
    this.h = new Float32Array(maxBatch * STREAM_STATE_SIZE);
    this.c = new Float32Array(maxBatch * STREAM_STATE_SIZE);
    this.staged = new Float32Array(maxBatch * window);
    this.spare = new Float32Array(maxBatch * window);
  }

  /** A new stream at 16000 or 8000 Hz. */
  stream(sampleRate: number): SileroBatchStream {
    return new SileroBatchStream(this, sampleRate);
  }

  /** Windows waiting for the next flush. */
  get pending(): number {
    return this.queued.length;
  }

  get stats(): SileroBatchStats {
    return { ...this.counts };
  }

  /**
   * Called by SileroBatchStream.write for each window to run (warm-ups included): stages its
   * samples and schedules a flush if none is.
   */
  queue(stream: SileroBatchStream, samples: Int16Array, seq: number, fresh: boolean): void {
    const size = samples.length;
    if (this.stagedLength + size > this.staged.length) this.staged = grown(this.staged, this.stagedLength, this.stagedLength + size);
    const staged = this.staged;
    const offset = this.stagedLength;
    for (let i = 0; i < size; i++) staged[offset + i] = (samples[i] as number) / 32768;
    this.stagedLength += size;
    this.queued.push({ stream, generation: stream.generation, offset, seq, fresh });
    if (seq < 0) this.counts.warmUps++;
    this.countArrival();
    // Lingering pays only if at least 2 more windows are expected meanwhile.
    if (this.arrivalRate * this.lingerMs < 2 || this.queued.length >= this.maxBatch) {
      if (!this.immediate) {
        this.immediate = true;
        setImmediate(this.flushNow);
      }
    } else {
      this.timer ??= setTimeout(this.flushNow, this.lingerMs);
    }
  }

  /** A stream skipped a window (SileroBatchStream.write). */
  countSkipped(): void {
    this.counts.skipped++;
  }

  private countArrival(): void {
    const now = this.now();
    const elapsed = now - this.periodStart;
    if (elapsed >= RATE_PERIOD_MS) {
      // A quiet spell stretches the period, so the rate falls and the next window goes at once.
      this.arrivalRate = this.periodWindows / elapsed;
      this.periodWindows = 0;
      this.periodStart = now;
    }
    this.periodWindows++;
  }

  /** Runs every queued window now, in rounds (the scheduled flush calls this). */
  flush(): void {
    this.immediate = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    let jobs = this.queued;
    if (jobs.length === 0) return;
    // Windows queued while this flush runs (a sink pushing more audio) stage into the other buffer.
    const staged = this.staged;
    this.staged = this.spare;
    this.spare = staged;
    this.stagedLength = 0;
    this.queued = [];
    this.counts.flushes++;
    while (jobs.length > 0) {
      const round: WindowJob[] = [];
      const later: WindowJob[] = [];
      const seen = new Set<SileroBatchStream>();
      let rate: number | undefined;
      for (const job of jobs) {
        if (job.generation !== job.stream.generation) continue;
        rate ??= job.stream.sampleRate;
        if (seen.has(job.stream) || round.length >= this.maxBatch || job.stream.sampleRate !== rate) later.push(job);
        else round.push(job);
        seen.add(job.stream);
      }
      if (round.length > 0) this.run(round, staged);
      jobs = later;
    }
  }

  private run(jobs: readonly WindowJob[], staged: Float32Array): void {
    const rows = jobs.length;
    const first = jobs[0] as WindowJob;
    const size = first.stream.windowSamples;
    const stateSize = rows * STREAM_STATE_SIZE;
    const input = this.input.subarray(0, rows * size);
    const h = this.h.subarray(0, stateSize);
    const c = this.c.subarray(0, stateSize);
    for (let row = 0; row < rows; row++) {
      const job = jobs[row] as WindowJob;
      const from = job.offset;
      const at = row * size;
      for (let i = 0; i < size; i++) input[at + i] = staged[from + i] as number;
      job.stream.writeState(h, c, row, rows, job.fresh);
    }
    let step: SileroBatchStep;
    const startedAt = this.now();
    try {
      step = this.model.stepBatch(
        new Tensor("float32", input, [rows, size]),
        rateTensorFor(first.stream.sampleRate),
        new Tensor("float32", h, [SILERO_STATE_LAYERS, rows, SILERO_STATE_UNITS]),
        new Tensor("float32", c, [SILERO_STATE_LAYERS, rows, SILERO_STATE_UNITS]),
      );
    } catch (cause) {
      this.counts.failedBatches++;
      const reason = cause instanceof Error ? cause.message : String(cause);
      const error = new SileroBatchError(`Silero VAD inference failed for a batch of ${rows} windows at ${first.stream.sampleRate} Hz: ${reason}`, { cause });
      for (const job of jobs) job.stream.fail(job.seq, error);
      return;
    } finally {
      this.counts.inferenceMs += this.now() - startedAt;
    }
    this.counts.batches++;
    this.counts.windows += rows;
    if (rows > this.counts.largestBatch) this.counts.largestBatch = rows;
    for (let row = 0; row < rows; row++) {
      const job = jobs[row] as WindowJob;
      job.stream.readState(step, row, rows);
      job.stream.complete(job.seq, step.probabilities[row] as number);
    }
  }
}

/** A copy of `buffer` with room for at least `needed` values, keeping the first `used`. */
function grown(buffer: Float32Array, used: number, needed: number): Float32Array {
  const bigger = new Float32Array(Math.max(needed, buffer.length * 2));
  bigger.set(buffer.subarray(0, used));
  return bigger;
}

let shared: Promise<SileroBatcher> | undefined;

/** The process-wide batcher over the shared model, made on first use. A failed load is not cached. */
export function sharedSileroBatcher(): Promise<SileroBatcher> {
  shared ??= loadSileroModel()
    .then((model) => new SileroBatcher(model, { lingerMs: SERVER_SILERO_LINGER_MS }))
    .catch((err: unknown) => {
      shared = undefined;
      throw err;
    });
  return shared;
}

