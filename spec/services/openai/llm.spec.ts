// The OpenAI-wire LLM service against the stand-in server: tokens stream in order as they arrive,
// tool-call deltas are merged by index with id and name intact, usage and finish reason close the
// round, unsubscribing really closes the HTTP request, and failures become ServiceErrors.

import { lastValueFrom, toArray, type Observable } from "rxjs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ChatMessage } from "../../../lib/frames/fields.ts";
import { openAILLMService, type OpenAILLMOptions } from "../../../lib/services/openai/llm.ts";
import { ServiceError } from "../../../lib/services/service-error.ts";
import type { LLMEvent } from "../../../lib/services/types.ts";
import { startOpenAIStandIn, type OpenAIStandIn } from "../../support/standins/openai.ts";
import { startTestServer } from "./testServer.ts";

const KEY = "sk-test-key";
const messages: ChatMessage[] = [
  { role: "system", content: "Be brief." },
  { role: "user", content: "What is the weather in Paris?" },
];
const weatherTool = {
  type: "function",
  function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } },
} as const;

let openai: OpenAIStandIn;
beforeEach(async () => {
  openai = await startOpenAIStandIn({ apiKey: KEY });
});
afterEach(() => openai.close());

function llm(options: Partial<OpenAILLMOptions> = {}) {
  return openAILLMService({ baseURL: openai.baseURL, apiKey: KEY, model: "gpt-test", ...options });
}

const collect = <T>(source: Observable<T>) => lastValueFrom(source.pipe(toArray()));

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("openAILLMService: streaming", () => {
  it("emits text tokens in order, then usage, then done, from one streamed request", async () => {
    openai.script("chat", { text: ["Sunny", " and", " warm", "."], usage: { prompt_tokens: 21, completion_tokens: 4 } });

    const events = await collect(llm().stream({ messages }));

    expect(events).toEqual([
      { type: "text", text: "Sunny" },
      { type: "text", text: " and" },
      { type: "text", text: " warm" },
      { type: "text", text: "." },
      { type: "usage", prompt_tokens: 21, completion_tokens: 4 },
      { type: "done", finish_reason: "stop" },
    ]);
    const [request] = openai.requests;
    expect(openai.requests).toHaveLength(1);
    expect(request!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(request!.body).toMatchObject({ model: "gpt-test", stream: true, stream_options: { include_usage: true }, messages });
  });

  it("delivers each token while the response is still open", async () => {
    const gate = deferred();
    openai.script("chat", { text: ["one", " two", " three"], holdAfter: 2, release: gate.promise });
    const seen: LLMEvent[] = [];
    const twoTokens = deferred();
    const done = new Promise<void>((resolve, reject) =>
      llm()
        .stream({ messages })
        .subscribe({
          next: (event) => {
            seen.push(event);
            if (seen.length === 2) twoTokens.resolve();
          },
          error: reject,
          complete: resolve,
        }),
    );

    await twoTokens.promise;
    const request = await openai.request(0);
    expect(request.endedAt).toBeUndefined();
    expect(seen).toEqual([
      { type: "text", text: "one" },
      { type: "text", text: " two" },
    ]);
    gate.resolve();
    await done;
    expect(seen.map((e) => e.type)).toEqual(["text", "text", "text", "usage", "done"]);
  });

  it("omits stream_options when usage is not wanted, and then emits no usage event", async () => {
    openai.script("chat", { text: "Hi." });
    const events = await collect(llm({ includeUsage: false }).stream({ messages }));
    expect(events.map((e) => e.type)).toEqual(["text", "done"]);
    expect(openai.requests[0]!.body).not.toHaveProperty("stream_options");
  });

  it("sends no Authorization header for a keyless provider", async () => {
    const keyless = await startOpenAIStandIn();
    try {
      const service = openAILLMService({ provider: "ollama", baseURL: keyless.baseURL, model: "llama3.2" });
      await collect(service.stream({ messages }));
      expect(keyless.requests[0]!.headers.authorization).toBeUndefined();
    } finally {
      await keyless.close();
    }
  });
});

describe("openAILLMService: tool calls", () => {
  it("assembles a tool call split over several deltas, keeping the id and name of the first", async () => {
    openai.script("chat", {
      toolCalls: [{ id: "call_w1", name: "get_weather", arguments: ['{"ci', 'ty": "Pa', 'ris"}'] }],
    });

    const events = await collect(llm().stream({ messages, tools: [weatherTool], tool_choice: "auto" }));

    expect(events.filter((e) => e.type !== "usage")).toEqual([
      {
        type: "tool_calls",
        calls: [{ id: "call_w1", type: "function", function: { name: "get_weather", arguments: '{"city": "Paris"}' } }],
      },
      { type: "done", finish_reason: "tool_calls" },
    ]);
    expect(openai.requests[0]!.body).toMatchObject({ tools: [weatherTool], tool_choice: "auto" });
  });

  it("assembles two parallel tool calls whose deltas interleave, in index order", async () => {
    openai.script("chat", {
      interleave: true,
      toolCalls: [
        { id: "call_a", name: "get_weather", arguments: ['{"city":', '"Paris"}'] },
        { id: "call_b", name: "get_time", arguments: ['{"tz":', '"Europe/', 'Paris"}'] },
      ],
    });

    const events = await collect(llm().stream({ messages, tools: [weatherTool] }));

    expect(events.find((e) => e.type === "tool_calls")).toEqual({
      type: "tool_calls",
      calls: [
        { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
        { id: "call_b", type: "function", function: { name: "get_time", arguments: '{"tz":"Europe/Paris"}' } },
      ],
    });
  });

  it("streams the text said before a tool call, then the call", async () => {
    openai.script("chat", { text: "Let me check.", toolCalls: [{ id: "call_1", name: "get_weather", arguments: "{}" }] });
    const events = await collect(llm().stream({ messages, tools: [weatherTool] }));
    expect(events.map((e) => e.type)).toEqual(["text", "text", "text", "tool_calls", "usage", "done"]);
  });

  it("sends tool_choice only together with tools", async () => {
    openai.script("chat", { text: "Fine." });
    await collect(llm().stream({ messages, tools: [], tool_choice: "required" }));
    expect(openai.requests[0]!.body).not.toHaveProperty("tool_choice");
    expect(openai.requests[0]!.body).not.toHaveProperty("tools");
  });
});

describe("openAILLMService: cancellation", () => {
  it("closes the HTTP request when unsubscribed mid-stream", async () => {
    openai.script("chat", { text: ["a", " b", " c"], holdAfter: 1 });
    const firstToken = deferred();
    const settledEarly: string[] = [];
    const subscription = llm()
      .stream({ messages })
      .subscribe({ next: () => firstToken.resolve(), error: () => settledEarly.push("error"), complete: () => settledEarly.push("complete") });

    await firstToken.promise;
    subscription.unsubscribe();
    const request = await (await openai.request(0)).settled;

    expect(request.aborted).toBe(true);
    expect(request.piecesSent).toBe(1);
    expect(settledEarly).toEqual([]);
  });

  it("cancels a provider that never answers", async () => {
    openai.script("chat", { hang: true });
    const subscription = llm().stream({ messages }).subscribe();
    const request = await openai.request(0);
    expect(request.firstByteAt).toBeUndefined();

    subscription.unsubscribe();
    await request.settled;
    expect(request.aborted).toBe(true);
  });

  it("fails with a retryable error when no headers arrive within timeoutMs, and closes the request", async () => {
    openai.script("chat", { hang: true });
    const error = await collect(llm({ timeoutMs: 100 }).stream({ messages })).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ provider: "openai", role: "llm", status: undefined, retryable: true });
    expect((error as Error).message).toBe("openai LLM request failed: no response within 100 ms");
    expect((await openai.requests[0]!.settled).aborted).toBe(true);
  });

  it("fails with a retryable error when the stream stalls for idleTimeoutMs, and closes the request", async () => {
    openai.script("chat", { text: ["a", " b"], holdAfter: 1 });
    const error = await collect(llm({ idleTimeoutMs: 100 }).stream({ messages })).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ServiceError);
    expect((error as Error).message).toBe("openai LLM request failed: stream stalled: no data for 100 ms");
    expect((error as ServiceError).retryable).toBe(true);
    expect((await openai.requests[0]!.settled).aborted).toBe(true);
  });
});

describe("openAILLMService: HTTP errors", () => {
  it.each([
    { status: 401, message: "Incorrect API key provided", retryable: false },
    { status: 400, message: "Invalid 'messages'", retryable: false },
    { status: 429, message: "Rate limit reached for requests", retryable: true },
    { status: 500, message: "The server had an error while processing your request", retryable: true },
    { status: 503, message: "Service unavailable", retryable: true },
  ])("turns $status into a ServiceError (retryable: $retryable) after exactly one request", async ({ status, message, retryable }) => {
    openai.script("chat", { status, message });
    const error = await collect(llm({ provider: "groq" }).stream({ messages })).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ provider: "groq", role: "llm", status, retryable });
    expect((error as Error).message).toBe(`groq LLM request failed: ${status} ${message}`);
    expect(openai.requests).toHaveLength(1);
  });

  it("reports a wrong API key as the provider words it", async () => {
    const error = await collect(llm({ apiKey: "sk-wrong" }).stream({ messages })).catch((e: unknown) => e);
    expect((error as Error).message).toBe("openai LLM request failed: 401 Incorrect API key provided: sk-wro***.");
    expect((error as ServiceError).retryable).toBe(false);
  });

  it("turns a refused connection into a retryable ServiceError", async () => {
    const baseURL = openai.baseURL;
    await openai.close();
    const error = await collect(openAILLMService({ baseURL, apiKey: KEY, model: "m" }).stream({ messages })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as Error).message).toMatch(/^openai LLM request failed: connection failed: .*ECONNREFUSED/);
    expect((error as ServiceError).retryable).toBe(true);
  });
});

describe("openAILLMService: errors inside the stream", () => {
  async function streamFrom(sse: string) {
    const server = await startTestServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(sse);
    });
    try {
      return await collect(openAILLMService({ baseURL: `${server.origin}/v1`, apiKey: KEY, model: "m" }).stream({ messages })).catch((e: unknown) => e);
    } finally {
      await server.close();
    }
  }
  const chunk = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\r\n\r\n`;

  it("reads a provider's CRLF-delimited stream", async () => {
    const events = await streamFrom(`${chunk("Hi")}${chunk(" there")}data: [DONE]\r\n\r\n`);
    expect(events).toEqual([
      { type: "text", text: "Hi" },
      { type: "text", text: " there" },
      { type: "done", finish_reason: null },
    ]);
  });

  it("turns an error event sent mid-stream into a ServiceError with the provider's message", async () => {
    const error = await streamFrom(`${chunk("Hi")}data: {"error":{"message":"The model is overloaded","type":"server_error"}}\n\n`);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as Error).message).toBe("openai LLM request failed: The model is overloaded");
  });

  it("names a stream event that is not JSON", async () => {
    const error = await streamFrom("data: {not json\n\n");
    expect(error).toMatchObject({ message: "openai LLM request failed: stream event is not JSON: {not json", retryable: false });
  });
});
