// STT processor: the user's speech in, transcripts out.
//
// File-based services (Whisper-style uploads) transcribe whole turns: the turn-taking processor
// in front emits ONE AudioRawFrame per user turn, and that turn is one request. Its final text
// becomes one TranscriptionFrame (user_id "user", ISO timestamp, finalized) when the request
// completes, so one turn is one user message; interim results become
// InterimTranscriptionFrames at once. Empty transcripts are dropped. Without turn detection a
// file-based service cannot work: cutting the microphone into fixed slices would make every
// slice its own LLM turn (voicePipeline refuses that combination).
//
// A turn's transcription is not cut by an InterruptionFrame: the interruption stops the bot,
// but the user's words are real and must still reach the context. The lane marks the turn's
// audio uninterruptible for that; a CancelFrame still stops it.
//
// Streaming services get the microphone (InputAudioRawFrame, which passes on unchanged): the
// provider stream opens at the first audio and stays open; each interim or final result becomes
// a frame as it arrives. After a provider error the stream reopens at the next audio.
//
// Each transcript also goes upstream, the same frame (one id, so RTVI reports it once): turn
// taking sits in front of this processor and needs to know the user said something (a barge-in
// that brings words is not noise; a user who talks is not idle). Upstream, nothing else acts on
// it and the pipeline's source drops it.
//
// Errors become a non-fatal ErrorFrame upstream; the session goes on.

import { concat, defer, finalize, map, Subject, tap, type Observable, type Subscription } from "rxjs";
import { createFrame, type Frame } from "../../frames/index.ts";
import type { ProcessorContext } from "../../pipeline/context.ts";
import { reportUpstream } from "../../pipeline/errors.ts";
import { processor, type Processor, type ProcessorParts, type ProcessorPorts } from "../../pipeline/processor.ts";
import { emitEach } from "../../operators/emitEach.ts";
import { lanes } from "../../operators/lanes.ts";
import { ServiceError } from "../../services/service-error.ts";
import type { STTService } from "../../services/types.ts";

export interface STTProcessorOptions {
  readonly service: STTService;
  /** ISO-639-1 hint for the provider; absent = the provider detects the language. */
  readonly language?: string;
  /** user_id of the transcripts. @defaultValue "user" */
  readonly userId?: string;
}

type TranscriptKind = "TranscriptionFrame" | "InterimTranscriptionFrame";
type MakeTranscript = (kind: TranscriptKind, text: string, language?: string) => Frame;

export function sttProcessor(ctx: ProcessorContext, options: STTProcessorOptions): Processor {
  const { service } = options;
  const name = `stt:${service.name}`;
  const userId = options.userId ?? "user";

  const transcript: MakeTranscript = (kind, text, language) =>
    createFrame(ctx.ids, kind, {
      text,
      user_id: userId,
      timestamp: new Date(ctx.scheduler.now()).toISOString(),
      finalized: kind === "TranscriptionFrame",
      ...(language ? { language } : {}),
    });

  return processor(name, (ports) => {
    const reportError = reportUpstream(ctx, name, ports.pushUp);
    const onError = (error: unknown, frame: Frame): null => {
      const status = error instanceof ServiceError ? error.status : undefined;
      ctx.metrics.inc("stt_errors_total", { provider: service.name, error_type: status !== undefined ? String(status) : error instanceof Error ? error.name : "error" });
      return reportError(error, frame);
    };
    if (service.streaming && service.open) return streamingParts(ctx, name, options, ports, transcript, onError);

    return {
      down: (source) =>
        source.pipe(
          // The turn's audio is uninterruptible here, so a barge-in does not lose what was said.
          map((frame) => (frame.type === "AudioRawFrame" ? Object.freeze({ ...frame, uninterruptible: true }) : frame)),
          lanes(
            {
              data: (frame) =>
                frame.type === "AudioRawFrame" ? transcribeTurn(ctx, service, frame, options.language, transcript).pipe(tap(ports.pushUp)) : frame,
            },
            { onError },
          ),
        ),
    };
  });
}

/** One turn, one request: interim results as they come, the joined final text at the end. */
function transcribeTurn(
  ctx: ProcessorContext,
  service: STTService,
  frame: Frame<"AudioRawFrame">,
  language: string | undefined,
  transcript: MakeTranscript,
): Observable<Frame> {
  return defer(() => {
    const finals: string[] = [];
    let detected: string | undefined;
    const requestedAt = ctx.scheduler.now();
    const events$ = service
      .transcribe({ pcm: frame.audio, sampleRate: frame.sample_rate, channels: frame.num_channels, ...(language ? { language } : {}) })
      .pipe(
        emitEach((event): Frame[] => {
          const text = event.text.trim();
          if (event.type === "interim") return text ? [transcript("InterimTranscriptionFrame", text, event.language ?? language)] : [];
          if (text) finals.push(text);
          detected = event.language ?? detected;
          return [];
        }),
      );
    const final$ = defer(() => {
      ctx.metrics.observe("stt_transcription_latency_seconds", (ctx.scheduler.now() - requestedAt) / 1000, { provider: service.name, model: service.model });
      return finals.length > 0 ? [transcript("TranscriptionFrame", finals.join(" "), detected ?? language)] : [];
    });
    return concat(events$, final$);
  });
}

/** Streaming recognition: microphone audio is fed to one open provider stream. */
function streamingParts(
  ctx: ProcessorContext,
  name: string,
  options: STTProcessorOptions,
  ports: ProcessorPorts,
  transcript: MakeTranscript,
  onError: (error: unknown, frame: Frame) => null,
): ProcessorParts {
  const { service, language } = options;
  let feed: Subject<Uint8Array> | null = null;
  let connection: Subscription | null = null;

  const close = (): void => {
    feed?.complete();
    connection?.unsubscribe();
    feed = null;
    connection = null;
  };

  const open = (first: Frame<"InputAudioRawFrame">): void => {
    const audio$ = new Subject<Uint8Array>();
    const closed = (): void => {
      if (feed !== audio$) return;
      feed = null;
      connection = null;
    };
    feed = audio$;
    const format = { sampleRate: first.sample_rate, channels: first.num_channels, ...(language ? { language } : {}) };
    const subscription = service.open!(audio$, format).subscribe({
      next: (event) => {
        const text = event.text.trim();
        if (text === "") return;
        const frame = transcript(event.type === "final" ? "TranscriptionFrame" : "InterimTranscriptionFrame", text, event.language ?? language);
        ports.pushUp(frame);
        ports.pushDown(frame);
      },
      error: (error: unknown) => {
        closed();
        onError(error, first);
        ctx.log.info({ processor: name }, "STT stream closed by the failure; it reopens at the next audio");
      },
      complete: closed,
    });
    if (feed === audio$) connection = subscription;
  };

  return {
    down: (source) =>
      source.pipe(
        lanes(
          {
            system: (frame) => {
              if (frame.type === "InputAudioRawFrame") {
                if (!feed) open(frame);
                feed?.next(frame.audio);
              } else if (frame.type === "CancelFrame") close();
              return frame;
            },
            // At the end of the session the provider is told the audio is over, so it can finalize.
            data: (frame) => {
              if (frame.type === "EndFrame") feed?.complete();
              return frame;
            },
          },
          { onError },
        ),
        finalize(close),
      ),
  };
}
