// The processor contract.
//
// A processor sits between two neighbours and sees two streams: frames flowing downstream
// (source → sink) and frames flowing upstream (sink → source). `link` takes both input
// streams and returns both output streams; a pipeline links its processors in a chain.
// Most processors are written with `processor()`, which gives each direction its own
// RxJS operator plus a pair of Subjects to push a frame the *other* way from where the
// processor stands (an ErrorFrame raised while handling downstream audio goes upstream).

import { Observable, Subject, type OperatorFunction } from "rxjs";
import type { Frame } from "../frames/index.ts";

export interface Ends {
  readonly down: Observable<Frame>;
  readonly up: Observable<Frame>;
}

export interface Processor {
  readonly name: string;
  /**
   * Wires this processor between its neighbours. Called once per session. Each returned
   * stream must be subscribed exactly once by the caller.
   */
  link(inputs: Ends): Ends;
  /** Runs before the StartFrame, in pipeline order (connect services, warm caches). */
  setup?(): Promise<void> | void;
  /** Runs after the session ended, in reverse pipeline order. */
  cleanup?(): Promise<void> | void;
}

/** Ports a processor uses to emit frames from its own position in the chain. */
export interface ProcessorPorts {
  /** Send a frame toward the source, starting just above this processor. */
  pushUp(frame: Frame): void;
  /** Send a frame toward the sink, starting just below this processor. */
  pushDown(frame: Frame): void;
}

export interface ProcessorParts {
  /** Operator for frames flowing downstream (default: pass through). */
  readonly down?: OperatorFunction<Frame, Frame>;
  /** Operator for frames flowing upstream (default: pass through). */
  readonly up?: OperatorFunction<Frame, Frame>;
  readonly setup?: () => Promise<void> | void;
  readonly cleanup?: () => Promise<void> | void;
}

/**
 * Emits everything `main$` emits plus everything `side$` emits while `main$` is live.
 * Completion and errors follow `main$` only: the side input is a port, not a source.
 */
export function withSideInput<T>(main$: Observable<T>, side$: Observable<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    const subscription = side$.subscribe((value) => subscriber.next(value));
    subscription.add(main$.subscribe(subscriber));
    return subscription;
  });
}

/**
 * Builds a processor from per-direction operators. `build` receives the ports at once,
 * so closures can push frames either way; the ports' Subjects are owned here and are
 * completed when the processor is cleaned up.
 */
export function processor(name: string, build: (ports: ProcessorPorts) => ProcessorParts): Processor {
  const upward = new Subject<Frame>();
  const downward = new Subject<Frame>();
  const parts = build({
    pushUp: (frame) => upward.next(frame),
    pushDown: (frame) => downward.next(frame),
  });
  return {
    name,
    link({ down, up }) {
      return {
        down: withSideInput(parts.down ? down.pipe(parts.down) : down, downward),
        up: withSideInput(parts.up ? up.pipe(parts.up) : up, upward),
      };
    },
    setup: parts.setup,
    async cleanup() {
      try {
        await parts.cleanup?.();
      } finally {
        upward.complete();
        downward.complete();
      }
    },
  };
}
