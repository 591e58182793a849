// What the load generator, the server child and the stand-in child say to each other: the IPC
// messages of the rig, and the in-band "bench" messages the server sends its clients.
//
// In-band messages travel as ordinary transport messages ({label: BENCH_LABEL, ev, t}) on the
// session's own socket, so the client learns the server's decision times on the wire it
// measures, with no side channel to correlate. `t` is CLOCK_MONOTONIC in µs (stats.ts monoUs).

import type { Summary } from "./stats.ts";

export interface GcKindReport {
  count: number;
  maxMs: number;
  totalMs: number;
}

export const BENCH_LABEL = "voxray-bench";

/** Server-side events of one session, stamped where the decision is made. */
export type BenchEvent =
  /** UserStoppedSpeakingFrame leaving turn taking: the end-of-turn decision. */
  | "eot"
  /** UserStartedSpeakingFrame leaving turn taking. */
  | "user_started"
  /** InterruptionFrame leaving turn taking: the barge-in decision. */
  | "interrupt"
  /** InterruptionFrame reaching the end of the session pipeline, just before the transport. */
  | "interrupt_at_sink"
  /** BotStartedSpeakingFrame entering the pipeline from the transport: first bot audio handed to the socket. */
  | "bot_started"
  /** A TranscriptionFrame leaving the voice stage; `turn` is the stand-in's tag in its text (see turnTag.ts). */
  | "transcript";

export interface BenchMessage {
  readonly label: typeof BENCH_LABEL;
  readonly ev: BenchEvent;
  readonly t: number;
  /** "transcript" only: the turn tag the STT stand-in put in the text, when there is one. */
  readonly turn?: number;
}

export function isBenchMessage(value: unknown): value is BenchMessage {
  return typeof value === "object" && value !== null && (value as { label?: unknown }).label === BENCH_LABEL;
}

/** Parent → server child. */
export type ServerCommand =
  | { readonly id: number; readonly cmd: "window-start" }
  | { readonly id: number; readonly cmd: "window-end" }
  | { readonly id: number; readonly cmd: "memory" }
  | { readonly id: number; readonly cmd: "http-trace" }
  | { readonly id: number; readonly cmd: "stop" };

/** A request the server put on the wire to the stand-in: its last body byte handed to the socket (µs), from that local port. */
export interface ServerWrite {
  readonly port: number;
  readonly us: number;
}

export interface WindowReport {
  readonly wallMs: number;
  /** user + system CPU of the whole process (every thread) over the window, % of one core. */
  readonly cpuPct: number;
  /** Share of the window the main thread was runnable but not running (other processes had the core), %. */
  readonly runQueuePct: number;
  /** The Silero batcher over the window: windows run (warm-ups included), skipped by the volume gate, replayed, inferences. */
  readonly silero: { readonly windows: number; readonly skipped: number; readonly warmUps: number; readonly batches: number; readonly inferenceMs: number };
  /** Event-loop delay over the window, ms: monitorEventLoopDelay at 1 ms resolution, less that 1 ms. */
  readonly eld: Summary;
  /** Inbound audio frame age at the first session stage, ms (see index.ts). */
  readonly frameAge: Summary;
  /** Garbage-collection pauses in the window (PerformanceObserver "gc"), ms. */
  readonly gcPause: Summary;
  readonly gcTotalMs: number;
  /** Pauses by collector: scavenge, mark-compact, incremental, weak callbacks. */
  readonly gcKinds: Readonly<Record<string, GcKindReport>>;
  readonly sessions: number;
}

export interface MemoryReport {
  /** After two global.gc() runs. Bytes. */
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly sessions: number;
}

/** Server child → parent. */
export type ServerReply =
  | { readonly type: "ready"; readonly url: string; readonly pid: number }
  | { readonly type: "window"; readonly id: number; readonly report: WindowReport }
  | { readonly type: "memory"; readonly id: number; readonly report: MemoryReport }
  /** Requests to the stand-in since the last query (httpTrace.ts), and how many waited for a new connection. */
  | { readonly type: "http-trace"; readonly id: number; readonly writes: readonly ServerWrite[]; readonly connecting: number }
  | { readonly type: "stopped"; readonly id: number }
  | { readonly type: "error"; readonly message: string };

/** Parent → stand-in child. */
export type StandInCommand =
  | { readonly id: number; readonly cmd: "lateness" }
  | { readonly id: number; readonly cmd: "trace" }
  | { readonly id: number; readonly cmd: "stop" };

/**
 * One answered request, on CLOCK_MONOTONIC µs: headers received, request body read in full,
 * first response byte sent. `turn` is the turn tag it carried (see turnTag.ts); `port` the
 * client's port (the server's side of the connection, see httpTrace.ts).
 */
export interface StandInTrace {
  readonly endpoint: "chat" | "transcription" | "speech";
  readonly turn: number | undefined;
  readonly port: number | undefined;
  readonly receivedUs: number;
  readonly bodyUs: number;
  readonly firstByteUs: number;
}

/** Stand-in child → parent. */
export type StandInReply =
  | { readonly type: "ready"; readonly baseURL: string }
  | {
      readonly type: "lateness";
      readonly id: number;
      /** Request read in full → first byte, beyond the configured latency, per endpoint, ms, since the last query. */
      readonly lateness: Readonly<Record<"chat" | "transcription" | "speech", Summary>>;
      /** CPU of the stand-in process since the last query, % of one core. */
      readonly cpuPct: number;
    }
  | { readonly type: "trace"; readonly id: number; readonly requests: readonly StandInTrace[] }
  | { readonly type: "stopped"; readonly id: number };

export interface StandInLatencies {
  readonly sttMs: number;
  readonly ttftMs: number;
  readonly ttsFirstByteMs: number;
  readonly interTokenMs: number;
  readonly ttsChunkIntervalMs: number;
}
