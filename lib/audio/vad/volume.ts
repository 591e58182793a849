// The VAD's loudness per detector window, smoothed: what the volume gate (min_volume) reads.
//
// Pipecat measures BS.1770 loudness of each window on the int16 scale and maps -20..80 LUFS
// (= -110..-10 relative to full scale) onto 0..1. Here the RMS level in dBFS stands in for
// LUFS (on speech they differ by a few dB: K-weighting lifts content above 2 kHz by up to
// 4 dB and LUFS subtracts 0.7 dB): volume = (dBFS + 110) / 100, clipped to 0..1, then smoothed
// exponentially with factor 0.2 per window. So min_volume 0.6 is -50 dBFS, normal speech
// (-30..-20 dBFS) reads 0.8..0.9 and digital silence 0.
//
// The meter cuts the stream into windows on its own count of samples, so two meters fed the
// same audio agree window for window: the VADAnalyzer keeps one, and the batched Silero stream
// keeps another that runs ahead of it (it sees a chunk when it arrives, the analyzer once the
// chunk's probabilities are in) to know which windows no probability could make speech.

const VOLUME_FLOOR_DBFS = -110;
const VOLUME_RANGE_DB = 100;
const VOLUME_SMOOTHING = 0.2;
const FULL_SCALE_SQUARED = 32768 * 32768;

export class VolumeMeter {
  private phase = 0;
  private sumSquares = 0;
  /** Samples in sumSquares: fewer than the phase after restart() mid-window. */
  private summed = 0;
  private smoothed = 0;
  /** Whether the last audio was measured; audio after an unmeasured stretch starts the level afresh. */
  private measuring = true;

  /**
   * Smoothed volume after each window the last measure() completed, oldest first; reused by
   * every call (per-frame arrays are what a busy server's GC pays for).
   */
  levels = new Float64Array(8);

  constructor(readonly windowSamples: number) {}

  /** Smoothed volume after the last complete window (0..1). */
  get volume(): number {
    return this.smoothed;
  }

  /** Measures `samples` into `levels`; returns how many windows they completed. */
  private push(samples: Int16Array): number {
    const size = this.windowSamples;
    let completed = 0;
    let sum = this.sumSquares;
    let summed = this.summed;
    let inWindow = this.phase;
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i] as number;
      sum += s * s;
      summed++;
      if (++inWindow === size) {
        this.smoothed += VOLUME_SMOOTHING * (volumeOf(sum, summed) - this.smoothed);
        if (completed === this.levels.length) this.grow();
        this.levels[completed++] = this.smoothed;
        sum = 0;
        summed = 0;
        inWindow = 0;
      }
    }
    this.sumSquares = sum;
    this.summed = summed;
    this.phase = inWindow;
    return completed;
  }

  private grow(): void {
    const bigger = new Float64Array(this.levels.length * 2);
    bigger.set(this.levels);
    this.levels = bigger;
  }

  /**
   * With the gate on, measures the windows this audio completes: returns how many, their
   * smoothed volumes in order in `levels[0..n)`. With it off, returns -1 and measures nothing
   * (the alignment is kept). The first audio measured after the gate was off starts the level
   * afresh.
   */
  measure(samples: Int16Array, gateOn: boolean): number {
    if (!gateOn) {
      this.skip(samples.length);
      this.measuring = false;
      return -1;
    }
    if (!this.measuring) {
      this.restart();
      this.measuring = true;
    }
    return this.push(samples);
  }

  /** Keeps the window alignment through audio whose volume nobody needs (the gate is off). */
  private skip(samples: number): void {
    this.phase = (this.phase + samples) % this.windowSamples;
    this.sumSquares = 0;
    this.summed = 0;
  }

  /** Forgets the level (the gate was just turned on), keeping the window alignment. */
  private restart(): void {
    this.sumSquares = 0;
    this.summed = 0;
    this.smoothed = 0;
  }

  /** Back to sample 0 of a new stream. */
  reset(): void {
    this.restart();
    this.phase = 0;
    this.measuring = true;
  }
}

/** Unsmoothed volume (0..1) of `count` samples whose squares sum to `sumSquares`. */
function volumeOf(sumSquares: number, count: number): number {
  if (count === 0 || sumSquares === 0) return 0;
  const dbfs = 10 * Math.log10(sumSquares / count / FULL_SCALE_SQUARED);
  const v = (dbfs - VOLUME_FLOOR_DBFS) / VOLUME_RANGE_DB;
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
