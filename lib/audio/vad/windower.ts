// Cuts a stream of arbitrarily sized PCM16 chunks into fixed analysis windows. Transport
// frames are 20 ms while Silero wants 32 ms windows, so most windows straddle two chunks:
// the remainder is kept here between calls. A window that lies wholly inside one chunk is
// handed out as a view of that chunk (no copy); the callback must not keep it.

export class Windower {
  readonly windowSamples: number;
  private readonly pending: Int16Array;
  private filled = 0;

  constructor(windowSamples: number) {
    if (!Number.isInteger(windowSamples) || windowSamples < 1) throw new RangeError(`window must be a positive integer number of samples, got ${windowSamples}`);
    this.windowSamples = windowSamples;
    this.pending = new Int16Array(windowSamples);
  }

  /** Samples held back, waiting for the rest of their window. */
  get buffered(): number {
    return this.filled;
  }

  /** Calls `onWindow` once per window completed by `samples`, in order. Returns the count. */
  push(samples: Int16Array, onWindow: (window: Int16Array) => void): number {
    const size = this.windowSamples;
    let at = 0;
    let windows = 0;
    if (this.filled > 0) {
      const take = Math.min(size - this.filled, samples.length);
      this.pending.set(samples.subarray(0, take), this.filled);
      this.filled += take;
      at = take;
      if (this.filled < size) return 0;
      this.filled = 0;
      onWindow(this.pending);
      windows++;
    }
    while (samples.length - at >= size) {
      onWindow(samples.subarray(at, at + size));
      at += size;
      windows++;
    }
    if (at < samples.length) {
      this.pending.set(samples.subarray(at), 0);
      this.filled = samples.length - at;
    }
    return windows;
  }

  reset(): void {
    this.filled = 0;
  }
}
