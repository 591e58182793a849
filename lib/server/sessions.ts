// SessionManager: starts, tracks and ends sessions. Each session has its own id (uuid), a
// child logger with `session_id` bound, a ProcessorContext (asyncScheduler for timers, its
// own frame ids), its own pipeline and SessionRunner. Nothing mutable is shared, and a
// failure inside one session ends that session only: the runner turns errors into an
// "error" end, and the manager catches whatever escapes building it.
//
// `start()` is transport-agnostic (WebRTC and telephony use it with their own transports);
// `acceptWebSocket()` is the `/ws` endpoint.

import { randomUUID } from "node:crypto";
import { asyncScheduler } from "rxjs";
import type { WebSocket } from "ws";
import type { VoxrayConfig } from "../config/schema.ts";
import { counterIds, type FrameFieldMap } from "../frames/index.ts";
import type { VoxrayMetrics } from "../observers/metrics.ts";
import type { Logger, ProcessorContext } from "../pipeline/context.ts";
import { SessionRunner, type SessionResult } from "../pipeline/runner.ts";
import { clientFormat, FormatError, serializerFor } from "../transports/websocket/format.ts";
import { createWebSocketTransport, type WebSocketTransport } from "../transports/websocket/transport.ts";
import type { Transport } from "../transports/transport.ts";
import type { UpgradeContext } from "./http.ts";
import { buildSessionPipeline, type SessionPipelineSpec } from "./sessionPipeline.ts";

export interface SessionHandle {
  readonly id: string;
  readonly kind: string;
  readonly runner: SessionRunner;
  readonly transport: Transport;
  readonly log: Logger;
  /** Resolves when the session has ended and cleaned up. Never rejects. */
  readonly done: Promise<SessionResult>;
}

export interface StartOptions {
  readonly id?: string;
  /** App data for the pipeline (ctx.session.body), e.g. the `/start` body. */
  readonly body?: unknown;
  readonly start?: Partial<FrameFieldMap["StartFrame"]>;
  /** Called when the transport is built, before the session runs. */
  readonly onTransport?: (transport: Transport, ctx: ProcessorContext) => void;
}

export interface SessionManagerOptions {
  readonly config: VoxrayConfig;
  readonly log: Logger;
  readonly metrics: VoxrayMetrics;
  readonly pipeline: SessionPipelineSpec;
  /** How long a graceful end may take before the session is cancelled. @defaultValue 10000 */
  readonly endTimeoutMs?: number;
}

export class SessionManager {
  private readonly live = new Map<string, SessionHandle>();
  private accepting = true;

  constructor(private readonly opts: SessionManagerOptions) {}

  get size(): number {
    return this.live.size;
  }

  get(id: string): SessionHandle | undefined {
    return this.live.get(id);
  }

  all(): SessionHandle[] {
    return [...this.live.values()];
  }

  /** Starts a session over a transport built for its context. Throws if the session cannot be built. */
  start(kind: string, makeTransport: (ctx: ProcessorContext) => Transport, options: StartOptions = {}): SessionHandle {
    if (!this.accepting) throw new Error("server is shutting down");
    const { config, metrics } = this.opts;
    const id = options.id ?? randomUUID();
    const log = this.opts.log.child({ session_id: id, transport: kind });
    const ctx: ProcessorContext = {
      scheduler: asyncScheduler,
      log,
      metrics: metrics.forSession(),
      ids: counterIds(),
      session: { id, transport: kind, ...(options.body !== undefined ? { body: options.body } : {}) },
    };
    const transport = makeTransport(ctx);
    let runner: SessionRunner;
    try {
      runner = new SessionRunner({
        transport,
        ctx,
        pipeline: buildSessionPipeline(ctx, config, this.opts.pipeline),
        start: { allow_interruptions: config.allow_interruptions, ...options.start },
        inputQueue: { capacity: config.pipeline_input_queue_cap, overflow: config.pipeline_input_overflow },
        endTimeoutMs: this.opts.endTimeoutMs,
      });
    } catch (error) {
      log.error({ err: error }, "could not build the session pipeline");
      void transport.close("internal error").catch(() => undefined);
      throw error;
    }
    options.onTransport?.(transport, ctx);
    const ended = metrics.sessionStarted(kind);
    const unwatch = metrics.watchInputQueue(runner.stats);
    const done = runner
      .run()
      .catch((error: unknown): SessionResult => {
        log.error({ err: error }, "session runner failed");
        return { reason: "error", detail: error instanceof Error ? error.message : String(error) };
      })
      .then((result) => {
        this.live.delete(id);
        unwatch();
        ended(result.reason);
        return result;
      });
    const handle: SessionHandle = { id, kind, runner, transport, log, done };
    this.live.set(id, handle);
    return handle;
  }

  /** The `/ws` endpoint: one socket, one session. */
  acceptWebSocket(ws: WebSocket, up: UpgradeContext): void {
    const { config } = this.opts;
    let format;
    try {
      format = clientFormat(up.url.searchParams);
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
      ws.close(1003, error.message.slice(0, 120));
      return;
    }
    let handle: SessionHandle | undefined;
    handle = this.start(
      "websocket",
      (ctx) =>
        createWebSocketTransport({
          ws,
          socket: up.socket,
          serializer: serializerFor(format.format, ctx.ids),
          ids: ctx.ids,
          log: ctx.log,
          binary: format.format === "protobuf",
          rtvi: format.rtvi,
          inactivityTimeoutMs: config.ws_session_timeout_secs * 1000,
          maxDurationMs: config.rtc_max_duration_secs * 1000,
          coalesceMs: config.ws_write_coalesce_ms,
          coalesceMaxFrames: config.ws_write_coalesce_max_frames,
          onExpired: (why) => handle?.runner.cancel(why),
        }),
    );
    handle.log.info({ event: "ws_connected", format: format.format, rtvi: format.rtvi, request_id: up.requestId }, "websocket session");
  }

  /**
   * Graceful end of every session: each gets an EndFrame (its queued output plays out),
   * and whatever has not ended after `timeoutMs` is cancelled. New sessions are refused.
   */
  async shutdown(timeoutMs = 10_000): Promise<void> {
    this.accepting = false;
    const sessions = this.all();
    if (sessions.length === 0) return;
    this.opts.log.info({ event: "shutdown", sessions: sessions.length }, "ending sessions");
    for (const s of sessions) {
      (s.transport as Partial<WebSocketTransport>).goingAway?.();
      s.runner.end("server shutting down");
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const all = Promise.all(sessions.map((s) => s.done));
    const late = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (late) {
      for (const s of this.all()) s.runner.cancel("shutdown timed out");
      await all;
    }
  }
}
