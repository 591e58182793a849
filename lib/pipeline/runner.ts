// SessionRunner: one session's lifecycle.
//
//   link → subscribe (transport input already queues) → setup, in order → StartFrame →
//   open the input gate → run → EndFrame (graceful: drains, bounded by endTimeoutMs) or
//   CancelFrame (immediate) → unsubscribe → cleanup, in reverse → close the transport.
//
// The transport's input reaches the pipeline through `backpressure()`, so input that
// arrives while slow services connect is queued (bounded) instead of lost or unbounded.
// A peer that disconnects ends the session with a CancelFrame: nothing is left running.

import { BehaviorSubject, merge, NEVER, Observable, Subject, Subscription, tap, timer } from "rxjs";
import { createFrame, type Frame, type FrameFieldMap } from "../frames/index.ts";
import {
  backpressure,
  createBackpressureStats,
  type BackpressureStats,
  type OverflowPolicy,
} from "../operators/backpressure.ts";
import type { Transport } from "../transports/transport.ts";
import type { ProcessorContext } from "./context.ts";
import { pipeline } from "./pipeline.ts";
import { processor, type Processor } from "./processor.ts";

export type EndReason = "end" | "cancel" | "disconnect" | "error";

export interface SessionResult {
  readonly reason: EndReason;
  readonly detail?: string;
}

export interface RunnerOptions {
  readonly transport: Transport;
  readonly pipeline: Processor;
  readonly ctx: ProcessorContext;
  readonly start?: Partial<FrameFieldMap["StartFrame"]>;
  readonly inputQueue?: { readonly capacity?: number; readonly overflow?: OverflowPolicy };
  /** How long a graceful end may take before the session is cancelled. @defaultValue 10000 */
  readonly endTimeoutMs?: number;
}

export const DEFAULT_START: FrameFieldMap["StartFrame"] = {
  audio_in_sample_rate: 16000,
  audio_out_sample_rate: 24000,
  allow_interruptions: true,
  enable_metrics: true,
  enable_usage_metrics: false,
};

export class SessionRunner {
  readonly stats: BackpressureStats = createBackpressureStats();
  private readonly control$ = new Subject<Frame>();
  private readonly endRequests$ = new Subject<Frame>();
  private readonly ready$ = new BehaviorSubject(false);
  private readonly subscription = new Subscription();
  private finished = false;
  private ending = false;
  private resolveRun!: (r: SessionResult) => void;
  private readonly result = new Promise<SessionResult>((resolve) => (this.resolveRun = resolve));

  private readonly chain: Processor;

  constructor(private readonly opts: RunnerOptions) {
    this.chain = pipeline("session", [opts.pipeline, this.sinkEdge()]);
  }

  /** Runs the session to its end. Never rejects: failures end the session with reason "error". */
  async run(): Promise<SessionResult> {
    const { transport, ctx } = this.opts;
    const chain = this.chain;
    const input$ = merge(
      transport.input$.pipe(
        tap({
          complete: () => this.cancel("client disconnected", "disconnect"),
          error: (e: unknown) => this.fail(e),
        }),
      ),
      this.endRequests$,
    ).pipe(
      backpressure({
        capacity: this.opts.inputQueue?.capacity,
        overflow: this.opts.inputQueue?.overflow,
        ready$: this.ready$,
        pause: () => transport.pauseReads(),
        resume: () => transport.resumeReads(),
        stats: this.stats,
        onDrop: () => ctx.metrics.inc("pipeline_input_dropped_total"),
      }),
    );
    const ends = chain.link({ down: merge(this.control$, input$), up: NEVER });
    this.subscription.add(ends.up.subscribe((frame) => this.atSource(frame)));
    this.subscription.add(ends.down.subscribe({ error: (e: unknown) => this.fail(e) }));

    try {
      await chain.setup?.();
    } catch (error) {
      this.fail(error);
      return this.result;
    }
    if (!this.finished) {
      ctx.log.info({ event: "session_start" }, "session started");
      this.control$.next(createFrame(ctx.ids, "StartFrame", { ...DEFAULT_START, ...this.opts.start }));
      this.ready$.next(true);
    }
    return this.result;
  }

  /** Graceful end: an EndFrame follows the queued input; output drains, then the session ends. */
  end(reason = "ended"): void {
    if (this.finished || this.ending) return;
    this.ending = true;
    this.endRequests$.next(createFrame(this.opts.ctx.ids, "EndFrame", { reason }));
    const limit = this.opts.endTimeoutMs ?? 10_000;
    this.subscription.add(timer(limit, this.opts.ctx.scheduler).subscribe(() => this.cancel(`end took over ${limit} ms`)));
  }

  /** Immediate end: a CancelFrame passes every processor at once, then everything is torn down. */
  cancel(reason = "cancelled", as: EndReason = "cancel"): void {
    if (this.finished) return;
    this.control$.next(createFrame(this.opts.ctx.ids, "CancelFrame", { reason }));
    // System frames travel synchronously, so the CancelFrame has reached the sink by now.
    void this.finish({ reason: as, detail: reason });
  }

  private fail(error: unknown): void {
    const detail = error instanceof Error ? error.message : String(error);
    this.opts.ctx.log.error({ err: error }, "session failed");
    this.cancel(detail, "error");
  }

  /** Frames that travelled upstream past the first processor. */
  private atSource(frame: Frame): void {
    const log = this.opts.ctx.log;
    switch (frame.type) {
      case "ErrorFrame":
      case "FatalErrorFrame":
        if (frame.fatal) {
          log.error({ error: frame.error, processor: frame.processor }, "fatal error");
          this.cancel(frame.error, "error");
        } else {
          log.warn({ error: frame.error, processor: frame.processor }, "processor error");
        }
        return;
      case "EndFrame":
        this.end(frame.reason ?? "ended by pipeline");
        return;
      case "CancelFrame":
        this.cancel(frame.reason ?? "cancelled by pipeline");
        return;
      default:
        return;
    }
  }

  /** The last processor: hands frames to the transport, feeds its events back upstream. */
  private sinkEdge(): Processor {
    const { transport } = this.opts;
    return processor("sink", (ports) => ({
      down: (frames$) =>
        new Observable<Frame>((subscriber) => {
          const sub = frames$.subscribe({
            next: (frame) => {
              transport.send(frame);
              if (frame.type === "EndFrame") {
                void transport.drained().then(() => this.finish({ reason: "end", detail: frame.reason }));
              }
            },
            error: (e: unknown) => subscriber.error(e),
            complete: () => subscriber.complete(),
          });
          sub.add(transport.events$.subscribe((f) => ports.pushUp(f)));
          return sub;
        }),
    }));
  }

  private async finish(result: SessionResult): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    const { ctx, transport } = this.opts;
    this.ready$.complete();
    this.subscription.unsubscribe();
    this.control$.complete();
    this.endRequests$.complete();
    try {
      await this.chain.cleanup?.();
    } catch (error) {
      ctx.log.error({ err: error }, "cleanup failed");
    }
    try {
      await transport.close(result.detail);
    } catch (error) {
      ctx.log.warn({ err: error }, "transport close failed");
    }
    ctx.log.info({ event: "session_end", reason: result.reason, detail: result.detail }, "session ended");
    this.resolveRun(result);
  }
}
