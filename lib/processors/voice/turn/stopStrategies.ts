// User-turn STOP strategies. Each is a function from the turn in progress to an Observable
// that emits when the turn should end. The controller subscribes every strategy when a turn
// starts and unsubscribes them all when it ends (by any cause), so a strategy's timers and
// in-flight analyses are torn down by unsubscription: nothing checks a "still valid?" flag.
//
//   VAD:       --S-------s-----------S----s------------
//   speech timeout 600 ms: ^--600ms--!    ^--600ms--x   (x: the turn ends)
//
// All timers run on the injected scheduler, so marble tests check them in virtual time.

import {
  combineLatest,
  defer,
  filter,
  first,
  from,
  isObservable,
  map,
  merge,
  NEVER,
  Observable,
  of,
  startWith,
  switchMap,
  timer,
  type SchedulerLike,
  type Subscription,
} from "rxjs";
import type { Frame } from "../../../frames/index.ts";
import type { EndOfTurnState, EndOfTurnVerdict, TurnAnalyzer } from "../../../audio/turn/analyzer.ts";
import { SilenceTurnAnalyzer } from "../../../audio/turn/silence.ts";
import { isFinalTranscript, isInputAudio, isVadFrame, transcriptText } from "./transcripts.ts";
import { vadLagMs } from "./vadLag.ts";

/** The user turn in progress, as a stop strategy sees it. */
export interface UserTurnView {
  /** Every frame the controller sees during the turn, starting with the one that started it. Completes when the turn ends. */
  readonly frames$: Observable<Frame>;
  /** Whether the VAD reported speech when the turn started. */
  readonly vadSpeaking: boolean;
  readonly scheduler: SchedulerLike;
}

export interface UserTurnStopStrategy {
  readonly name: string;
  /** Emits when the turn should end (the first emission counts). */
  stop(turn: UserTurnView): Observable<unknown>;
}

export interface SpeechTimeoutStopOptions {
  /** Quiet time after the VAD's stop event that ends the turn (ms). @defaultValue 600 */
  readonly timeoutMs?: number;
  /**
   * Also wait for a final transcript of the turn (for streaming STT, so the turn's text is
   * complete when it ends). Do not use with an STT that transcribes the finished turn's audio:
   * that transcript can only come after the turn ends, and the watchdog would end every turn.
   * @defaultValue false
   */
  readonly waitForTranscript?: boolean;
}

/** Pipecat's speech timeout: the turn ends `timeoutMs` after the VAD reports the end of speech. */
export function speechTimeoutStop({ timeoutMs = 600, waitForTranscript = false }: SpeechTimeoutStopOptions = {}): UserTurnStopStrategy {
  checkMs("speech timeout", timeoutMs);
  return {
    name: "speech_timeout",
    stop: (turn) => gateOnTranscript(turn, quietFor(turn, () => timeoutMs), waitForTranscript),
  };
}

export interface SilenceStopOptions {
  /** Silence after the user's last speech that ends the turn (ms): `turn_stop_secs`. @defaultValue 800 */
  readonly silenceMs?: number;
  readonly waitForTranscript?: boolean;
}

/**
 * The turn ends once `silenceMs` have passed since the user's last speech. The VAD reports the
 * stop only after its own stop window (≈ vad_stop_secs, measured by the VAD processor and carried
 * on the frame), so the wait after the stop event is the remainder: 800 ms with a 224 ms VAD
 * window is a 576 ms wait. A turn that started with the VAD quiet waits the full `silenceMs`.
 */
export function silenceStop({ silenceMs = 800, waitForTranscript = false }: SilenceStopOptions = {}): UserTurnStopStrategy {
  checkMs("silence", silenceMs);
  return {
    name: "silence",
    stop: (turn) => gateOnTranscript(turn, quietFor(turn, (f) => Math.max(0, silenceMs - (f ? vadLagMs(f) : 0))), waitForTranscript),
  };
}

export interface TurnAnalyzerStopOptions {
  readonly waitForTranscript?: boolean;
}

/**
 * The turn ends when the analyzer says so: from the audio (appendAudio, every chunk of the turn)
 * or when asked at a VAD stop (analyzeEndOfTurn, possibly async; dropped if speech resumes).
 * One analyzer serves one session: it is cleared when each turn starts and ends.
 */
export function turnAnalyzerStop(analyzer: TurnAnalyzer, { waitForTranscript = false }: TurnAnalyzerStopOptions = {}): UserTurnStopStrategy {
  return {
    name: `turn_analyzer:${analyzer.name}`,
    stop: (turn) => gateOnTranscript(turn, analyzerVerdicts(analyzer, turn), waitForTranscript),
  };
}

/** The silence analyzer as a stop strategy: `stopMs` of audio the VAD calls non-speech, counted in audio time. */
export function silenceAnalyzerStop(stopMs: number, options: TurnAnalyzerStopOptions = {}): UserTurnStopStrategy {
  checkMs("silence analyzer", stopMs);
  return turnAnalyzerStop(new SilenceTurnAnalyzer({ stopSecs: stopMs / 1000 }), options);
}

/**
 * The watchdog behind the strategies: ends a turn that no strategy ended (a transcript that
 * never came, an async analyzer that never answered) `timeoutMs` after the user's last activity
 * (VAD edge or transcript), counting only while the VAD is quiet: ongoing speech is for
 * `maxDurationStop` to cut.
 */
export function stopWatchdog(timeoutMs: number): UserTurnStopStrategy {
  checkMs("user turn stop timeout", timeoutMs);
  return {
    name: "stop_timeout",
    stop: (turn) =>
      defer(() => {
        let speaking = turn.vadSpeaking;
        return turn.frames$.pipe(
          filter((f) => isVadFrame(f) || transcriptText(f) !== undefined),
          map((f) => {
            if (isVadFrame(f)) speaking = f.type === "VADUserStartedSpeakingFrame";
            return speaking;
          }),
          startWith(speaking),
          switchMap((isSpeaking) => (isSpeaking ? NEVER : timer(timeoutMs, turn.scheduler))),
        );
      }),
  };
}

/** Ends the turn `maxMs` after it started, whatever the user is doing. */
export function maxDurationStop(maxMs: number): UserTurnStopStrategy {
  checkMs("turn max duration", maxMs);
  return { name: "max_duration", stop: (turn) => timer(maxMs, turn.scheduler) };
}

/** Ends the turn when a UserStoppedSpeakingFrame arrives from upstream (client-driven turns). */
export function externalStop(): UserTurnStopStrategy {
  return { name: "external", stop: (turn) => turn.frames$.pipe(filter((f) => f.type === "UserStoppedSpeakingFrame")) };
}

/**
 * Emits each time the VAD has been quiet for `waitMs(stopFrame)` since its stop event; a VAD
 * start cancels the wait. A turn that began with the VAD quiet starts waiting at once.
 */
function quietFor(turn: UserTurnView, waitMs: (stop: Frame | undefined) => number): Observable<true> {
  const edges$ = turn.frames$.pipe(
    filter(isVadFrame),
    map((f) => (f.type === "VADUserStoppedSpeakingFrame" ? f : null)),
  );
  const initial$ = turn.vadSpeaking ? NEVER : of(undefined);
  return merge(initial$, edges$).pipe(
    switchMap((stop) => (stop === null ? NEVER : timer(waitMs(stop), turn.scheduler))),
    map(() => true as const),
  );
}

/**
 * With `wait`, `ready$` counts only once a final transcript of the turn has been seen: the turn
 * ends at whichever comes last. A VAD start after `ready$` fired undoes it.
 */
function gateOnTranscript(turn: UserTurnView, ready$: Observable<unknown>, wait: boolean): Observable<unknown> {
  if (!wait) return ready$;
  return defer(() => {
    const resets$ = turn.frames$.pipe(
      filter((f) => f.type === "VADUserStartedSpeakingFrame"),
      map(() => false),
    );
    const readiness$ = merge(ready$.pipe(map(() => true)), resets$).pipe(startWith(false));
    const transcribed$ = turn.frames$.pipe(first(isFinalTranscript), map(() => true), startWith(false));
    return combineLatest([readiness$, transcribed$]).pipe(filter(([ready, transcribed]) => ready && transcribed));
  });
}

function analyzerVerdicts(analyzer: TurnAnalyzer, turn: UserTurnView): Observable<EndOfTurnState> {
  return new Observable<EndOfTurnState>((subscriber) => {
    analyzer.clear();
    let speaking = turn.vadSpeaking;
    // At most one analysis in flight: speech resuming, or the next VAD stop, cancels the last.
    let analysis: Subscription | undefined;
    const onVerdict = (state: EndOfTurnState): void => {
      if (state === "complete") subscriber.next(state);
    };
    const frames = turn.frames$.subscribe({
      next(frame) {
        if (isInputAudio(frame)) {
          onVerdict(analyzer.appendAudio(frame.audio, frame.sample_rate, frame.num_channels, speaking));
        } else if (isVadFrame(frame)) {
          speaking = frame.type === "VADUserStartedSpeakingFrame";
          analysis?.unsubscribe();
          analysis = speaking
            ? undefined
            : defer(() => verdict$(analyzer.analyzeEndOfTurn())).subscribe({ next: onVerdict, error: (e: unknown) => subscriber.error(e) });
        }
      },
      error: (e: unknown) => subscriber.error(e),
    });
    return () => {
      frames.unsubscribe();
      analysis?.unsubscribe();
      analyzer.clear();
    };
  });
}

function verdict$(verdict: EndOfTurnVerdict): Observable<EndOfTurnState> {
  if (typeof verdict === "string") return of(verdict);
  if (isObservable(verdict)) return verdict;
  return from(verdict);
}

function checkMs(what: string, ms: number): void {
  if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`${what} must be a number of ms ≥ 0, got ${ms}`);
}
