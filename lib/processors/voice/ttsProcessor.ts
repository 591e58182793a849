// TTS processor: speaks the bot's text, sentence by sentence, as the LLM streams it.
//
// LLMTextFrames are gathered into sentences (sentenceAggregator.ts: the first sentence of a
// response as soon as it ends, then ≥ 30 runes at a sentence end, or 120 runes at a space); the
// rest is flushed at LLMFullResponseEndFrame, TTSSpeakFrame or EndFrame. Per response:
//
//   TTSStartedFrame (before the first sentence), then per sentence a TTSTextFrame (its text,
//   for heard-text tracking and RTVI bot-tts-text) and its TTSAudioRawFrames as they stream,
//   then TTSStoppedFrame at the end of the response.
//
// Sentences are synthesized one after another, in order: each synthesis is the data lane's
// in-flight work and later text waits behind it. An InterruptionFrame unsubscribes the running
// synthesis (the provider request is aborted), drops the queued text and empties the sentence
// buffer. Text frames with skip_tts are passed on unspoken; a TextFrame or AggregatedTextFrame
// is spoken whole; a TTSSpeakFrame speaks its text. BotStarted/StoppedSpeaking are not sent
// here: the output transport reports them when the audio is really played.
//
// Audio leaves at one rate: `sampleRate`, else the StartFrame's audio_out_sample_rate, else the
// service's; chunks at another rate are resampled per sentence (StreamResampler, no clicks).

import { concat, concatWith, defer, EMPTY, of, catchError, type Observable } from "rxjs";
import { audioFrame, createFrame, type Frame } from "../../frames/index.ts";
import { asInt16, int16ToPcmBytes } from "../../audio/pcm.ts";
import { StreamResampler } from "../../audio/resampler.ts";
import type { ProcessorContext } from "../../pipeline/context.ts";
import { errorFrame, reportUpstream } from "../../pipeline/errors.ts";
import { processor, type Processor } from "../../pipeline/processor.ts";
import { emitEach } from "../../operators/emitEach.ts";
import { lanes } from "../../operators/lanes.ts";
import { ServiceError } from "../../services/service-error.ts";
import type { TTSChunk, TTSService } from "../../services/types.ts";
import { WORD_TIMINGS_KEY, type HeardWordTiming } from "../aggregators/assistantContext.ts";
import { sentenceAggregator, type SentenceAggregatorOptions } from "../aggregators/sentenceAggregator.ts";

export interface TTSProcessorOptions {
  readonly service: TTSService;
  /** Output sample rate. Default: the StartFrame's audio_out_sample_rate, else the service's rate. */
  readonly sampleRate?: number;
  /** Sentence thresholds. @defaultValue minRunes 30, maxRunes 120, eagerFirstSentence true */
  readonly sentences?: Partial<SentenceAggregatorOptions>;
  /** Pass the bot's text frames on after reading them (RTVI bot-llm-text, transcripts). @defaultValue true */
  readonly forwardText?: boolean;
}

export function ttsProcessor(ctx: ProcessorContext, options: TTSProcessorOptions): Processor {
  const { service } = options;
  const name = `tts:${service.name}`;
  const forwardText = options.forwardText ?? true;
  const sentences = sentenceAggregator(options.sentences);
  let outRate = options.sampleRate;
  /** Inside an LLM response (Start … End): text is gathered into sentences. */
  let responseOpen = false;
  /** TTSStartedFrame has been sent for the current response or utterance. */
  let started = false;

  return processor(name, (ports) => {
    const labels = { provider: service.name, model: service.model };
    const reportError = (error: unknown): Observable<never> => {
      ctx.log.warn({ err: error, processor: name }, "TTS request failed");
      const status = error instanceof ServiceError ? error.status : undefined;
      ctx.metrics.inc("tts_errors_total", { provider: service.name, error_type: status !== undefined ? String(status) : error instanceof Error ? error.name : "error" });
      ports.pushUp(errorFrame(ctx, name, error));
      return EMPTY;
    };

    /** One sentence: its TTSTextFrame, then its audio as it streams. A failure skips the sentence. */
    const speak = (text: string, appendToContext?: boolean): Observable<Frame> =>
      defer(() => {
        const rate = outRate ?? service.sampleRate;
        const head: Frame[] = [];
        if (!started) {
          started = true;
          head.push(createFrame(ctx.ids, "TTSStartedFrame", {}));
        }
        head.push(createFrame(ctx.ids, "TTSTextFrame", { text, ...(appendToContext === false ? { append_to_context: false } : {}) }));
        const requestedAt = ctx.scheduler.now();
        let firstChunk = true;
        let resampler: StreamResampler | undefined;
        const toFrame = (pcm: Uint8Array, words?: readonly HeardWordTiming[]): Frame[] =>
          pcm.byteLength === 0
            ? []
            : [audioFrame(ctx.ids, "TTSAudioRawFrame", pcm, rate, 1, words ? { metadata: { [WORD_TIMINGS_KEY]: words } } : {})];
        const audio$ = service.synthesize(text, { sampleRate: rate }).pipe(
          emitEach((chunk: TTSChunk) => {
            if (firstChunk) {
              firstChunk = false;
              ctx.metrics.observe("tts_time_to_first_audio_chunk_seconds", (ctx.scheduler.now() - requestedAt) / 1000, labels);
            }
            const words = chunk.words?.map((w) => ({ word: w.word, start_ms: w.startMs }));
            if (chunk.sampleRate === rate) return toFrame(chunk.pcm, words);
            if (!resampler || resampler.fromRate !== chunk.sampleRate) resampler = new StreamResampler(chunk.sampleRate, rate);
            return toFrame(int16ToPcmBytes(resampler.process(asInt16(chunk.pcm))), words);
          }),
          concatWith(
            defer(() => {
              ctx.metrics.observe("tts_synthesis_latency_seconds", (ctx.scheduler.now() - requestedAt) / 1000, labels);
              return resampler ? toFrame(int16ToPcmBytes(resampler.flush())) : [];
            }),
          ),
          catchError(reportError),
        );
        return concat(head, audio$);
      });

    const speakAll = (texts: readonly string[], appendToContext?: boolean): Observable<Frame> =>
      concat(...texts.filter((t) => t !== "").map((t) => speak(t, appendToContext)));

    const stop = (): Observable<Frame> =>
      defer(() => {
        if (!started) return EMPTY;
        started = false;
        return of(createFrame(ctx.ids, "TTSStoppedFrame", {}));
      });

    /** Speaks what is buffered and closes the response; `then` follows the TTSStoppedFrame. */
    const closeResponse = (then?: Frame): Observable<Frame> => {
      responseOpen = false;
      return concat(speakAll(sentences.flush()), stop(), then ? of(then) : EMPTY);
    };

    const passed = (frame: Frame): Frame[] => (forwardText ? [frame] : []);

    const onData = (frame: Frame): Frame | Observable<Frame> => {
      switch (frame.type) {
        case "LLMFullResponseStartFrame": {
          const previous = responseOpen ? closeResponse() : EMPTY;
          return concat(
            previous,
            defer(() => {
              sentences.reset();
              responseOpen = true;
              return of(frame);
            }),
          );
        }
        case "LLMTextFrame": {
          if (frame.skip_tts) return frame;
          if (!responseOpen) {
            sentences.reset();
            responseOpen = true;
          }
          return concat(passed(frame), speakAll(sentences.push(frame.text)));
        }
        case "TextFrame":
        case "AggregatedTextFrame": {
          if (frame.skip_tts) return frame;
          const texts = [...sentences.flush(), frame.text.trim()];
          return concat(passed(frame), speakAll(texts), responseOpen ? EMPTY : stop());
        }
        case "TTSSpeakFrame": {
          const spoken = concat(speakAll(sentences.flush()), speakAll([frame.text.trim()], frame.append_to_context));
          return concat(spoken, responseOpen ? EMPTY : stop());
        }
        case "LLMFullResponseEndFrame":
        case "EndFrame":
          return closeResponse(frame);
        default:
          return frame;
      }
    };

    return {
      down: lanes(
        {
          system: (frame) => {
            if (frame.type === "StartFrame") outRate = options.sampleRate ?? frame.audio_out_sample_rate;
            if (frame.type !== "InterruptionFrame" && frame.type !== "CancelFrame") return frame;
            // The lane has already torn down the synthesis and dropped the queued text.
            sentences.reset();
            responseOpen = false;
            const wasStarted = started;
            started = false;
            return wasStarted && frame.type === "InterruptionFrame" ? [frame, createFrame(ctx.ids, "TTSStoppedFrame", {})] : frame;
          },
          data: onData,
        },
        { onError: reportUpstream(ctx, name, ports.pushUp) },
      ),
    };
  });
}
