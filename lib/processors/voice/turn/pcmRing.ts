// A bounded run of PCM16 audio made of the chunks it was given (kept by reference, never
// copied on the way in), that can hand out exactly its last N bytes as one array. Used for the
// pre-speech ring (the last ~1.5 s before speech) and for the turn buffer itself.

export class PcmRing {
  private chunks: Uint8Array[] = [];
  private head = 0;
  private total = 0;

  /** @param capacity bytes kept; older audio is dropped once more than this is held. */
  constructor(public capacity: number) {}

  get byteLength(): number {
    return this.total;
  }

  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.byteLength;
    // Drop whole chunks that lie entirely before the last `capacity` bytes; the partial one
    // at the front is cut when read.
    while (this.head < this.chunks.length && this.total - this.chunks[this.head]!.byteLength >= this.capacity) {
      this.total -= this.chunks[this.head]!.byteLength;
      this.head++;
    }
    if (this.head > 64 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }

  /** The last `bytes` bytes (fewer if less is held, never more than `capacity`), as one new array. */
  takeLast(bytes: number = this.capacity): Uint8Array {
    const want = Math.max(0, Math.min(bytes, this.total, this.capacity));
    const out = new Uint8Array(want);
    let end = want;
    for (let i = this.chunks.length - 1; i >= this.head && end > 0; i--) {
      const c = this.chunks[i]!;
      const n = Math.min(c.byteLength, end);
      out.set(c.subarray(c.byteLength - n), end - n);
      end -= n;
    }
    return out;
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.total = 0;
  }
}
