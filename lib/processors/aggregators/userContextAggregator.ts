// The user side of the conversation context: turns what the user said, and the frames that edit
// the context, into LLM runs.
//
// Final transcripts of one user turn are joined into ONE user message. The message is committed
// when the turn ends (UserStoppedSpeakingFrame), or, for file-based STT whose transcript only
// arrives after the turn ended, when that transcript arrives. A transcript that arrives while the
// user is speaking again waits and joins the new turn, so one utterance never becomes two LLM
// runs. Each commit sends an LLMContextFrame (a snapshot) downstream: that is what runs the LLM.
//
// Also handled, and consumed (their effect travels in the next LLMContextFrame):
//   LLMRunFrame                            run on the context as it is; with only_if_unanswered
//                                          (false-interruption recovery) only when the last
//                                          answer is missing: the context ends with a user or
//                                          tool message and nothing ran since the last
//                                          InterruptionFrame
//   LLMMessagesUpdateFrame / AppendFrame   replace / extend the messages; run when run_llm
//   LLMSetToolsFrame / LLMSetToolChoiceFrame
//   FunctionCallResultFrame                a result for a tool the client ran: added as a tool
//                                          message; runs unless run_llm is false
// Transcription frames are passed on, so later processors (RTVI, transcripts) still see them.

import { createFrame, isFrame, type Frame } from "../../frames/index.ts";
import type { ProcessorContext } from "../../pipeline/context.ts";
import { reportUpstream } from "../../pipeline/errors.ts";
import { processor, type Processor } from "../../pipeline/processor.ts";
import { lanes } from "../../operators/lanes.ts";
import type { LLMContextStore } from "./llmContext.ts";

export interface UserContextAggregatorOptions {
  readonly context: LLMContextStore;
}

export function userContextAggregator(ctx: ProcessorContext, options: UserContextAggregatorOptions): Processor {
  const { context } = options;
  const name = "user_context_aggregator";
  let userSpeaking = false;
  let pending: string[] = [];
  /** An LLM run was asked for since the last InterruptionFrame. */
  let ranSinceInterruption = false;

  const run = (): Frame => {
    ranSinceInterruption = true;
    return createFrame(ctx.ids, "LLMContextFrame", { context: context.snapshot() });
  };

  /** The answer to the last user (or tool) message was interrupted away and nothing re-asked. */
  const answerMissing = (): boolean => {
    const last = context.messages.at(-1);
    return !ranSinceInterruption && (last?.role === "user" || last?.role === "tool");
  };

  /** Commits the turn's transcript as one user message and asks for a run. */
  const commit = (): Frame | null => {
    if (pending.length === 0) return null;
    context.add({ role: "user", content: pending.join(" ") });
    pending = [];
    return run();
  };

  const onData = (frame: Frame): Frame | readonly Frame[] | null => {
    switch (frame.type) {
      case "TranscriptionFrame": {
        const text = frame.text.trim();
        if (text === "") return frame;
        pending.push(text);
        const runFrame = userSpeaking ? null : commit();
        return runFrame ? [frame, runFrame] : frame;
      }
      case "LLMRunFrame": {
        const committed = commit();
        if (committed) return committed;
        if (frame.only_if_unanswered && !answerMissing()) {
          ctx.log.debug({ event: "run_skipped" }, "recovery run skipped: the last answer is not missing");
          return null;
        }
        return run();
      }
      case "LLMMessagesUpdateFrame":
        context.setMessages(frame.messages);
        return frame.run_llm ? run() : null;
      case "LLMMessagesAppendFrame":
        context.add(...frame.messages);
        return frame.run_llm ? run() : null;
      case "LLMSetToolsFrame":
        context.setTools(frame.tools);
        return null;
      case "LLMSetToolChoiceFrame":
        context.setToolChoice(frame.tool_choice);
        return null;
      case "FunctionCallResultFrame":
        context.add({ role: "tool", tool_call_id: frame.tool_call_id, content: resultText(frame.result) });
        return frame.run_llm === false ? null : run();
      default:
        return frame;
    }
  };

  return processor(name, (ports) => ({
    down: lanes(
      {
        system: (frame) => {
          if (isFrame(frame, "UserStartedSpeakingFrame")) userSpeaking = true;
          else if (isFrame(frame, "UserStoppedSpeakingFrame")) {
            userSpeaking = false;
            const runFrame = commit();
            return runFrame ? [frame, runFrame] : frame;
          } else if (frame.type === "InterruptionFrame") ranSinceInterruption = false;
          else if (frame.type === "CancelFrame") pending = [];
          return frame;
        },
        data: onData,
      },
      { onError: reportUpstream(ctx, name, ports.pushUp) },
    ),
  }));
}

/** Tool results go to the model as text; anything else is sent as JSON. */
export function resultText(result: unknown): string {
  if (typeof result === "string") return result;
  return JSON.stringify(result ?? null);
}
