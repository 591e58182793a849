// OutputPacer: plays a session's outbound audio at real time, against deadlines.
//
// Audio is cut into 40 ms chunks and each chunk is written when its place on the playout
// timeline comes within `leadMs` (100 ms) of now: chunk n of a run starts at anchor + n×40 ms
// on the monotonic clock, and every wake-up recomputes from that anchor, so timer lateness
// never accumulates (a chain of relative setTimeout(40) calls drifts by 1–2 %). The client
// therefore never holds more than ~100 ms of bot audio, and dropping the server's queue is
// enough to silence the bot at once: no client-side "clear" is needed.
//
// Other items travel in the same queue, so a frame sent after queued audio is written after
// that audio. Audio arriving faster than real time is merged up to whole chunks; nothing is
// dropped at chunk boundaries (the last piece of a run may be shorter than 40 ms).
//
// Speaking state: `onSpeaking(true)` when the first chunk of a run is written; `onSpeaking
// (false)` when the queue has run dry and the last chunk has played out, plus a grace
// (`stopGraceMs`, 250 ms) so that audio trickling in at real time does not flap it, or at
// once on interrupt().

import { pcmDurationMs } from "../../audio/pcm.ts";

export interface PacerClock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Calls `fn` after `ms`; returns a cancel function. */
  setTimer(fn: () => void, ms: number): () => void;
}

export const realClock: PacerClock = {
  now: () => performance.now(),
  setTimer(fn, ms) {
    const handle = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(handle);
  },
};

export interface PcmChunk {
  readonly pcm: Uint8Array;
  readonly sampleRate: number;
  readonly channels: number;
}

export interface PacerOptions<T> {
  readonly clock?: PacerClock;
  /** @defaultValue 40 */
  readonly chunkMs?: number;
  /** Most audio written ahead of real time. @defaultValue 100 */
  readonly leadMs?: number;
  /** Quiet time after playout before the bot counts as stopped. @defaultValue 250 */
  readonly stopGraceMs?: number;
  writeAudio(chunk: PcmChunk): void;
  writeItem(item: T): void;
  onSpeaking(speaking: boolean): void;
  /** Items kept by interrupt() (uninterruptible frames such as EndFrame). */
  keepOnInterrupt?(item: T): boolean;
}

/** A queued chunk is itself the PcmChunk handed to writeAudio: one object per 40 ms of audio. */
interface AudioEntry extends PcmChunk {
  readonly ms: number;
}
type Entry<T> = AudioEntry | { readonly item: T };

/** Queued audio is copied into slabs of this size (≈ 1.4 s at 24 kHz mono). */
const SLAB_BYTES = 64 * 1024;
const EMPTY = new Uint8Array(0);


export class OutputPacer<T> {
  private readonly clock: PacerClock;
  private readonly chunkMs: number;
  private readonly leadMs: number;
  private readonly stopGraceMs: number;
  private queue: Entry<T>[] = [];
  private head = 0;
  /** Where pushAudio copies audio to (see own()); `slabUsed` bytes of it are taken. */
  private slab = EMPTY;
  private slabUsed = 0;
  /** Timeline of the current run: chunk starts are anchor + playedMs. Null when idle. */
  private anchor: number | null = null;
  private playedMs = 0;
  private speaking = false;
  private cancelTimer: (() => void) | null = null;
  /** When the pending timer fires (clock ms); a pump that wants the same wake-up keeps it. */
  private timerAt = 0;
  private readonly onTimer = (): void => {
    this.cancelTimer = null;
    this.pump();
  };
  private waiters: (() => void)[] = [];
  private closed = false;
  private pumping = false;
  private again = false;

  constructor(private readonly opts: PacerOptions<T>) {
    this.clock = opts.clock ?? realClock;
    this.chunkMs = opts.chunkMs ?? 40;
    this.leadMs = opts.leadMs ?? 100;
    this.stopGraceMs = opts.stopGraceMs ?? 250;
  }

  get isSpeaking(): boolean {
    return this.speaking;
  }

  /** Entries waiting (audio chunks and items). */
  get queued(): number {
    return this.queue.length - this.head;
  }

  /** Milliseconds of audio waiting to be written. */
  get queuedAudioMs(): number {
    let ms = 0;
    for (let i = this.head; i < this.queue.length; i++) {
      const e = this.queue[i]!;
      if ("pcm" in e) ms += e.ms;
    }
    return ms;
  }

  pushAudio(chunk: PcmChunk): void {
    if (this.closed || chunk.pcm.byteLength === 0) return;
    const frameBytes = 2 * Math.max(1, chunk.channels);
    const chunkBytes = Math.max(frameBytes, Math.round((chunk.sampleRate * this.chunkMs) / 1000) * frameBytes);
    // Top up a short chunk still waiting at the tail, so fast producers give whole chunks.
    const tail = this.queue.length > this.head ? this.queue[this.queue.length - 1] : undefined;
    let before: Uint8Array | undefined;
    if (tail && "pcm" in tail && tail.sampleRate === chunk.sampleRate && tail.channels === chunk.channels && tail.pcm.byteLength < chunkBytes) {
      this.queue.pop();
      before = tail.pcm;
    }
    const pcm = this.own(before, chunk.pcm);
    for (let at = 0; at < pcm.byteLength; at += chunkBytes) {
      const piece = pcm.subarray(at, Math.min(pcm.byteLength, at + chunkBytes));
      this.queue.push({ pcm: piece, sampleRate: chunk.sampleRate, channels: chunk.channels, ms: pcmDurationMs(piece.byteLength, chunk.sampleRate, chunk.channels) });
    }
    this.pump();
  }

  /**
   * `before` (bytes already queued, or nothing) followed by `pcm`, copied into the pacer's own
   * append-only slabs. Queued audio waits for seconds when a TTS streams faster than real time;
   * held as views of the producer's buffers it would keep every network read buffer alive that
   * long (each one promoted, traced and swept by full GCs). Slab bytes are never rewritten, so
   * a chunk handed to writeAudio stays valid however long its reader keeps it.
   */
  private own(before: Uint8Array | undefined, pcm: Uint8Array): Uint8Array {
    const slab = this.slab;
    const room = slab.byteLength - this.slabUsed;
    if (before !== undefined && before.buffer === slab.buffer && before.byteOffset + before.byteLength === this.slabUsed && room >= pcm.byteLength) {
      slab.set(pcm, this.slabUsed);
      this.slabUsed += pcm.byteLength;
      return slab.subarray(before.byteOffset, this.slabUsed);
    }
    const lead = before?.byteLength ?? 0;
    const need = lead + pcm.byteLength;
    if (room < need) {
      this.slab = new Uint8Array(Math.max(SLAB_BYTES, need));
      this.slabUsed = 0;
    }
    const start = this.slabUsed;
    if (before !== undefined) this.slab.set(before, start);
    this.slab.set(pcm, start + lead);
    this.slabUsed += need;
    return this.slab.subarray(start, this.slabUsed);
  }

  /** An item written in order, after the audio queued before it. */
  pushItem(item: T): void {
    if (this.closed) return;
    this.queue.push({ item });
    this.pump();
  }

  /** Drops queued audio (and items not kept) at once; the bot stops speaking now. */
  interrupt(): void {
    if (this.closed) return;
    const rest = this.queue.slice(this.head);
    const keep = this.opts.keepOnInterrupt;
    this.queue = rest.filter((e) => "item" in e && keep !== undefined && keep(e.item));
    this.head = 0;
    this.dropSlab();
    this.anchor = null;
    this.playedMs = 0;
    this.setSpeaking(false);
    this.pump();
  }

  /** Resolves once the queue is empty and the audio written has played out. */
  drained(): Promise<void> {
    if (this.closed || this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.queue = [];
    this.head = 0;
    this.dropSlab();
    this.setSpeaking(false);
    this.release();
  }

  private playoutEnd(): number {
    return this.anchor === null ? -Infinity : this.anchor + this.playedMs;
  }

  private isIdle(): boolean {
    return this.head >= this.queue.length && this.clock.now() >= this.playoutEnd();
  }

  private pump(): void {
    // Callbacks may send more frames synchronously: those wait for the loop already running.
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        this.pumpOnce();
      } while (this.again && !this.closed);
    } finally {
      this.pumping = false;
    }
  }

  private pumpOnce(): void {
    if (this.closed) return;
    const now = this.clock.now();
    this.wakeAt(this.play(now), now);
  }

  /** Writes what is due; returns when to look again (clock ms), or null for never. */
  private play(now: number): number | null {
    while (this.head < this.queue.length) {
      const entry = this.queue[this.head]!;
      if ("item" in entry) {
        this.head++;
        this.opts.writeItem(entry.item);
        if (this.closed) return null;
        continue;
      }
      // A run starts now, or restarts after an underrun: never burst to catch up.
      if (this.anchor === null || this.anchor + this.playedMs < now) {
        this.anchor = now;
        this.playedMs = 0;
      }
      const endsAt = this.anchor + this.playedMs + entry.ms;
      if (endsAt - now > this.leadMs && this.playedMs > 0) return endsAt - this.leadMs;
      this.head++;
      this.playedMs += entry.ms;
      this.opts.writeAudio(entry);
      this.setSpeaking(true);
      if (this.closed) return null;
    }
    this.queue = [];
    this.head = 0;
    const end = this.playoutEnd();
    let wake: number | null = null;
    if (this.speaking) {
      // Someone waits for the end (an EndFrame): stop at playout end, without the grace.
      const stopAt = this.waiters.length > 0 ? end : end + this.stopGraceMs;
      if (now >= stopAt) {
        this.anchor = null;
        this.playedMs = 0;
        this.dropSlab();
        this.setSpeaking(false);
      } else {
        wake = stopAt;
      }
    }
    if (now >= end) this.release();
    return this.closed ? null : wake;
  }

  /** Nothing queued refers to the slab any more (a run ended, or was cut): the next audio starts a new one, and a quiet session holds none. */
  private dropSlab(): void {
    this.slab = EMPTY;
    this.slabUsed = 0;
  }

  /** One timer at most; audio pushed while it waits for the same moment does not replace it. */
  private wakeAt(at: number | null, now: number): void {
    if (at !== null && this.cancelTimer !== null && this.timerAt === at) return;
    this.cancelTimer?.();
    this.cancelTimer = null;
    if (at === null) return;
    this.timerAt = at;
    this.cancelTimer = this.clock.setTimer(this.onTimer, Math.max(0, at - now));
  }

  private setSpeaking(speaking: boolean): void {
    if (this.speaking === speaking) return;
    this.speaking = speaking;
    this.opts.onSpeaking(speaking);
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
