// vadProcessor: runs voice activity detection on the user's audio; the audio itself passes at once.
//
// InputAudioRawFrame (a system frame) passes on at once and untouched; the chunk is then fed to
// the analyzer in the same call stack (no scheduler hop: ~1 ms per hop under load). Each
// transition the analyzer reports becomes a frame downstream, right after the audio that
// caused it:
//   speech_start → VADUserStartedSpeakingFrame { start_secs }
//   speech_stop  → VADUserStoppedSpeakingFrame { stop_secs }
// with `timestamp` (scheduler time, s) and metadata.vad_lag_ms: how much audio has passed
// since the true edge of speech (the VAD needs start_secs of speech to say "started"), which
// turn-taking uses to place the onset exactly (turn/vadLag.ts).
//
// Asynchronous analyzers: `analyze` may answer VAD_LATER and hand the transitions to the
// LateVad it was given once they are known, in the order of the calls (the analyzer keeps that
// order; once it has answered later, it answers later until it has caught up). Audio still
// passes at once and in order; the VAD frames come when the results do, late by the analysis
// time but never reordered. Results for audio from before a reset, a CancelFrame or an
// unsubscription are dropped: each stream generation gets its own LateVad. No Promise per
// chunk: the server's Silero analyzer answers this way for 50 chunks a second per caller, its
// windows joining one batched inference across sessions (audio/vad/sileroBatch.ts).
//
// Muted mic: while the VAD says "speaking", audio that stops arriving for audioIdleTimeoutMs
// (Pipecat: 1 s) forces a stop and resets the analyzer, so a turn cannot hang on a dead stream.
//
// VADParamsUpdateFrame, in either direction, changes the analyzer's parameters and passes on;
// bad values are reported upstream as a non-fatal ErrorFrame and change nothing.

import { Observable, tap, timer, type Subscription } from "rxjs";
import type { VADEvent } from "../../audio/vad/analyzer.ts";
import type { VADParams } from "../../audio/vad/params.ts";
import { createFrame, type Frame } from "../../frames/index.ts";
import type { ProcessorContext } from "../../pipeline/context.ts";
import { processor, type Processor } from "../../pipeline/processor.ts";
import { VAD_LAG_KEY } from "./turn/vadLag.ts";

/** Where an analyzer that answered VAD_LATER delivers, once per such call, in call order. */
export interface LateVad {
  events(events: readonly VADEvent[]): void;
  /** The analysis failed: the VAD stops for this stream and says why. */
  error(error: unknown): void;
}

/** analyze()'s answer when the transitions will come through the LateVad. */
export const VAD_LATER = Symbol("VAD_LATER");

/** One audio stream's VAD: the state machine over a detector (VADAnalyzer), or a scripted stand-in. */
export interface StreamVad {
  /** PCM16LE in the stream's format; returns the transitions it caused, or VAD_LATER (see the top of the file). */
  analyze(pcm: Uint8Array, late: LateVad): readonly VADEvent[] | typeof VAD_LATER;
  setParams?(params: Partial<VADParams>): void;
  readonly params?: VADParams;
  /** Back to quiet at audio time 0. */
  reset?(): void;
}

export interface AudioFormat {
  readonly sampleRate: number;
  readonly numChannels: number;
}

export interface VadProcessorOptions {
  /** A ready analyzer for the stream (specs inject scripted ones). */
  readonly analyzer?: StreamVad;
  /** Or one built for the stream's format on the first audio frame, and again if the format changes. */
  readonly createAnalyzer?: (format: AudioFormat) => StreamVad;
  /** Runs in the processor's setup (load the Silero model). */
  readonly setup?: () => Promise<void> | void;
  /** Force a stop when audio stops arriving mid-speech for this long (ms); 0 = off. @defaultValue 1000 */
  readonly audioIdleTimeoutMs?: number;
}

const PARAM_KEYS = ["confidence", "start_secs", "stop_secs", "min_volume"] as const;

export function vadProcessor(ctx: ProcessorContext, options: VadProcessorOptions): Processor {
  if (!options.analyzer && !options.createAnalyzer) throw new Error("vadProcessor needs an analyzer or a createAnalyzer factory");
  const idleMs = options.audioIdleTimeoutMs ?? 1000;
  let overrides: Partial<VADParams> = {};
  let analyzer: StreamVad | undefined = options.analyzer;
  const log = ctx.log.child({ processor: "vad" });

  return processor("vad", (ports) => {
    const reportError = (message: string): void => {
      log.warn({ event: "vad_error" }, message);
      ports.pushUp(createFrame(ctx.ids, "ErrorFrame", { error: message, fatal: false, processor: "vad" }));
    };

    const applyParams = (frame: Frame<"VADParamsUpdateFrame">): void => {
      const partial: Partial<Record<keyof VADParams, number>> = {};
      for (const key of PARAM_KEYS) if (frame[key] !== undefined) partial[key] = frame[key];
      try {
        analyzer?.setParams?.(partial);
        overrides = { ...overrides, ...partial };
      } catch (error) {
        reportError(`VADParamsUpdateFrame rejected: ${error instanceof Error ? error.message : String(error)}`);
      }
    };

    return {
      setup: options.setup,
      up: (source) => source.pipe(tap((f) => f.type === "VADParamsUpdateFrame" && applyParams(f))),
      down: (source) =>
        new Observable<Frame>((subscriber) => {
          let format: AudioFormat | undefined;
          let broken = false;
          let speaking = false;
          /** Audio fed to the current analyzer since it was made or reset (ms): the analyzer's clock. */
          let fedMs = 0;
          /** Bumped on reset/cancel: results of older audio are dropped. */
          let generation = 0;
          let late = lateFor(generation);
          let lastAudioAt = 0;
          let idleCheck: Subscription | undefined;

          const emit = (events: readonly VADEvent[], gen: number): void => {
            if (gen !== generation || subscriber.closed) return;
            for (const ev of events) {
              const metadata = { [VAD_LAG_KEY]: Math.max(0, fedMs - ev.onsetMs) };
              const timestamp = ctx.scheduler.now() / 1000;
              if (ev.type === "speech_start") {
                speaking = true;
                lastAudioAt = ctx.scheduler.now();
                armIdleCheck(idleMs);
                subscriber.next(createFrame(ctx.ids, "VADUserStartedSpeakingFrame", { start_secs: ev.startSecs, timestamp, metadata }));
              } else {
                speaking = false;
                subscriber.next(createFrame(ctx.ids, "VADUserStoppedSpeakingFrame", { stop_secs: ev.stopSecs, timestamp, metadata }));
              }
            }
          };

          const fail = (error: unknown): void => {
            broken = true;
            reportError(`VAD stopped: ${error instanceof Error ? error.message : String(error)}`);
          };

          function lateFor(gen: number): LateVad {
            return { events: (events) => emit(events, gen), error: (error) => gen === generation && fail(error) };
          }

          const analyze = (stream: StreamVad, pcm: Uint8Array): void => {
            let result: readonly VADEvent[] | typeof VAD_LATER;
            try {
              result = stream.analyze(pcm, late);
            } catch (error) {
              fail(error);
              return;
            }
            if (result !== VAD_LATER) emit(result, generation);
          };

          const resetStream = (): void => {
            generation++;
            late = lateFor(generation);
            speaking = false;
            fedMs = 0;
            idleCheck?.unsubscribe();
            idleCheck = undefined;
          };

          const armIdleCheck = (afterMs: number): void => {
            idleCheck?.unsubscribe();
            idleCheck = idleMs > 0 ? timer(afterMs, ctx.scheduler).subscribe(checkIdle) : undefined;
          };

          const checkIdle = (): void => {
            idleCheck = undefined;
            if (!speaking) return;
            const silentFor = ctx.scheduler.now() - lastAudioAt;
            if (silentFor < idleMs) {
              armIdleCheck(idleMs - silentFor);
              return;
            }
            const stopSecs = analyzer?.params?.stop_secs ?? overrides.stop_secs ?? 0;
            log.debug({ event: "vad_audio_idle", silentFor }, "no audio while speaking: forcing a VAD stop");
            analyzer?.reset?.();
            resetStream();
            const metadata = { [VAD_LAG_KEY]: silentFor };
            subscriber.next(createFrame(ctx.ids, "VADUserStoppedSpeakingFrame", { stop_secs: stopSecs, timestamp: ctx.scheduler.now() / 1000, metadata }));
          };

          const onAudio = (frame: Frame<"InputAudioRawFrame">): void => {
            if (!format || format.sampleRate !== frame.sample_rate || format.numChannels !== frame.num_channels) {
              format = { sampleRate: frame.sample_rate, numChannels: frame.num_channels };
              newStream(format);
            }
            if (broken || !analyzer) return;
            fedMs += (frame.num_frames * 1000) / frame.sample_rate;
            if (speaking) lastAudioAt = ctx.scheduler.now();
            analyze(analyzer, frame.audio);
          };

          const newStream = (fmt: AudioFormat): void => {
            const wasSpeaking = speaking;
            resetStream();
            broken = false;
            if (options.createAnalyzer) {
              try {
                analyzer = options.createAnalyzer(fmt);
                if (Object.keys(overrides).length > 0) analyzer.setParams?.(overrides);
              } catch (error) {
                analyzer = undefined;
                fail(error);
              }
            } else {
              analyzer?.reset?.();
            }
            if (wasSpeaking) {
              const stopSecs = analyzer?.params?.stop_secs ?? 0;
              subscriber.next(createFrame(ctx.ids, "VADUserStoppedSpeakingFrame", { stop_secs: stopSecs, timestamp: ctx.scheduler.now() / 1000 }));
            }
          };

          const sub = source.subscribe({
            next(frame) {
              switch (frame.type) {
                case "InputAudioRawFrame":
                  subscriber.next(frame);
                  onAudio(frame);
                  return;
                case "VADParamsUpdateFrame":
                  applyParams(frame);
                  break;
                case "CancelFrame":
                case "EndFrame":
                  resetStream();
                  break;
              }
              subscriber.next(frame);
            },
            error: (e: unknown) => subscriber.error(e),
            complete: () => subscriber.complete(),
          });
          return () => {
            sub.unsubscribe();
            resetStream();
            log.debug({ event: "vad_closed" }, "vad processor unsubscribed");
          };
        }),
    };
  });
}
