// The small interfaces every provider adapter implements. Each call returns a cold Observable:
// subscribing starts the provider request, unsubscribing aborts it (the HTTP request or socket
// really closes), so an interruption that unsubscribes stops the provider at once.

import type { Observable } from "rxjs";
import type { ChatMessage, ToolCall, ToolChoice, ToolSchema } from "../frames/fields.ts";

export { ServiceError, isRetryableStatus } from "./service-error.ts";
export type { ServiceErrorInit, ServiceRole } from "./service-error.ts";

// ---- LLM -------------------------------------------------------------------------------------

export interface LLMRequest {
  readonly messages: readonly ChatMessage[];
  readonly tools?: readonly ToolSchema[];
  /** Ignored when no tools are given: OpenAI rejects tool_choice without tools. */
  readonly tool_choice?: ToolChoice;
}

/**
 * One completion round, in order: zero or more `text`, at most one `tool_calls` (complete calls,
 * assembled from the streamed deltas), at most one `usage`, then exactly one `done`.
 */
export type LLMEvent =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "tool_calls"; readonly calls: readonly ToolCall[] }
  | { readonly type: "usage"; readonly prompt_tokens: number; readonly completion_tokens: number }
  | { readonly type: "done"; readonly finish_reason: string | null };

export interface LLMService {
  /** Provider key, e.g. "openai", "groq". */
  readonly name: string;
  readonly model: string;
  /** One completion round. Running tools and feeding results back is the caller's loop. */
  stream(request: LLMRequest): Observable<LLMEvent>;
}

// ---- STT -------------------------------------------------------------------------------------

export interface STTEvent {
  readonly type: "interim" | "final";
  readonly text: string;
  readonly language?: string;
}

/** One utterance of PCM16LE audio. */
export interface STTAudio {
  readonly pcm: Uint8Array;
  readonly sampleRate: number;
  readonly channels: number;
  /** ISO-639-1 hint, e.g. "en". */
  readonly language?: string;
}

export interface STTAudioFormat {
  readonly sampleRate: number;
  readonly channels: number;
  readonly language?: string;
}

export interface STTService {
  readonly name: string;
  readonly model: string;
  /** True when `open` is implemented and transcripts arrive while the user speaks. */
  readonly streaming: boolean;
  /** File-based recognition: one request per utterance, the audio sent as a WAV file. */
  transcribe(audio: STTAudio): Observable<STTEvent>;
  /**
   * Streaming recognition: subscribing opens the provider connection and feeds it `audio$`
   * (PCM16LE chunks); unsubscribing closes it. Present only when `streaming` is true.
   */
  open?(audio$: Observable<Uint8Array>, format: STTAudioFormat): Observable<STTEvent>;
}

// ---- TTS -------------------------------------------------------------------------------------

export interface WordTiming {
  readonly word: string;
  /** Offset from the start of this synthesis. */
  readonly startMs: number;
}

/** A piece of mono PCM16LE audio, always a whole number of samples. */
export interface TTSChunk {
  readonly pcm: Uint8Array;
  readonly sampleRate: number;
  /** Present only when the provider reports word timings. */
  readonly words?: readonly WordTiming[];
}

export interface TTSOptions {
  /**
   * The rate the caller would like. Providers with a fixed output rate ignore it; every chunk
   * states the rate it really has, so callers resample from `chunk.sampleRate`.
   */
  readonly sampleRate?: number;
}

export interface TTSService {
  readonly name: string;
  readonly model: string;
  readonly voice: string;
  /** The rate the provider produces by default. */
  readonly sampleRate: number;
  /** Audio is emitted as the response body arrives, never buffered whole. */
  synthesize(text: string, options?: TTSOptions): Observable<TTSChunk>;
}
