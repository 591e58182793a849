// backpressure(): a bounded queue between a transport and a pipeline.
//
// RxJS has no backpressure of its own, so this operator is where a session's input is
// bounded. Frames pass straight through while the consumer is ready and nothing is queued
// (the common case costs one branch). While `ready$` says false (services still connecting,
// or a stage asked to hold input) frames queue up to `capacity`; past it the overflow
// policy decides:
//
//   "pause"        ask the source to stop reading (`pause()`), resume at half capacity;
//                  frames already in flight are still queued, so nothing is lost
//   "drop_oldest"  drop the oldest droppable frame to make room: stale audio goes first
//   "error"        fail the stream with BackpressureOverflowError
//
// Droppable means data/control frames and input audio. Input audio is a system frame (so
// it never waits behind data work inside the pipeline) but it is also the flood: 50 frames
// a second, where fresh audio is worth more than stale. Every other system frame (Start,
// Cancel, Interruption, speaking state, DTMF, messages) is never dropped: it is queued past
// capacity if it must be.
//
//   source:  -a-b-c-d-e----|     capacity 2, drop_oldest
//   ready$:  f---------t
//   result:  ----------(de)|     (a, b, c were dropped as d and e arrived)

import { Observable, type MonoTypeOperatorFunction } from "rxjs";
import { categoryOf, type Frame } from "../frames/index.ts";

export type OverflowPolicy = "pause" | "drop_oldest" | "error";

export const OVERFLOW_POLICIES: readonly OverflowPolicy[] = ["pause", "drop_oldest", "error"];

export interface BackpressureStats {
  /** Frames waiting now. */
  depth: number;
  /** Largest depth seen. */
  highWater: number;
  /** Frames dropped by the drop_oldest policy. */
  dropped: number;
  /** Times the source was asked to pause. */
  pauses: number;
  paused: boolean;
}

export interface BackpressureConfig {
  /** Most frames queued before the overflow policy applies. @defaultValue 256 */
  readonly capacity?: number;
  /** @defaultValue "pause" */
  readonly overflow?: OverflowPolicy;
  /** Whether the consumer takes frames now. Without it the consumer is always ready. */
  readonly ready$?: Observable<boolean>;
  /** Stop reading the source (policy "pause"). */
  readonly pause?: () => void;
  /** Start reading the source again. */
  readonly resume?: () => void;
  /** Live counters, updated in place (read them at metrics-scrape time). */
  readonly stats?: BackpressureStats;
  /** Called on each drop, with the frame dropped. */
  readonly onDrop?: (frame: Frame) => void;
}

export class BackpressureOverflowError extends Error {
  constructor(readonly capacity: number) {
    super(`pipeline input queue overflowed its capacity of ${capacity} frames`);
    this.name = "BackpressureOverflowError";
  }
}

/** Frames the queue may drop or refuse: data/control frames and input audio. */
export function droppable(frame: Frame): boolean {
  return frame.type === "InputAudioRawFrame" || categoryOf(frame) !== "system";
}

export function createBackpressureStats(): BackpressureStats {
  return { depth: 0, highWater: 0, dropped: 0, pauses: 0, paused: false };
}

export function backpressure(config: BackpressureConfig = {}): MonoTypeOperatorFunction<Frame> {
  const capacity = Math.max(1, config.capacity ?? 256);
  const policy = config.overflow ?? "pause";
  const resumeAt = Math.floor(capacity / 2);
  return (source) =>
    new Observable<Frame>((subscriber) => {
      const stats = config.stats ?? createBackpressureStats();
      let queue: Frame[] = [];
      let head = 0;
      let ready = config.ready$ === undefined;
      let sourceDone = false;
      let draining = false;

      const depth = (): number => queue.length - head;
      const record = (): void => {
        const d = depth();
        stats.depth = d;
        if (d > stats.highWater) stats.highWater = d;
      };

      const dropOldest = (): boolean => {
        for (let i = head; i < queue.length; i++) {
          const f = queue[i]!;
          if (droppable(f)) {
            queue.splice(i, 1);
            stats.dropped++;
            config.onDrop?.(f);
            return true;
          }
        }
        return false;
      };

      const resumeIfLow = (): void => {
        if (stats.paused && depth() <= resumeAt) {
          stats.paused = false;
          config.resume?.();
        }
      };

      const drain = (): void => {
        if (draining) return;
        draining = true;
        try {
          while (ready && head < queue.length && !subscriber.closed) {
            const f = queue[head]!;
            queue[head++] = undefined as unknown as Frame;
            stats.depth = depth();
            subscriber.next(f);
          }
          if (head >= queue.length) {
            queue = [];
            head = 0;
            stats.depth = 0;
          }
          resumeIfLow();
        } finally {
          draining = false;
        }
        if (sourceDone && depth() === 0 && !subscriber.closed) subscriber.complete();
      };

      const enqueue = (frame: Frame): void => {
        if (depth() >= capacity && droppable(frame)) {
          if (policy === "error") {
            subscriber.error(new BackpressureOverflowError(capacity));
            return;
          }
          if (policy === "drop_oldest" && !dropOldest()) {
            // Only system frames are queued: the new frame is the oldest droppable one.
            stats.dropped++;
            config.onDrop?.(frame);
            return;
          }
        }
        queue.push(frame);
        record();
        if (policy === "pause" && !stats.paused && depth() >= capacity) {
          stats.paused = true;
          stats.pauses++;
          config.pause?.();
        }
      };

      const readySub = config.ready$?.subscribe({
        next(value) {
          ready = value;
          if (ready) drain();
        },
        error: (e) => subscriber.error(e),
      });

      const sub = source.subscribe({
        next(frame) {
          if (ready && head >= queue.length && !draining) {
            subscriber.next(frame);
            return;
          }
          enqueue(frame);
          if (ready) drain();
        },
        error: (e) => subscriber.error(e),
        complete() {
          sourceDone = true;
          if (depth() === 0) subscriber.complete();
        },
      });

      return () => {
        sub.unsubscribe();
        readySub?.unsubscribe();
        queue = [];
        head = 0;
        stats.depth = 0;
      };
    });
}
