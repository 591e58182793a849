// LLM over the OpenAI chat-completions wire (HTTP + SSE), for OpenAI and every compatible
// provider. One call is one completion round: text deltas as they arrive, then the assembled
// tool calls, the token usage and the finish reason.

import { APIError } from "openai";
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from "openai/resources/chat/completions";
import type { ChatMessage, ToolCall } from "../../frames/fields.ts";
import { abortableRequest, idleWatchdog } from "../abortable.ts";
import { ServiceError } from "../service-error.ts";
import type { LLMEvent, LLMRequest, LLMService } from "../types.ts";
import {
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  createOpenAIClient,
  providerName,
  type OpenAIConnectionOptions,
} from "./connection.ts";
import { openAIErrorMapper } from "./errors.ts";
import { bodyChunks } from "./node-response.ts";
import { sseDecoder, type SSEEvent } from "./sse.ts";
import { toolCallAssembler, type ToolCallAssembler } from "./tool-call-assembler.ts";

export interface OpenAILLMOptions extends OpenAIConnectionOptions {
  readonly model: string;
  /** Ask for the final usage chunk (`stream_options.include_usage`). Default true. */
  readonly includeUsage?: boolean;
  /** Extra body fields sent as they are (temperature, max_tokens, …). */
  readonly extraParams?: Readonly<Record<string, unknown>>;
}

export function openAILLMService(options: OpenAILLMOptions): LLMService {
  const provider = providerName(options);
  const client = createOpenAIClient(options);
  const toServiceError = openAIErrorMapper(provider, "llm", options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const idleMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;

  function stream(request: LLMRequest) {
    return abortableRequest<LLMEvent>(async ({ signal, emit, fail }) => {
      // The client builds and sends the request and turns an error status into its APIError;
      // the body is read here (sse.ts), not through the client's stream parser.
      const response = await client.chat.completions.create(requestBody(options, request), { signal }).asResponse();
      if (!response.body) throw new ServiceError({ provider, role: "llm", detail: "response has no body", retryable: false });
      const idle = idleWatchdog(idleMs, () =>
        fail(new ServiceError({ provider, role: "llm", detail: `stream stalled: no data for ${idleMs} ms`, retryable: true })),
      );
      const sse = sseDecoder();
      const toolCalls = toolCallAssembler();
      let finishReason: string | null = null;
      let usage: ChatCompletionChunk["usage"] = null;
      let done = false;
      try {
        for await (const bytes of bodyChunks(response.body)) {
          idle.kick();
          for (const message of done ? [] : sse.push(bytes)) {
            if (message.data.startsWith("[DONE]")) {
              done = true;
              break;
            }
            const chunk = streamedChunk(provider, message, response.headers);
            // Usage arrives alone in the last chunk (no choices) when include_usage is set.
            if (chunk.usage) usage = chunk.usage;
            const choice = chunk.choices?.find((c) => c.index === 0) ?? chunk.choices?.[0];
            if (!choice) continue;
            if (choice.delta?.content) emit({ type: "text", text: choice.delta.content });
            if (choice.delta?.tool_calls) toolCalls.add(choice.delta.tool_calls);
            if (choice.finish_reason) finishReason = choice.finish_reason;
          }
        }
      } finally {
        idle.stop();
      }
      if (signal.aborted) return;
      if (toolCalls.size > 0) emit({ type: "tool_calls", calls: assembledCalls(provider, toolCalls) });
      if (usage) emit({ type: "usage", prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens });
      emit({ type: "done", finish_reason: finishReason });
    }, toServiceError);
  }

  return { name: provider, model: options.model, stream };
}

function requestBody(options: OpenAILLMOptions, request: LLMRequest): ChatCompletionCreateParamsStreaming {
  const tools = request.tools && request.tools.length > 0 ? request.tools : undefined;
  const body = {
    ...options.extraParams,
    model: options.model,
    messages: request.messages.map(toWireMessage),
    stream: true,
    ...(options.includeUsage === false ? {} : { stream_options: { include_usage: true } }),
    ...(tools ? { tools, ...(request.tool_choice ? { tool_choice: request.tool_choice } : {}) } : {}),
  };
  // ChatMessage and ToolSchema are the OpenAI wire shapes already (read-only variants).
  return body as unknown as ChatCompletionCreateParamsStreaming;
}

/** Drops absent fields so that no `"name": undefined` style keys reach strict servers. */
function toWireMessage(message: ChatMessage): Record<string, unknown> {
  const wire: Record<string, unknown> = { role: message.role, content: message.content ?? null };
  if (message.name !== undefined) wire.name = message.name;
  if (message.tool_calls && message.tool_calls.length > 0) wire.tool_calls = message.tool_calls;
  if (message.tool_call_id !== undefined) wire.tool_call_id = message.tool_call_id;
  return wire;
}

/** One `chat.completion.chunk`; an error the provider sends inside the stream becomes the client's APIError. */
function streamedChunk(provider: string, message: SSEEvent, headers: Headers): ChatCompletionChunk {
  let parsed: ChatCompletionChunk & { error?: object };
  try {
    parsed = JSON.parse(message.data) as typeof parsed;
  } catch (error) {
    const shown = message.data.length > 80 ? `${message.data.slice(0, 80)}…` : message.data;
    throw new ServiceError({ provider, role: "llm", detail: `stream event is not JSON: ${shown}`, retryable: false, cause: error });
  }
  if (parsed.error || message.event === "error") throw new APIError(undefined, parsed.error ?? parsed, undefined, headers);
  return parsed;
}

function assembledCalls(provider: string, calls: ToolCallAssembler): ToolCall[] {
  try {
    return calls.finish();
  } catch (error) {
    throw new ServiceError({ provider, role: "llm", detail: (error as Error).message, retryable: false, cause: error });
  }
}
