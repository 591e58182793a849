// Per-type payload fields. Names are the JSON field names of the Go original (snake_case),
// so the JSON envelope serializer can write a frame's payload as it is.

import type { FrameType } from "./kinds.ts";

export interface AudioFields {
  /** PCM 16-bit little-endian, interleaved when num_channels > 1. */
  readonly audio: Uint8Array;
  readonly sample_rate: number;
  readonly num_channels: number;
  /** Samples per channel; derived from the byte length when not given. */
  readonly num_frames: number;
}

export interface OutputAudioFields extends AudioFields {
  readonly transport_destination?: string;
}

export interface TextFields {
  readonly text: string;
  readonly skip_tts?: boolean;
  readonly includes_inter_frame_spaces?: boolean;
  readonly append_to_context?: boolean;
}

export interface TranscriptionFields extends TextFields {
  readonly user_id: string;
  /** ISO-8601 time of the transcript. */
  readonly timestamp: string;
  readonly language?: string;
  readonly finalized: boolean;
}

export type ChatRole = "system" | "user" | "assistant" | "tool" | "developer";

export interface ToolCall {
  readonly id: string;
  readonly type: "function";
  readonly function: { readonly name: string; readonly arguments: string };
}

/** An OpenAI-shaped chat message; content parts are kept opaque. */
export interface ChatMessage {
  readonly role: ChatRole;
  readonly content?: string | null | readonly unknown[];
  readonly name?: string;
  readonly tool_calls?: readonly ToolCall[];
  readonly tool_call_id?: string;
}

export interface ToolSchema {
  readonly type: "function";
  readonly function: {
    readonly name: string;
    readonly description?: string;
    readonly parameters?: Record<string, unknown>;
  };
}

export type ToolChoice = "auto" | "none" | "required" | { readonly type: "function"; readonly function: { readonly name: string } };

export interface LLMContext {
  readonly messages: readonly ChatMessage[];
  readonly tools?: readonly ToolSchema[];
  readonly tool_choice?: ToolChoice;
}

export interface FrameFieldMap {
  StartFrame: {
    readonly audio_in_sample_rate: number;
    readonly audio_out_sample_rate: number;
    readonly allow_interruptions: boolean;
    readonly enable_metrics: boolean;
    readonly enable_usage_metrics: boolean;
  };
  CancelFrame: { readonly reason?: string };
  ErrorFrame: { readonly error: string; readonly fatal: boolean; readonly processor?: string };
  FatalErrorFrame: { readonly error: string; readonly fatal: true; readonly processor?: string };
  InterruptionFrame: {};
  UserStartedSpeakingFrame: { readonly emulated?: boolean };
  UserStoppedSpeakingFrame: { readonly emulated?: boolean };
  UserSpeakingFrame: {};
  VADUserStartedSpeakingFrame: { readonly start_secs?: number; readonly timestamp?: number };
  VADUserStoppedSpeakingFrame: { readonly stop_secs?: number; readonly timestamp?: number };
  BotStartedSpeakingFrame: {};
  BotStoppedSpeakingFrame: {};
  BotSpeakingFrame: {};
  BotInterruptionFrame: {};
  UserIdleFrame: {};
  InputAudioRawFrame: AudioFields;
  InputDTMFFrame: { readonly digit: string };
  InputTransportMessageFrame: { readonly message: unknown };
  OutputTransportMessageUrgentFrame: { readonly message: unknown };
  OutputDTMFUrgentFrame: { readonly button: string };
  /** A `client-message {t, d}` from an RTVI client; `msg_id` is echoed on the reply. */
  RTVIClientMessageFrame: { readonly msg_id: string; readonly t: string; readonly d?: unknown };
  /** An app message for RTVI clients: `server-message {data}`, or with `reply_to` a `server-response`. */
  RTVIServerMessageFrame: { readonly data?: unknown; readonly reply_to?: string; readonly t?: string };
  MetricsFrame: { readonly data: readonly { readonly kind: string; readonly processor: string; readonly model?: string; readonly value: unknown }[] };
  FunctionCallsStartedFrame: { readonly function_calls: readonly { readonly function_name: string; readonly tool_call_id: string }[] };
  FunctionCallCancelFrame: { readonly function_name: string; readonly tool_call_id: string };
  STTMuteFrame: { readonly mute: boolean };
  ClientConnectedFrame: {};
  ManuallySwitchServiceFrame: { readonly service_name: string };
  ServiceMetadataFrame: { readonly service_name: string; readonly metadata?: Record<string, unknown> };
  ServiceSwitcherRequestMetadataFrame: { readonly service_name: string };
  AudioRawFrame: AudioFields;
  OutputAudioRawFrame: OutputAudioFields;
  TTSAudioRawFrame: OutputAudioFields & { readonly context_id?: string };
  TextFrame: TextFields;
  LLMTextFrame: TextFields;
  TTSTextFrame: TextFields & { readonly context_id?: string };
  AggregatedTextFrame: TextFields & { readonly aggregated_by?: string };
  TranscriptionFrame: TranscriptionFields;
  InterimTranscriptionFrame: TranscriptionFields;
  TTSSpeakFrame: { readonly text: string; readonly append_to_context?: boolean };
  LLMContextFrame: { readonly context: LLMContext };
  /** only_if_unanswered: run only if the last answer was lost (false-interruption recovery). */
  LLMRunFrame: { readonly only_if_unanswered?: boolean };
  LLMMessagesUpdateFrame: { readonly messages: readonly ChatMessage[]; readonly run_llm?: boolean };
  LLMMessagesAppendFrame: { readonly messages: readonly ChatMessage[]; readonly run_llm?: boolean };
  LLMSetToolsFrame: { readonly tools: readonly ToolSchema[] };
  LLMSetToolChoiceFrame: { readonly tool_choice: ToolChoice };
  FunctionCallResultFrame: {
    readonly function_name: string;
    readonly tool_call_id: string;
    readonly arguments?: unknown;
    readonly result: unknown;
    readonly run_llm?: boolean;
  };
  LLMContextSummaryRequestFrame: {
    readonly request_id: string;
    readonly context: LLMContext;
    readonly min_messages_to_keep: number;
    readonly target_context_tokens: number;
    readonly summarization_prompt?: string;
    readonly summarization_timeout?: number;
  };
  LLMContextSummaryResultFrame: {
    readonly request_id: string;
    readonly summary: string;
    readonly last_summarized_index: number;
    readonly error?: string;
  };
  TransportMessageFrame: { readonly message: unknown };
  OutputTransportMessageFrame: { readonly message: unknown };
  EndFrame: { readonly reason?: string };
  StopFrame: {};
  SyncFrame: {};
  HeartbeatFrame: { readonly timestamp: number };
  LLMFullResponseStartFrame: {};
  LLMFullResponseEndFrame: {};
  TTSStartedFrame: { readonly context_id?: string };
  TTSStoppedFrame: { readonly context_id?: string };
  FunctionCallInProgressFrame: {
    readonly function_name: string;
    readonly tool_call_id: string;
    readonly arguments?: unknown;
    readonly cancel_on_interruption?: boolean;
  };
  VADParamsUpdateFrame: {
    readonly stop_secs?: number;
    readonly start_secs?: number;
    readonly confidence?: number;
    readonly min_volume?: number;
  };
  ServiceUpdateSettingsFrame: { readonly service_name?: string; readonly settings: Record<string, unknown> };
  PipelineFlushFrame: {};
}

// Every type in the taxonomy must have fields, and vice versa.
type Missing = Exclude<FrameType, keyof FrameFieldMap>;
type Extra = Exclude<keyof FrameFieldMap, FrameType>;
const _exhaustive: [Missing, Extra] extends [never, never] ? true : never = true;
void _exhaustive;
