// emitEach(project): each value becomes the values `project` returns for it (none, one or
// several), emitted at once and in order.
//
// concatMap over a function returning arrays gives the same stream, but it subscribes a new
// inner Observable for every value. On the paths that carry audio and tokens (a TTS chunk every
// 40 ms per speaking session, an LLM token every few ms) those inner subscriptions were among
// the largest allocations of a busy server. An error thrown by `project` errors the stream.

import { Observable, type OperatorFunction } from "rxjs";

export function emitEach<T, R>(project: (value: T) => readonly R[]): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((subscriber) =>
      source.subscribe({
        next(value) {
          let out: readonly R[];
          try {
            out = project(value);
          } catch (error) {
            subscriber.error(error);
            return;
          }
          for (let i = 0; i < out.length && !subscriber.closed; i++) subscriber.next(out[i] as R);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
}
