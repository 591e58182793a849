// What every processor is built from: one context per session. Nothing in it is shared
// with another session except the scheduler (stateless) and process-wide metric families.

import { asyncScheduler, type SchedulerLike } from "rxjs";
import { counterIds, type IdSource } from "../frames/index.ts";

/** The subset of pino's logger API the runtime uses (pino loggers satisfy it). */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
  isLevelEnabled?(level: string): boolean;
}

/** Per-session metric sink. Implementations map names onto prom-client families. */
export interface SessionMetrics {
  inc(name: string, labels?: Readonly<Record<string, string>>, value?: number): void;
  observe(name: string, value: number, labels?: Readonly<Record<string, string>>): void;
  set(name: string, value: number, labels?: Readonly<Record<string, string>>): void;
}

export interface SessionInfo {
  readonly id: string;
  /** Which transport carries the session ("websocket", "webrtc", "memory", …). */
  readonly transport: string;
  /** Opaque app data handed to the pipeline (the `/start` body, for example). */
  readonly body?: unknown;
}

export interface ProcessorContext {
  readonly scheduler: SchedulerLike;
  readonly log: Logger;
  readonly metrics: SessionMetrics;
  readonly ids: IdSource;
  readonly session: SessionInfo;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
  isLevelEnabled() {
    return false;
  },
};

export const noMetrics: SessionMetrics = { inc() {}, observe() {}, set() {} };

/**
 * A context for tests and in-process use. The default scheduler only matters for
 * timers: frames themselves travel synchronously and never hop through a scheduler.
 */
export function createContext(over: Partial<ProcessorContext> = {}): ProcessorContext {
  return {
    scheduler: over.scheduler ?? asyncScheduler,
    log: over.log ?? silentLogger,
    metrics: over.metrics ?? noMetrics,
    ids: over.ids ?? counterIds(),
    session: over.session ?? { id: "local", transport: "memory" },
  };
}
