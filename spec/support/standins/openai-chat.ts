// The stand-in's chat-completions answer: validation errors worded like OpenAI's, then either an
// SSE stream of `chat.completion.chunk`s or one JSON `chat.completion`.

import type { ChatReply, ReplyContext } from "./openai.ts";
import { chatChunkPlan, errorBody, estimateTokens, holdBefore, pause, wireToolCalls, writeBody } from "./openai-wire.ts";

interface ChatBody {
  model?: unknown;
  messages?: unknown;
  stream?: unknown;
  stream_options?: { include_usage?: unknown } | null;
  tools?: unknown;
  tool_choice?: unknown;
}

export async function writeChatCompletion(ctx: ReplyContext, reply: ChatReply): Promise<void> {
  const body = (ctx.record.body ?? {}) as ChatBody;
  const problem = invalidChat(body);
  if (problem) {
    ctx.sendJson(400, errorBody(problem.message, "invalid_request_error", null, problem.param));
    return;
  }
  const plan = chatChunkPlan(reply);
  const pieces = plan.pieceIndexes.length;
  const ttftMs = reply.ttftMs ?? ctx.latency.ttftMs;
  const interTokenMs = reply.interTokenMs ?? ctx.latency.interTokenMs;
  const completionTokens = reply.usage?.completion_tokens ?? pieces;
  const promptTokens = reply.usage?.prompt_tokens ?? estimateTokens(body.messages);
  const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
  const head = {
    id: `chatcmpl-standin${ctx.record.seq}`,
    created: Math.floor(Date.now() / 1000),
    model: String(body.model),
    system_fingerprint: "fp_standin",
  };

  if (body.stream !== true) {
    await pause(ttftMs + interTokenMs * Math.max(0, pieces - 1), ctx.signal);
    const calls = reply.toolCalls ?? [];
    const message = { role: "assistant", content: plan.text || null, refusal: null, ...(calls.length ? { tool_calls: wireToolCalls(calls) } : {}) };
    ctx.sendJson(200, {
      ...head,
      object: "chat.completion",
      choices: [{ index: 0, message, logprobs: null, finish_reason: plan.finishReason }],
      usage,
    });
    return;
  }

  const includeUsage = body.stream_options?.include_usage === true;
  const sse = (payload: Record<string, unknown>, piece: boolean) =>
    writeBody(ctx, `data: ${JSON.stringify({ ...head, object: "chat.completion.chunk", ...payload, ...(includeUsage && !("usage" in payload) ? { usage: null } : {}) })}\n\n`, piece);

  ctx.record.status = 200;
  ctx.res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    "x-request-id": `req_standin_${ctx.record.seq}`,
  });
  ctx.res.flushHeaders();
  await pause(ttftMs, ctx.signal);
  for (const [i, chunk] of plan.chunks.entries()) {
    const piece = i < pieces;
    if (piece) {
      await holdBefore(i, reply, ctx.signal);
      if (i > 0) await pause(interTokenMs, ctx.signal);
    }
    sse(chunk, piece);
  }
  if (includeUsage) sse({ choices: [], usage }, false);
  writeBody(ctx, "data: [DONE]\n\n", false);
  ctx.res.end();
}

function invalidChat(body: ChatBody): { message: string; param: string | null } | undefined {
  if (typeof body !== "object" || body === null) return { message: "We could not parse the JSON body of your request.", param: null };
  if (typeof body.model !== "string" || body.model === "") return { message: "you must provide a model parameter", param: null };
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return { message: "Invalid 'messages': empty array. Expected an array with minimum length 1.", param: "messages" };
  }
  if (body.tool_choice !== undefined && body.tools === undefined) {
    return { message: "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", param: "tool_choice" };
  }
  if (body.stream_options != null && body.stream !== true) {
    return { message: "The 'stream_options' parameter is only allowed when 'stream' is enabled.", param: "stream_options" };
  }
  return undefined;
}
