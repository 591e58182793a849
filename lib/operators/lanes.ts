// lanes(): the two lanes every processor gets.
//
//   system lane   — system frames are handled the moment they arrive, even while the
//                   data lane is busy with a slow LLM stream or TTS request;
//   data lane     — data and control frames are handled one at a time, in order. A handler
//                   may return an Observable for async work; later frames wait for it.
//
// An InterruptionFrame unsubscribes the in-flight work (unless the frame being worked on is
// uninterruptible) and drops queued frames except uninterruptible ones, synchronously, before
// it is passed on. Unsubscribing is what aborts the provider request: no flags, no polling.
// A CancelFrame does the same to everything, uninterruptible frames included.
//
//   source:   -a-b-----I-c-|        (a, b, c data; I interruption; b's work is async)
//   b's work:    ^-x-y--!
//   result:   -a--x-y--I-c-|

import { isObservable, Observable, type OperatorFunction, type Subscription } from "rxjs";
import { categoryOf, isUninterruptible, type Frame } from "../frames/index.ts";

export type FrameOutput = Frame | readonly Frame[] | null | undefined | void;

export interface LaneHandlers {
  /** System frames, handled at once. Return what to emit (default: the frame itself). */
  readonly system?: (frame: Frame) => FrameOutput;
  /** Data and control frames, in order. Return frames, or an Observable of frames for async work. */
  readonly data?: (frame: Frame) => FrameOutput | Observable<Frame>;
  /** Called when an InterruptionFrame or CancelFrame tore the data lane down. */
  readonly onInterrupt?: (frame: Frame) => void;
}

export interface LaneOptions {
  /**
   * A handler threw or its work errored. Return frames to emit instead (for example nothing,
   * after pushing an ErrorFrame upstream). Without it the stream errors.
   */
  readonly onError?: (error: unknown, frame: Frame) => FrameOutput;
}

export interface LaneState {
  /** Frames waiting behind in-flight data work. */
  readonly queued: number;
  readonly busy: boolean;
}

export function lanes(handlers: LaneHandlers, options: LaneOptions = {}): OperatorFunction<Frame, Frame> {
  const { system, data, onInterrupt } = handlers;
  return (source) =>
    new Observable<Frame>((subscriber) => {
      let queue: Frame[] = [];
      let head = 0;
      let inflight: Subscription | null = null;
      let inflightFrame: Frame | null = null;
      let processing = false;
      let draining = false;
      let sourceDone = false;

      const emit = (out: FrameOutput): void => {
        if (out == null) return;
        if (Array.isArray(out)) for (const f of out as readonly Frame[]) subscriber.next(f);
        else subscriber.next(out as Frame);
      };

      const fail = (error: unknown, frame: Frame): void => {
        if (options.onError) emit(options.onError(error, frame));
        else subscriber.error(error);
      };

      const idle = (): boolean => inflight === null && !processing && head >= queue.length;

      const maybeComplete = (): void => {
        if (sourceDone && idle()) subscriber.complete();
      };

      const startInner = (frame: Frame, work: Observable<Frame>): void => {
        let ended = false;
        let async = false;
        const end = (error?: { e: unknown }): void => {
          if (ended) return;
          ended = true;
          const wasInflight = async && inflight !== null;
          if (wasInflight) {
            inflight = null;
            inflightFrame = null;
          }
          if (error) fail(error.e, frame);
          if (wasInflight) drain();
        };
        inflightFrame = frame;
        const sub = work.subscribe({
          next: (f) => subscriber.next(f),
          error: (e) => end({ e }),
          complete: () => end(),
        });
        if (ended) {
          inflightFrame = null;
          return;
        }
        async = true;
        inflight = sub;
      };

      const processData = (frame: Frame): void => {
        processing = true;
        try {
          const out = data ? data(frame) : frame;
          if (isObservable(out)) startInner(frame, out as Observable<Frame>);
          else emit(out as FrameOutput);
        } catch (error) {
          fail(error, frame);
        } finally {
          processing = false;
        }
      };

      function drain(): void {
        if (draining) return;
        draining = true;
        try {
          while (inflight === null && head < queue.length && !subscriber.closed) {
            const next = queue[head++]!;
            processData(next);
          }
          if (head >= queue.length && head > 0) {
            queue = [];
            head = 0;
          }
        } finally {
          draining = false;
        }
        maybeComplete();
      }

      const interrupt = (frame: Frame, everything: boolean): void => {
        if (inflight !== null && (everything || !isUninterruptible(inflightFrame!))) {
          const sub = inflight;
          inflight = null;
          inflightFrame = null;
          sub.unsubscribe();
        }
        const rest = queue.slice(head);
        queue = everything ? [] : rest.filter(isUninterruptible);
        head = 0;
        onInterrupt?.(frame);
      };

      const subscription = source.subscribe({
        next(frame) {
          if (categoryOf(frame) === "system") {
            const t = frame.type;
            if (t === "InterruptionFrame") interrupt(frame, false);
            else if (t === "CancelFrame") interrupt(frame, true);
            try {
              emit(system ? system(frame) : frame);
            } catch (error) {
              fail(error, frame);
            }
            if (t === "InterruptionFrame") drain();
            return;
          }
          if (!idle()) {
            queue.push(frame);
            return;
          }
          processData(frame);
          if (head < queue.length) drain();
        },
        error: (e) => subscriber.error(e),
        complete() {
          sourceDone = true;
          maybeComplete();
        },
      });

      return () => {
        subscription.unsubscribe();
        inflight?.unsubscribe();
        inflight = null;
        queue = [];
      };
    });
}
