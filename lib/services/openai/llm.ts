// LLM over the OpenAI chat-completions wire (HTTP + SSE), for OpenAI and every compatible
// provider. One call is one completion round: text deltas as they arrive, then the assembled
// tool calls, the token usage and the finish reason.

import type { ChatMessage, ToolCall } from "../../frames/fields.ts";
import { ServiceError } from "../service-error.ts";
import type { LLMEvent, LLMRequest, LLMService } from "../types.ts";
import { openAIEndpoint, type OpenAIConnectionOptions } from "./connection.ts";
import { streamError, type ErrorSource } from "./errors.ts";
import { wireRequest, type BodyReader } from "./http.ts";
import { sseDecoder } from "./sse.ts";
import { toolCallAssembler, type ToolCallAssembler, type ToolCallDelta } from "./tool-call-assembler.ts";

export interface OpenAILLMOptions extends OpenAIConnectionOptions {
  readonly model: string;
  /** Ask for the final usage chunk (`stream_options.include_usage`). Default true. */
  readonly includeUsage?: boolean;
  /** Extra body fields sent as they are (temperature, max_tokens, …). */
  readonly extraParams?: Readonly<Record<string, unknown>>;
}

/** The parts of a `chat.completion.chunk` read here. */
interface WireChunk {
  readonly choices?: readonly {
    readonly index?: number;
    readonly delta?: { readonly content?: string | null; readonly tool_calls?: readonly ToolCallDelta[] | null } | null;
    readonly finish_reason?: string | null;
  }[];
  readonly usage?: { readonly prompt_tokens: number; readonly completion_tokens: number } | null;
  readonly error?: unknown;
}

export function openAILLMService(options: OpenAILLMOptions): LLMService {
  const endpoint = openAIEndpoint(options, "llm", "/chat/completions");

  function stream(request: LLMRequest) {
    return wireRequest<LLMEvent>(endpoint, {
      body: () => ({ bytes: Buffer.from(JSON.stringify(requestBody(options, request)), "utf8"), contentType: "application/json" }),
      reader: () => completionReader(endpoint),
    });
  }

  return { name: endpoint.provider, model: options.model, stream };
}

function requestBody(options: OpenAILLMOptions, request: LLMRequest): Record<string, unknown> {
  const tools = request.tools && request.tools.length > 0 ? request.tools : undefined;
  // ChatMessage and ToolSchema are the OpenAI wire shapes already.
  return {
    ...options.extraParams,
    model: options.model,
    messages: request.messages.map(toWireMessage),
    stream: true,
    ...(options.includeUsage === false ? {} : { stream_options: { include_usage: true } }),
    ...(tools ? { tools, ...(request.tool_choice ? { tool_choice: request.tool_choice } : {}) } : {}),
  };
}

/** Drops absent fields so that no `"name": undefined` style keys reach strict servers. */
function toWireMessage(message: ChatMessage): Record<string, unknown> {
  const wire: Record<string, unknown> = { role: message.role, content: message.content ?? null };
  if (message.name !== undefined) wire.name = message.name;
  if (message.tool_calls && message.tool_calls.length > 0) wire.tool_calls = message.tool_calls;
  if (message.tool_call_id !== undefined) wire.tool_call_id = message.tool_call_id;
  return wire;
}

/** Text as each event arrives; tool calls, usage and the finish reason once the body ends. */
function completionReader(source: ErrorSource): BodyReader<LLMEvent> {
  const sse = sseDecoder();
  const toolCalls = toolCallAssembler();
  let finishReason: string | null = null;
  let usage: WireChunk["usage"] = null;
  let done = false;
  return {
    data(bytes, out) {
      if (done) return;
      for (const message of sse.push(bytes)) {
        if (message.data.startsWith("[DONE]")) {
          done = true;
          return;
        }
        if (message.event === "error") throw streamError(source, message.data);
        const chunk = parseChunk(source, message.data);
        if (chunk.error) throw streamError(source, message.data);
        // Usage arrives alone in the last chunk (no choices) when include_usage is set.
        if (chunk.usage) usage = chunk.usage;
        const choice = chunk.choices?.find((c) => c.index === 0) ?? chunk.choices?.[0];
        if (!choice) continue;
        if (choice.delta?.content) out.next({ type: "text", text: choice.delta.content });
        if (choice.delta?.tool_calls) toolCalls.add(choice.delta.tool_calls);
        if (choice.finish_reason) finishReason = choice.finish_reason;
        // Unsubscribed from inside `next` (an interruption): the rest of this read is not wanted.
        if (out.closed) return;
      }
    },
    end(out) {
      if (toolCalls.size > 0) out.next({ type: "tool_calls", calls: assembledCalls(source, toolCalls) });
      if (usage) out.next({ type: "usage", prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens });
      out.next({ type: "done", finish_reason: finishReason });
    },
  };
}

function parseChunk(source: ErrorSource, data: string): WireChunk {
  try {
    const parsed = JSON.parse(data) as unknown;
    return typeof parsed === "object" && parsed !== null ? (parsed as WireChunk) : {};
  } catch (error) {
    const shown = data.length > 80 ? `${data.slice(0, 80)}…` : data;
    throw new ServiceError({ provider: source.provider, role: source.role, detail: `stream event is not JSON: ${shown}`, retryable: false, cause: error });
  }
}

function assembledCalls(source: ErrorSource, calls: ToolCallAssembler): ToolCall[] {
  try {
    return calls.finish();
  } catch (error) {
    throw new ServiceError({ provider: source.provider, role: source.role, detail: (error as Error).message, retryable: false, cause: error });
  }
}
