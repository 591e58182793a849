// A bounded run of PCM16 audio that can hand out exactly its last N bytes as one array. Used
// for the pre-speech ring (the last ~1.5 s before speech) and for the turn buffer itself.
//
// Audio is copied in, into storage the ring owns (circular, grown by doubling up to the
// capacity). Keeping the callers' chunks by reference would keep each inbound frame's bytes,
// and the socket read buffer they are a view of, alive for as long as the audio is held:
// seconds, so every one of them would outlive the young generation and be promoted, and the
// collector would then trace and sweep thousands of them per session in each full GC.

const MIN_STORAGE = 4096;

export class PcmRing {
  private store = new Uint8Array(0);
  /** Index in `store` of the byte after the newest one. */
  private end = 0;
  private total = 0;
  private cap: number;

  /** @param capacity bytes kept; older audio is dropped once more than this is held. */
  constructor(capacity: number) {
    this.cap = Math.max(0, capacity);
  }

  get byteLength(): number {
    return this.total;
  }

  get capacity(): number {
    return this.cap;
  }

  /** A smaller capacity keeps the newest audio that fits. */
  set capacity(bytes: number) {
    this.cap = Math.max(0, bytes);
    if (this.store.byteLength > this.cap) this.resize(this.cap);
  }

  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0 || this.cap === 0) return;
    // Only the newest `capacity` bytes of a chunk can ever be read.
    const src = chunk.byteLength > this.cap ? chunk.subarray(chunk.byteLength - this.cap) : chunk;
    const n = src.byteLength;
    if (this.total + n > this.store.byteLength && this.store.byteLength < this.cap) {
      this.resize(Math.min(this.cap, Math.max(MIN_STORAGE, this.store.byteLength * 2, this.total + n)));
    }
    const size = this.store.byteLength;
    const first = Math.min(n, size - this.end);
    this.store.set(first === n ? src : src.subarray(0, first), this.end);
    if (first < n) this.store.set(src.subarray(first), 0);
    this.end = (this.end + n) % size;
    this.total = Math.min(size, this.total + n);
  }

  /** The last `bytes` bytes (fewer if less is held, never more than `capacity`), as one new array. */
  takeLast(bytes: number = this.cap): Uint8Array {
    const want = Math.max(0, Math.min(bytes, this.total));
    const out = new Uint8Array(want);
    this.copyLast(out);
    return out;
  }

  clear(): void {
    this.end = 0;
    this.total = 0;
  }

  /** Fills `out` with the newest out.byteLength bytes (out.byteLength ≤ total). */
  private copyLast(out: Uint8Array): void {
    const n = out.byteLength;
    if (n === 0) return;
    const size = this.store.byteLength;
    const start = (this.end - n + size) % size;
    if (start + n <= size) out.set(this.store.subarray(start, start + n));
    else {
      const first = size - start;
      out.set(this.store.subarray(start), 0);
      out.set(this.store.subarray(0, n - first), first);
    }
  }

  /** New storage of `size` bytes holding the newest audio that fits, linearized. */
  private resize(size: number): void {
    const keep = new Uint8Array(Math.min(this.total, size));
    this.copyLast(keep);
    this.store = new Uint8Array(size);
    this.store.set(keep);
    this.total = keep.byteLength;
    this.end = size === 0 ? 0 : keep.byteLength % size;
  }
}
