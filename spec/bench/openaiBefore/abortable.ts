// The services' former bridge from a Promise-based provider request to a cold Observable, kept
// for the "before" path of openaiClient.bench.ts. Subscribing runs the request; unsubscribing
// aborts its AbortSignal, which the HTTP client turns into a closed connection.

import { Observable } from "rxjs";
import type { ServiceError } from "../../../lib/services/service-error.ts";

export interface RequestScope<T> {
  /** Aborted on unsubscribe, or by `fail`. Pass it to every client call and body read. */
  readonly signal: AbortSignal;
  /** Delivers a value; a no-op once the subscriber is gone. */
  emit(value: T): void;
  /** Ends the request with `error` (e.g. a stalled stream): aborts the signal so the socket closes. */
  fail(error: ServiceError): void;
}

/**
 * `run` performs the request and emits through its scope; resolving completes the Observable.
 * Any rejection that is not a `fail` goes through `toServiceError`. After unsubscribe nothing
 * is delivered and the rejection the abort causes is ignored.
 */
export function abortableRequest<T>(
  run: (scope: RequestScope<T>) => Promise<void>,
  toServiceError: (error: unknown) => ServiceError,
): Observable<T> {
  return new Observable<T>((subscriber) => {
    const controller = new AbortController();
    let failure: ServiceError | undefined;
    const scope: RequestScope<T> = {
      signal: controller.signal,
      emit: (value) => subscriber.next(value),
      fail: (error) => {
        if (controller.signal.aborted) return;
        failure = error;
        controller.abort(error);
      },
    };
    run(scope).then(
      // Some clients end a stream quietly when its signal aborts, so a `fail` can look like success.
      () => (failure ? subscriber.error(failure) : subscriber.complete()),
      (error: unknown) => subscriber.error(failure ?? toServiceError(error)),
    );
    return () => controller.abort();
  });
}

export interface IdleWatchdog {
  /** Call on every piece of data received; restarts the countdown. */
  kick(): void;
  stop(): void;
}

/**
 * Calls `onIdle` once when `kick` has not been called for `idleMs`. A request timeout only covers
 * the wait for response headers; this covers a body that stops arriving halfway.
 * `idleMs` undefined or 0 disables it.
 */
export function idleWatchdog(idleMs: number | undefined, onIdle: () => void): IdleWatchdog {
  if (!idleMs) return { kick: () => {}, stop: () => {} };
  const timer = setTimeout(onIdle, idleMs);
  return { kick: () => timer.refresh(), stop: () => clearTimeout(timer) };
}
