// Cuts a stream of PCM16 samples into fixed-size chunks (20 ms in both directions of the
// WebRTC transport). What does not fill a chunk is carried to the next push, never dropped:
// the Go original lost up to 19 ms of every TTS chunk at this step.

export class PcmChunker {
  private readonly carry: Int16Array;
  private carried = 0;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size <= 0) throw new RangeError(`chunk size must be a positive integer, got ${size}`);
    this.carry = new Int16Array(size);
  }

  /** Samples waiting for the next chunk (always fewer than `size`). */
  get pending(): number {
    return this.carried;
  }

  /** Whole chunks made of the carried samples and these; each chunk is a fresh array. */
  push(samples: Int16Array): Int16Array[] {
    const out: Int16Array[] = [];
    let at = 0;
    if (this.carried > 0) {
      const take = Math.min(this.size - this.carried, samples.length);
      this.carry.set(samples.subarray(0, take), this.carried);
      this.carried += take;
      at = take;
      if (this.carried < this.size) return out;
      out.push(this.carry.slice());
      this.carried = 0;
    }
    for (; at + this.size <= samples.length; at += this.size) out.push(samples.slice(at, at + this.size));
    if (at < samples.length) {
      this.carry.set(samples.subarray(at));
      this.carried = samples.length - at;
    }
    return out;
  }

  /** The carried samples padded with silence to one chunk, or undefined when nothing is carried. */
  flushPadded(): Int16Array | undefined {
    if (this.carried === 0) return undefined;
    const chunk = new Int16Array(this.size);
    chunk.set(this.carry.subarray(0, this.carried));
    this.carried = 0;
    return chunk;
  }

  /** Forgets the carried samples (an interruption). */
  clear(): void {
    this.carried = 0;
  }
}
