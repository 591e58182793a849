// RTVI 2.1.0 server messages, one builder per type, plus the client message shape.
//
// Replies echo the client's message id (bot-ready, server-response, error-response); server
// events carry none. Data shapes follow what @pipecat-ai/client-js reads: `error` sends both
// `error` (what servers send) and `message` (what the client's ErrorData type declares).

import { rtviMessage, type RtviMessage } from "../../../serializers/rtvi/protocol.ts";

export { RTVI_LABEL, RTVI_PROTOCOL_VERSION, rtviMessage, type RtviMessage } from "../../../serializers/rtvi/protocol.ts";

/** A message from the client, after the label check. */
export interface RtviClientMessage {
  readonly type: string;
  readonly id?: string;
  readonly data?: unknown;
}

export interface RtviAbout {
  readonly library: string;
  readonly library_version: string;
}

export interface TranscriptData {
  readonly text: string;
  readonly user_id: string;
  readonly timestamp: string;
  readonly final: boolean;
}

export interface MetricItem {
  readonly kind: string;
  readonly processor: string;
  readonly model?: string;
  readonly value: unknown;
}

const event = (type: string) => (): RtviMessage => rtviMessage(type);

export const rtvi = {
  botReady: (id: string | undefined, version: string, about: RtviAbout) => rtviMessage("bot-ready", { version, about }, id),
  error: (error: string, fatal: boolean) => rtviMessage("error", { error, message: error, fatal }),
  errorResponse: (id: string | undefined, error: string) => rtviMessage("error-response", { error }, id),
  /** The reply to `client-message {t, d}`: client-js resolves sendClientRequest with `d`. */
  serverResponse: (id: string | undefined, t: string, d: unknown) => rtviMessage("server-response", { t, d }, id),
  /** App-defined data pushed to the client (client-js hands `data` to onServerMessage). */
  serverMessage: (data: unknown) => rtviMessage("server-message", data ?? null),

  userStartedSpeaking: event("user-started-speaking"),
  userStoppedSpeaking: event("user-stopped-speaking"),
  botStartedSpeaking: event("bot-started-speaking"),
  botStoppedSpeaking: event("bot-stopped-speaking"),
  /** client-js ignores it; sent for clients that show barge-ins. */
  botInterrupted: event("bot-interrupted"),

  userTranscription: (data: TranscriptData) => rtviMessage("user-transcription", data),
  /** Protocol 2.x: `aggregated_by` says what one message holds; `will_be_spoken` replaces 1.x `spoken`. */
  botOutput: (text: string, aggregatedBy: string, willBeSpoken: boolean) =>
    rtviMessage("bot-output", { text, aggregated_by: aggregatedBy, will_be_spoken: willBeSpoken }),
  /** Protocol 1.x clients read `spoken`. */
  botOutputV1: (text: string, spoken: boolean) => rtviMessage("bot-output", { text, spoken }),

  botLlmStarted: event("bot-llm-started"),
  botLlmStopped: event("bot-llm-stopped"),
  botLlmText: (text: string) => rtviMessage("bot-llm-text", { text }),
  botTtsStarted: event("bot-tts-started"),
  botTtsStopped: event("bot-tts-stopped"),
  botTtsText: (text: string) => rtviMessage("bot-tts-text", { text }),

  /** Items grouped by kind; `tokens` items are the bare usage value, as Pipecat sends them. */
  metrics: (items: readonly MetricItem[]) => {
    const data: Record<string, unknown[]> = {};
    for (const item of items) {
      const entry = item.kind === "tokens" ? item.value : { processor: item.processor, ...(item.model !== undefined ? { model: item.model } : {}), value: item.value };
      (data[item.kind] ??= []).push(entry);
    }
    return rtviMessage("metrics", data);
  },

  llmFunctionCallStarted: (functionName: string) => rtviMessage("llm-function-call-started", { function_name: functionName }),
  llmFunctionCallInProgress: (toolCallId: string, functionName: string, args: unknown) =>
    rtviMessage("llm-function-call-in-progress", { tool_call_id: toolCallId, function_name: functionName, arguments: args ?? {} }),
  llmFunctionCallStopped: (toolCallId: string, functionName: string, cancelled: boolean, result?: unknown) =>
    rtviMessage("llm-function-call-stopped", {
      tool_call_id: toolCallId,
      function_name: functionName,
      cancelled,
      ...(result !== undefined ? { result } : {}),
    }),
} as const;
