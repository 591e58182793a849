// The voice agent: speech in, speech out.
//
//   [turn taking] → STT → user context → LLM → TTS → assistant context → (output transport)
//
// One conversation context per session links the three context writers (user turns, tool
// rounds, heard assistant text). Turn taking is built elsewhere and injected; it is required
// when the STT service is file-based, because such a service needs whole turns: fed fixed
// slices of the microphone instead, every slice would become its own LLM turn.

import type { ChatMessage, ToolChoice, ToolSchema } from "../../frames/index.ts";
import type { ProcessorContext } from "../../pipeline/context.ts";
import { pipeline, type Pipeline } from "../../pipeline/pipeline.ts";
import type { Processor } from "../../pipeline/processor.ts";
import type { LLMService, STTService, TTSService } from "../../services/types.ts";
import { assistantContextAggregator } from "../aggregators/assistantContextAggregator.ts";
import { createLLMContext, type LLMContextStore } from "../aggregators/llmContext.ts";
import type { SentenceAggregatorOptions } from "../aggregators/sentenceAggregator.ts";
import { userContextAggregator } from "../aggregators/userContextAggregator.ts";
import { llmProcessor } from "./llmProcessor.ts";
import type { LLMTool } from "./llmTools.ts";
import { sttProcessor } from "./sttProcessor.ts";
import { ttsProcessor } from "./ttsProcessor.ts";

export interface VoicePipelineOptions {
  readonly stt: STTService;
  readonly llm: LLMService;
  readonly tts: TTSService;
  /** First message of the conversation; empty or absent = none. */
  readonly systemPrompt?: string;
  /** Turn detection (VAD → user turns, one AudioRawFrame per turn, interruptions). */
  readonly turnTaking?: Processor;
  /** Tools the model may call, with their handlers. */
  readonly tools?: readonly LLMTool[];
  readonly maxToolRounds?: number;
  /** Language hint for STT (`stt_language`). */
  readonly language?: string;
  /** TTS output rate; default: the StartFrame's audio_out_sample_rate. */
  readonly ttsSampleRate?: number;
  readonly sentences?: Partial<SentenceAggregatorOptions>;
  /** A conversation to continue; default: a new one holding the system prompt. */
  readonly context?: LLMContextStore;
  /** Messages after the system prompt of a new conversation. */
  readonly messages?: readonly ChatMessage[];
  readonly toolSchemas?: readonly ToolSchema[];
  readonly toolChoice?: ToolChoice;
}

export interface VoicePipeline extends Pipeline {
  /** The session's conversation, for transcripts and inspection. */
  readonly context: LLMContextStore;
}

export class VoicePipelineConfigError extends Error {
  override readonly name = "VoicePipelineConfigError";
}

/** Why these services cannot make a voice pipeline, or undefined when they can. */
export function voicePipelineProblem(options: Pick<VoicePipelineOptions, "stt" | "turnTaking">): string | undefined {
  if (!options.stt.streaming && !options.turnTaking) {
    return (
      `speech-to-text "${options.stt.name}" (${options.stt.model}) transcribes whole files, so the voice pipeline needs ` +
      `turn detection in front of it (set turn_detection): without it every slice of audio would become its own LLM turn`
    );
  }
  return undefined;
}

export function voicePipeline(ctx: ProcessorContext, options: VoicePipelineOptions): VoicePipeline {
  const problem = voicePipelineProblem(options);
  if (problem) throw new VoicePipelineConfigError(problem);
  const context =
    options.context ??
    createLLMContext({
      ...(options.systemPrompt !== undefined ? { systemPrompt: options.systemPrompt } : {}),
      ...(options.messages ? { messages: options.messages } : {}),
      ...(options.toolSchemas ? { tools: options.toolSchemas } : {}),
      ...(options.toolChoice !== undefined ? { toolChoice: options.toolChoice } : {}),
    });
  const processors: Processor[] = [
    ...(options.turnTaking ? [options.turnTaking] : []),
    sttProcessor(ctx, { service: options.stt, ...(options.language ? { language: options.language } : {}) }),
    userContextAggregator(ctx, { context }),
    llmProcessor(ctx, {
      service: options.llm,
      context,
      ...(options.tools ? { tools: options.tools } : {}),
      ...(options.maxToolRounds !== undefined ? { maxToolRounds: options.maxToolRounds } : {}),
    }),
    ttsProcessor(ctx, {
      service: options.tts,
      ...(options.ttsSampleRate !== undefined ? { sampleRate: options.ttsSampleRate } : {}),
      ...(options.sentences ? { sentences: options.sentences } : {}),
    }),
    assistantContextAggregator(ctx, { context }),
  ];
  return { ...pipeline("voice", processors), context };
}
