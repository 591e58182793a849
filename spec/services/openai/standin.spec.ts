// The OpenAI stand-in is itself a test instrument other specs and benchmarks rely on, so its wire
// format is checked here byte for byte with plain fetch (no client library smoothing it over).

import OpenAI from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startOpenAIStandIn, type OpenAIStandIn } from "../../support/standins/openai.ts";

let openai: OpenAIStandIn;
beforeEach(async () => {
  openai = await startOpenAIStandIn({ latency: { ttftMs: 40 } });
});
afterEach(() => openai.close());

const post = (path: string, body: unknown) =>
  fetch(`${openai.baseURL}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** The `data:` payloads of an SSE body, checking the framing on the way. */
function sseEvents(text: string): string[] {
  expect(text.endsWith("\n\n")).toBe(true);
  const events = text.slice(0, -2).split("\n\n");
  for (const event of events) expect(event).toMatch(/^data: /);
  return events.map((event) => event.slice("data: ".length));
}

describe("OpenAI stand-in: chat completions", () => {
  it("streams chunks like OpenAI: role first, id and name only in a call's first delta, usage, [DONE]", async () => {
    openai.script("chat", { text: "Ok.", toolCalls: [{ id: "call_9", name: "f", arguments: ['{"a"', ":1}"] }] });
    const response = await post("/chat/completions", {
      model: "m",
      messages: [{ role: "user", content: "x" }],
      stream: true,
      stream_options: { include_usage: true },
      tools: [{ type: "function", function: { name: "f" } }],
    });
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");

    const events = sseEvents(await response.text());
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.id === chunks[0].id && c.model === "m")).toBe(true);
    const deltas = chunks.filter((c) => c.choices.length > 0).map((c) => c.choices[0].delta);
    expect(deltas).toEqual([
      { role: "assistant", content: "Ok.", refusal: null },
      { tool_calls: [{ index: 0, id: "call_9", type: "function", function: { name: "f", arguments: "" } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"a"' } }] },
      { tool_calls: [{ index: 0, function: { arguments: ":1}" } }] },
      {},
    ]);
    expect(chunks.at(-2).choices[0].finish_reason).toBe("tool_calls");
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 4 } });
  });

  it("sends no usage chunk unless include_usage is set", async () => {
    const events = sseEvents(await (await post("/chat/completions", { model: "m", messages: [{ role: "user", content: "x" }], stream: true })).text());
    expect(events.slice(0, -1).map((e) => JSON.parse(e)).every((c) => c.choices.length === 1 && !("usage" in c))).toBe(true);
  });

  it("answers a non-streamed request with one chat.completion the official client parses", async () => {
    openai.script("chat", { text: "Done.", toolCalls: [{ name: "g", arguments: ["{", "}"] }] });
    const client = new OpenAI({ apiKey: "k", baseURL: openai.baseURL, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] });
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0]!.message).toMatchObject({
      content: "Done.",
      tool_calls: [{ id: "call_standin_0", type: "function", function: { name: "g", arguments: "{}" } }],
    });
    expect(completion.choices[0]!.finish_reason).toBe("tool_calls");
  });

  it("rejects requests the real API rejects", async () => {
    const noTools = await post("/chat/completions", { model: "m", messages: [{ role: "user", content: "x" }], tool_choice: "auto" });
    expect(noTools.status).toBe(400);
    expect(await noTools.json()).toMatchObject({ error: { type: "invalid_request_error", param: "tool_choice" } });
    expect((await post("/chat/completions", { model: "m", messages: [] })).status).toBe(400);
    expect((await post("/nope", {})).status).toBe(404);
  });

  it("waits the time to first token after sending the headers", async () => {
    await (await post("/chat/completions", { model: "m", messages: [{ role: "user", content: "x" }], stream: true })).text();
    const request = openai.requests[0]!;
    // Node timers may fire up to a millisecond early.
    expect(request.firstByteAt! - request.receivedAt).toBeGreaterThanOrEqual(39);
  });

  it("uses handle() before the script queue, and the queue before the default", async () => {
    const seen: number[] = [];
    const local = await startOpenAIStandIn({
      handle: (req) => (seen.push(req.seq), req.seq === 1 ? { status: 418, message: "teapot" } : undefined),
      defaults: { chat: { text: "default" } },
    });
    try {
      local.script("chat", { text: "scripted" });
      const ask = () => fetch(`${local.baseURL}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "x" }] }) });
      const answers = [await ask(), await ask(), await ask()];
      expect(answers.map((a) => a.status)).toEqual([200, 418, 200]);
      const texts = (await Promise.all([answers[0]!.json(), answers[2]!.json()])) as { choices: { message: { content: string } }[] }[];
      expect(texts.map((t) => t.choices[0]!.message.content)).toEqual(["scripted", "default"]);
      expect(seen).toEqual([0, 1, 2]);
    } finally {
      await local.close();
    }
  });

  it("marks a reply cut short by close() as aborted", async () => {
    openai.script("chat", { hang: true });
    void post("/chat/completions", { model: "m", messages: [{ role: "user", content: "x" }] }).catch(() => {});
    const request = await openai.request(0);
    await openai.close();
    expect((await request.settled).aborted).toBe(true);
  });
});
