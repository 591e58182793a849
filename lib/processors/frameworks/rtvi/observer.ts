// Frames → RTVI server events. Pure apart from the shared state: speaking flags (so a start
// is reported once even when a processor broadcasts it both ways with two ids) and the ids
// already reported (so a frame seen by both the head and the observer is reported once).
// Before client-ready nothing but errors is reported: events are dropped, not queued.

import type { Frame } from "../../../frames/index.ts";
import { rtvi, type RtviMessage } from "./messages.ts";
import type { RtviState } from "./state.ts";

function eventsOf(frame: Frame, state: RtviState): RtviMessage[] {
  switch (frame.type) {
    case "UserStartedSpeakingFrame":
      if (state.userSpeaking) return [];
      state.userSpeaking = true;
      return [rtvi.userStartedSpeaking()];
    case "UserStoppedSpeakingFrame":
      if (!state.userSpeaking) return [];
      state.userSpeaking = false;
      return [rtvi.userStoppedSpeaking()];
    case "BotStartedSpeakingFrame":
      if (state.botSpeaking) return [];
      state.botSpeaking = true;
      return [rtvi.botStartedSpeaking()];
    case "BotStoppedSpeakingFrame":
      if (!state.botSpeaking) return [];
      state.botSpeaking = false;
      return [rtvi.botStoppedSpeaking()];
    case "TranscriptionFrame":
    case "InterimTranscriptionFrame":
      return [
        rtvi.userTranscription({
          text: frame.text,
          user_id: frame.user_id,
          timestamp: frame.timestamp,
          final: frame.type === "TranscriptionFrame",
        }),
      ];
    case "LLMTextFrame": {
      const spoken = frame.skip_tts !== true;
      const output = state.legacy ? rtvi.botOutputV1(frame.text, spoken) : rtvi.botOutput(frame.text, "token", spoken);
      return [rtvi.botLlmText(frame.text), output];
    }
    case "TTSTextFrame":
      return [rtvi.botTtsText(frame.text)];
    case "LLMFullResponseStartFrame":
      return [rtvi.botLlmStarted()];
    case "LLMFullResponseEndFrame":
      return [rtvi.botLlmStopped()];
    case "TTSStartedFrame":
      return [rtvi.botTtsStarted()];
    case "TTSStoppedFrame":
      return [rtvi.botTtsStopped()];
    case "ErrorFrame":
    case "FatalErrorFrame":
      return [rtvi.error(frame.error, frame.fatal)];
    case "MetricsFrame":
      return frame.data.length > 0 ? [rtvi.metrics(frame.data)] : [];
    case "FunctionCallsStartedFrame":
      return frame.function_calls.map((c) => rtvi.llmFunctionCallStarted(c.function_name));
    case "FunctionCallInProgressFrame":
      return [rtvi.llmFunctionCallInProgress(frame.tool_call_id, frame.function_name, frame.arguments)];
    case "FunctionCallResultFrame":
      return [rtvi.llmFunctionCallStopped(frame.tool_call_id, frame.function_name, false, frame.result)];
    case "FunctionCallCancelFrame":
      return [rtvi.llmFunctionCallStopped(frame.tool_call_id, frame.function_name, true)];
    case "RTVIServerMessageFrame":
      return [rtvi.serverMessage(frame.data)];
    default:
      return [];
  }
}

/** Frame types that become RTVI events (everything else costs one switch miss). */
const REPORTED = new Set<string>([
  "UserStartedSpeakingFrame",
  "UserStoppedSpeakingFrame",
  "BotStartedSpeakingFrame",
  "BotStoppedSpeakingFrame",
  "TranscriptionFrame",
  "InterimTranscriptionFrame",
  "LLMTextFrame",
  "TTSTextFrame",
  "LLMFullResponseStartFrame",
  "LLMFullResponseEndFrame",
  "TTSStartedFrame",
  "TTSStoppedFrame",
  "ErrorFrame",
  "FatalErrorFrame",
  "MetricsFrame",
  "FunctionCallsStartedFrame",
  "FunctionCallInProgressFrame",
  "FunctionCallResultFrame",
  "FunctionCallCancelFrame",
  "RTVIServerMessageFrame",
]);

/** Shared answer for the common case (audio and most frames report nothing): no allocation per frame. */
const NONE: readonly RtviMessage[] = Object.freeze([]);

/** The RTVI events a frame should produce now (often none). */
export function observeFrame(frame: Frame, state: RtviState): readonly RtviMessage[] {
  if (!REPORTED.has(frame.type) || !state.reported.firstSight(frame.id)) return NONE;
  const events = eventsOf(frame, state);
  return state.clientReady ? events : events.filter((m) => m.type === "error");
}
