// The assistant side of the conversation context: what the bot said, as the user heard it.
//
// Sits after TTS, next to the output transport, so it sees every sentence (TTSTextFrame) and its
// audio on the way out, and the transport's BotStarted/StoppedSpeaking reports on the way back.
// When a response ends (LLMFullResponseEndFrame, or TTSStoppedFrame for speech outside an LLM
// response) its whole text is committed at once, so the next LLM run already knows it. If the
// user then interrupts before its audio has played out, the message is cut back to the words
// played (see assistantContext.ts), or removed when none were; a response interrupted before it
// ended is committed with its heard words only. All frames pass through unchanged.

import { tap } from "rxjs";
import { isFrame, type Frame } from "../../frames/index.ts";
import type { ProcessorContext } from "../../pipeline/context.ts";
import { processor, type Processor } from "../../pipeline/processor.ts";
import { heardTextTracker, WORD_TIMINGS_KEY, type HeardTextTracker, type HeardWordTiming } from "./assistantContext.ts";
import type { LLMContextStore } from "./llmContext.ts";

export interface AssistantContextAggregatorOptions {
  readonly context: LLMContextStore;
  /** Shared with a caller that wants to inspect playback (tests, metrics). Default: a new one. */
  readonly tracker?: HeardTextTracker;
}

export function assistantContextAggregator(ctx: ProcessorContext, options: AssistantContextAggregatorOptions): Processor {
  const { context } = options;
  const tracker = options.tracker ?? heardTextTracker();
  const log = ctx.log.child({ processor: "assistant_context_aggregator" });
  let llmResponseOpen = false;
  const now = (): number => ctx.scheduler.now();

  const endResponse = (): void => {
    const ended = tracker.endResponse();
    if (ended && ended.text !== "") {
      const message = { role: "assistant", content: ended.text } as const;
      context.add(message);
      ended.response.committed = message;
    }
    tracker.prune(now());
  };

  const interrupted = (): void => {
    llmResponseOpen = false;
    const at = now();
    const played = tracker.playedMs(at);
    for (const { response, heard } of tracker.interrupt(at)) {
      const message = response.committed;
      if (message) {
        if (heard !== message.content) context.replace(message, heard ? { role: "assistant", content: heard } : null);
      } else if (heard !== "") {
        context.add({ role: "assistant", content: heard });
      }
      log.debug({ played_ms: played, heard_chars: heard.length }, "bot interrupted; context keeps the heard text");
    }
  };

  const onDown = (frame: Frame): void => {
    switch (frame.type) {
      case "InterruptionFrame":
        return interrupted();
      case "CancelFrame":
        llmResponseOpen = false;
        return tracker.reset();
      case "LLMFullResponseStartFrame":
        llmResponseOpen = true;
        tracker.prune(now());
        tracker.startResponse();
        return;
      case "TTSStartedFrame":
        if (!tracker.current) tracker.startResponse();
        return;
      case "TTSTextFrame":
        return tracker.sentence(frame.text, frame.append_to_context !== false);
      case "TTSStoppedFrame":
        if (!llmResponseOpen) endResponse();
        return;
      case "LLMFullResponseEndFrame":
        llmResponseOpen = false;
        return endResponse();
      default:
        if (isFrame(frame, "OutputAudioRawFrame")) {
          tracker.audio(audioMs(frame.num_frames, frame.sample_rate), wordTimings(frame));
        } else if (BOT_TEXT.has(frame.type) && (frame as Frame<"TextFrame">).skip_tts === true) {
          tracker.text((frame as Frame<"TextFrame">).text);
        }
    }
  };

  const onUp = (frame: Frame): void => {
    if (frame.type === "BotStartedSpeakingFrame") tracker.botStarted(now());
    else if (frame.type === "BotStoppedSpeakingFrame") {
      tracker.botStopped(now());
      tracker.prune(now());
    }
  };

  return processor("assistant_context_aggregator", () => ({ down: tap(onDown), up: tap(onUp) }));
}

/** Text the bot produces (not transcripts of the user, not TTSTextFrame: that is the spoken copy). */
const BOT_TEXT: ReadonlySet<string> = new Set(["TextFrame", "LLMTextFrame", "AggregatedTextFrame"]);

function audioMs(numFrames: number, sampleRate: number): number {
  return sampleRate > 0 ? (numFrames / sampleRate) * 1000 : 0;
}

function wordTimings(frame: Frame): readonly HeardWordTiming[] | undefined {
  const words = frame.metadata?.[WORD_TIMINGS_KEY];
  return Array.isArray(words) ? (words as HeardWordTiming[]) : undefined;
}
