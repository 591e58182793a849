// userTurnProcessor: decides when the user's turn starts and ends, barges in on the bot, and
// reports an idle user. Everything is driven by frames and by timers on ctx.scheduler.
//
//   start  — the start strategies are offered each frame seen while no turn is active (VAD
//            start, transcripts, …); the first "start" opens a turn. UserStartedSpeakingFrame
//            goes both ways (Pipecat broadcasts it). If interruptions are allowed
//            (StartFrame.allow_interruptions AND the option) and the strategy may interrupt, an
//            InterruptionFrame follows, both ways, in the same instant, whether or not the bot
//            is speaking yet: downstream it cuts the LLM, TTS and queued audio (an answer to the
//            previous turn still on its way is stale now); upstream it resets the input side.
//            Start frames come right AFTER a system frame that caused them (VAD start: the
//            turn audio below needs the VAD's lag first) and BEFORE a data frame that caused
//            them (a transcript), so the interruption cannot flush that transcript from a busy
//            lane below.
//   stop   — the stop strategies, the watchdog (user_turn_stop_timeout, counted from the last
//            user activity while the VAD is quiet) and the max duration race; the first ends
//            the turn: UserStoppedSpeakingFrame both ways, AFTER the frame that caused it (a
//            final transcript ends up inside the turn). A turn cut at max duration while the
//            VAD still hears speech is followed at once by a new turn: a long monologue is
//            split into max-duration pieces instead of losing its tail.
//   late   — transcripts arriving after a turn ended and before the VAD hears new speech
//            (within lateTranscriptMs) belong to that turn (an STT finishing late): they pass
//            on and start nothing.
//   false interruption — see falseInterruption.ts.
//   idle   — userIdleTimeoutMs after BotStoppedSpeaking with no user turn, VAD speech or
//            transcript, one UserIdleFrame goes downstream. Bot or user speech cancels it.
//
// Bot state comes from BotStarted/StoppedSpeakingFrame in either direction (the output transport
// reports them upstream). CancelFrame, EndFrame and unsubscription tear every timer down; after
// them no turn starts and nothing is emitted.

import { catchError, EMPTY, map, merge, Observable, Subject, take, tap, timer, type Subscription } from "rxjs";
import { categoryOf, createFrame, type Frame } from "../../../frames/index.ts";
import type { ProcessorContext } from "../../../pipeline/context.ts";
import { processor, type Processor, type ProcessorPorts } from "../../../pipeline/processor.ts";
import { continueAfterNoise, type Interrupted, type ResumeFrames } from "./falseInterruption.ts";
import { transcriptionStart, vadStart, type StartDecisionContext, type UserTurnStartStrategy } from "./startStrategies.ts";
import { maxDurationStop, speechTimeoutStop, stopWatchdog, type UserTurnStopStrategy, type UserTurnView } from "./stopStrategies.ts";
import { transcriptText } from "./transcripts.ts";

export interface UserTurnOptions {
  /** @defaultValue [vadStart(), transcriptionStart()] (Pipecat's defaults) */
  readonly start?: readonly UserTurnStartStrategy[];
  /** @defaultValue [speechTimeoutStop()] (600 ms after the VAD stop) */
  readonly stop?: readonly UserTurnStopStrategy[];
  /** Watchdog (user_turn_stop_timeout_secs): 0 = off. @defaultValue 5000 */
  readonly stopTimeoutMs?: number;
  /** turn_max_duration_secs: 0 = no limit. @defaultValue 0 */
  readonly maxDurationMs?: number;
  /** ANDed with StartFrame.allow_interruptions. @defaultValue true */
  readonly allowInterruptions?: boolean;
  /** 0 = never resume after a false interruption. @defaultValue 2000 */
  readonly falseInterruptionTimeoutMs?: number;
  /** What to push downstream after a false interruption. @defaultValue continueAfterNoise */
  readonly resumeFrames?: ResumeFrames;
  /** 0 = no idle reports. @defaultValue 0 */
  readonly userIdleTimeoutMs?: number;
  /** How long after a turn a transcript still counts as that turn's. @defaultValue 5000 */
  readonly lateTranscriptMs?: number;
}

export const USER_TURN_DEFAULTS = {
  stopTimeoutMs: 5000,
  maxDurationMs: 0,
  falseInterruptionTimeoutMs: 2000,
  userIdleTimeoutMs: 0,
  lateTranscriptMs: 5000,
} as const;

interface ActiveTurn {
  readonly number: number;
  readonly frames: Subject<Frame>;
  readonly startedBy: UserTurnStartStrategy;
  stops?: Subscription;
}

export function userTurnProcessor(ctx: ProcessorContext, options: UserTurnOptions = {}): Processor {
  return processor("user_turn", (ports) => {
    const turns = new UserTurnController(ctx, options, ports);
    return {
      down: (source) =>
        new Observable<Frame>((subscriber) => {
          const sub = source.subscribe({
            next(frame) {
              if (turns.before(frame)) subscriber.next(frame);
              turns.after(frame);
            },
            error: (e: unknown) => subscriber.error(e),
            complete: () => subscriber.complete(),
          });
          return () => {
            sub.unsubscribe();
            turns.close("unsubscribed");
          };
        }),
      up: (source) => source.pipe(tap((frame) => turns.upstream(frame))),
    };
  });
}

class UserTurnController {
  private readonly start: readonly UserTurnStartStrategy[];
  private readonly stop: readonly UserTurnStopStrategy[];
  private readonly allowOption: boolean;
  private readonly falseInterruptionMs: number;
  private readonly idleMs: number;
  private readonly lateMs: number;
  private readonly resumeFrames: ResumeFrames;

  private allowedByStart = true;
  private botSpeaking = false;
  private vadSpeaking = false;
  private closed = false;
  private turn: ActiveTurn | undefined;
  /** A turn decided on a system frame, opened once that frame has passed. */
  private startAfter: UserTurnStartStrategy | undefined;
  private turnCount = 0;
  private lateUntil = -Infinity;
  private idle: Subscription | undefined;
  /** A user turn ended and the bot has not started speaking since: an answer may be on its way. */
  private awaitingAnswer = false;
  /** An interruption brought no transcript yet (and what it cut); the timer runs between user turns. */
  private recoveryPending: Interrupted | undefined;
  private recovery: Subscription | undefined;

  constructor(
    private readonly ctx: ProcessorContext,
    options: UserTurnOptions,
    private readonly ports: ProcessorPorts,
  ) {
    this.start = options.start ?? [vadStart(), transcriptionStart()];
    const stopTimeoutMs = options.stopTimeoutMs ?? USER_TURN_DEFAULTS.stopTimeoutMs;
    const maxDurationMs = options.maxDurationMs ?? USER_TURN_DEFAULTS.maxDurationMs;
    this.stop = [
      ...(options.stop ?? [speechTimeoutStop()]),
      ...(stopTimeoutMs > 0 ? [stopWatchdog(stopTimeoutMs)] : []),
      ...(maxDurationMs > 0 ? [maxDurationStop(maxDurationMs)] : []),
    ];
    this.allowOption = options.allowInterruptions ?? true;
    this.falseInterruptionMs = options.falseInterruptionTimeoutMs ?? USER_TURN_DEFAULTS.falseInterruptionTimeoutMs;
    this.idleMs = options.userIdleTimeoutMs ?? USER_TURN_DEFAULTS.userIdleTimeoutMs;
    this.lateMs = options.lateTranscriptMs ?? USER_TURN_DEFAULTS.lateTranscriptMs;
    this.resumeFrames = options.resumeFrames ?? continueAfterNoise;
  }

  /** Handles a downstream frame before it passes on; false drops it (a rejected transcript). */
  before(frame: Frame): boolean {
    switch (frame.type) {
      case "InputAudioRawFrame":
        return true;
      case "StartFrame":
        this.allowedByStart = frame.allow_interruptions;
        return true;
      case "CancelFrame":
      case "EndFrame":
      case "StopFrame":
        this.close(frame.type);
        return true;
      case "BotStartedSpeakingFrame":
      case "BotStoppedSpeakingFrame":
        this.botState(frame);
        return true;
      case "VADUserStartedSpeakingFrame":
        this.vadSpeaking = true;
        this.lateUntil = -Infinity;
        this.cancelIdle();
        break;
      case "VADUserStoppedSpeakingFrame":
        this.vadSpeaking = false;
        break;
      default:
        if (transcriptText(frame) !== undefined) {
          this.userSpoke();
          if (this.turn === undefined && this.now() < this.lateUntil) return true;
        }
    }
    if (this.turn !== undefined || this.closed) return true;
    let rejected = false;
    const at = this.decisionContext();
    for (const strategy of this.start) {
      const verdict = strategy.decide(frame, at);
      if (verdict === "start") {
        // After a system trigger (VAD start), before a data one (transcript): see the header.
        if (categoryOf(frame) === "system") this.startAfter = strategy;
        else this.startTurn(strategy, frame);
        return true;
      }
      if (verdict === "reject") rejected = true;
    }
    if (rejected) this.ctx.log.debug({ event: "user_turn_rejected", frame: frame.type }, "frame rejected by a start strategy");
    return !rejected;
  }

  /** Feeds the frame to the turn in progress, after it passed on: stop strategies may end the turn. */
  after(frame: Frame): void {
    const deferred = this.startAfter;
    if (deferred) {
      this.startAfter = undefined;
      this.startTurn(deferred, frame);
    }
    this.turn?.frames.next(frame);
  }

  /** Bot state from the output transport; transcripts from an STT placed after turn taking. */
  upstream(frame: Frame): void {
    if (frame.type === "BotStartedSpeakingFrame" || frame.type === "BotStoppedSpeakingFrame") this.botState(frame);
    else if (transcriptText(frame) !== undefined) this.userSpoke();
  }

  /** CancelFrame, EndFrame, StopFrame or unsubscription: no more turns, no timers left. */
  close(why: string): void {
    if (this.closed) return;
    this.closed = true;
    this.startAfter = undefined;
    if (this.turn) this.endTurn(this.turn, why, false);
    this.cancelIdle();
    this.cancelRecovery();
    if (why === "CancelFrame") for (const s of this.start) s.reset?.();
    this.ctx.log.debug({ event: "user_turn_closed", why }, "user turn controller closed");
  }

  private now(): number {
    return this.ctx.scheduler.now();
  }

  private decisionContext(): StartDecisionContext {
    return { botSpeaking: this.botSpeaking, now: this.now() };
  }

  /** A transcript: the user is not idle, and the last interruption was not noise. */
  private userSpoke(): void {
    this.cancelIdle();
    this.cancelRecovery();
  }

  private botState(frame: Frame): void {
    if (frame.type === "BotStartedSpeakingFrame") {
      this.botSpeaking = true;
      this.awaitingAnswer = false;
      this.cancelIdle();
      this.cancelRecovery();
    } else {
      this.botSpeaking = false;
      if (this.turn === undefined && !this.closed) this.armIdle();
    }
  }

  private startTurn(strategy: UserTurnStartStrategy, trigger: Frame | undefined): void {
    const { ids } = this.ctx;
    this.cancelIdle();
    this.recovery?.unsubscribe();
    this.recovery = undefined;
    this.lateUntil = -Infinity;
    // Decide, and record the turn, before emitting anything: the frames below reach the output
    // transport synchronously, and it may answer at once with BotStoppedSpeaking upstream,
    // which must find the bot state as it was and the turn already open (no idle timer).
    // Every new turn interrupts (as Pipecat does), not only while the bot is speaking: an answer
    // still being thought or synthesized for the previous turn (a pause mid-sentence ended it)
    // is stale once the user speaks again; left alone it would play over, or right after, them.
    const interrupt = this.allowOption && this.allowedByStart && strategy.interrupts;
    const turn: ActiveTurn = { number: ++this.turnCount, frames: new Subject<Frame>(), startedBy: strategy };
    this.turn = turn;
    // Recovery, if this turn proves to be noise: a reply being heard, or an answer that may have
    // been on its way, was cut (falseInterruption.ts). A turn that brings its transcript along is not noise.
    const cut: Interrupted | undefined = this.botSpeaking ? "reply" : this.awaitingAnswer ? "answer" : undefined;
    if (interrupt && cut && this.falseInterruptionMs > 0 && (trigger === undefined || transcriptText(trigger) === undefined)) this.recoveryPending = cut;
    this.ctx.log.debug({ event: "user_turn_started", turn: turn.number, strategy: strategy.name, interrupt }, "user turn started");
    // A turn opened by the client's own UserStartedSpeakingFrame: that frame is the report.
    if (trigger?.type !== "UserStartedSpeakingFrame") {
      this.both(() => createFrame(ids, "UserStartedSpeakingFrame", strategy.emulated ? { emulated: true } : {}));
    }
    if (interrupt) this.both(() => createFrame(ids, "InterruptionFrame", {}));
    if (this.turn !== turn) return;
    const view: UserTurnView = { frames$: turn.frames.asObservable(), vadSpeaking: this.vadSpeaking, scheduler: this.ctx.scheduler };
    const stops = merge(
      ...this.stop.map((s) =>
        s.stop(view).pipe(
          map(() => s.name),
          catchError((error: unknown) => {
            this.reportError(`stop strategy ${s.name} failed: ${error instanceof Error ? error.message : String(error)}`);
            return EMPTY;
          }),
        ),
      ),
    )
      .pipe(take(1))
      .subscribe((reason) => this.endTurn(turn, reason, true));
    if (this.turn === turn) turn.stops = stops;
    else stops.unsubscribe();
  }

  private endTurn(turn: ActiveTurn, reason: string, report: boolean): void {
    if (this.turn !== turn) return;
    this.turn = undefined;
    turn.stops?.unsubscribe();
    turn.frames.complete();
    this.ctx.log.debug({ event: "user_turn_stopped", turn: turn.number, reason }, "user turn stopped");
    if (!report) return;
    if (reason !== "external") this.both(() => createFrame(this.ctx.ids, "UserStoppedSpeakingFrame", {}));
    const at = this.decisionContext();
    this.lateUntil = at.now + this.lateMs;
    for (const s of this.start) s.turnEnded?.(at);
    this.awaitingAnswer = true;
    if (this.recoveryPending) this.armRecovery(this.recoveryPending);
    if (reason === "max_duration" && this.vadSpeaking && !this.closed) this.startTurn(turn.startedBy, undefined);
  }

  private armRecovery(cut: Interrupted): void {
    this.recovery?.unsubscribe();
    this.recovery = timer(this.falseInterruptionMs, this.ctx.scheduler).subscribe(() => {
      this.recovery = undefined;
      this.recoveryPending = undefined;
      this.ctx.log.debug({ event: "false_interruption", cut }, "interruption brought no transcript: asking the bot to carry on");
      for (const f of this.resumeFrames(this.ctx.ids, cut)) this.ports.pushDown(f);
    });
  }

  private cancelRecovery(): void {
    this.recoveryPending = undefined;
    this.recovery?.unsubscribe();
    this.recovery = undefined;
  }

  private armIdle(): void {
    this.cancelIdle();
    if (this.idleMs <= 0) return;
    this.idle = timer(this.idleMs, this.ctx.scheduler).subscribe(() => {
      this.idle = undefined;
      this.ports.pushDown(createFrame(this.ctx.ids, "UserIdleFrame", {}));
    });
  }

  private cancelIdle(): void {
    this.idle?.unsubscribe();
    this.idle = undefined;
  }

  /** Pipecat's broadcast: one copy downstream, a sibling upstream. */
  private both(make: () => Frame): void {
    this.ports.pushDown(make());
    this.ports.pushUp(make());
  }

  private reportError(message: string): void {
    this.ctx.log.warn({ event: "user_turn_error" }, message);
    this.ports.pushUp(createFrame(this.ctx.ids, "ErrorFrame", { error: message, fatal: false, processor: "user_turn" }));
  }
}

