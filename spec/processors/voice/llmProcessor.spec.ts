// LLM processor: each LLMContextFrame runs the model; tokens stream out in order between
// LLMFullResponseStart and End. The response is the data lane's in-flight work, so an
// InterruptionFrame unsubscribes it (the provider request is aborted) and nothing follows the cut.
// Tool calls run inside the response, a bounded number of rounds, and are recorded in the context.

import { describe, expect, it } from "vitest";
import { NEVER, of } from "rxjs";
import { llmProcessor } from "../../../lib/processors/voice/llmProcessor.ts";
import type { LLMTool } from "../../../lib/processors/voice/llmTools.ts";
import { createLLMContext } from "../../../lib/processors/aggregators/llmContext.ts";
import type { Frame, ToolCall } from "../../../lib/frames/index.ts";
import type { LLMEvent } from "../../../lib/services/types.ts";
import { testScheduler } from "../../support/marbles.ts";
import { drive, f, fakeLLM, show, testContext } from "./fakes.ts";

const ask = (content: string): Frame => f("LLMContextFrame", { context: { messages: [{ role: "user", content }] } });
const x = ask("hi");
const I = f("InterruptionFrame", {});
const inputs = { x, y: ask("again"), I };

const tok = (text: string): LLMEvent => ({ type: "text", text });
const done: LLMEvent = { type: "done", finish_reason: "stop" };
const events = { a: tok("Hel"), b: tok("lo"), c: tok(" there."), d: done };

const call = (id: string, name: string, args: string): ToolCall => ({ id, type: "function", function: { name, arguments: args } });
const toolCalls = (...calls: ToolCall[]): LLMEvent => ({ type: "tool_calls", calls });
const toolsDone: LLMEvent = { type: "done", finish_reason: "tool_calls" };

const clockSchema = { type: "function", function: { name: "clock", parameters: { type: "object", properties: {} } } } as const;
const weatherSchema = { type: "function", function: { name: "weather", parameters: { type: "object" } } } as const;

const out = {
  S: "LLMFullResponseStart",
  E: "LLMFullResponseEnd",
  I: "Interruption",
  a: "llm:Hel",
  b: "llm:lo",
  c: "llm: there.",
};

describe("llmProcessor", () => {
  it("streams tokens in order between LLMFullResponseStart and End, and passes other frames on", () => {
    const ts = testScheduler();
    ts.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const reply = cold("  -a-b-c-(d|)", events);
      const llm = fakeLLM(() => reply);
      const o = drive(llmProcessor(testContext(ts), { service: llm }), hot("-x--------t", { x, t: f("TextFrame", { text: "t" }) }));
      expectObservable(o.down).toBe("-Sa-b-c-E-t", { ...out, t: "text:t" });
      expectSubscriptions(reply.subscriptions).toBe("-^------!");
    });
  });

  it("tears the LLM stream down at an InterruptionFrame: no token after the cut, the request is aborted", () => {
    const ts = testScheduler();
    ts.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const reply = cold("  -a-b-c-(d|)", events);
      const llm = fakeLLM(() => reply);
      const o = drive(llmProcessor(testContext(ts), { service: llm }), hot("-x---I------", inputs));
      expectObservable(o.down).toBe("-Sa-bI------", out);
      expectSubscriptions(reply.subscriptions).toBe("-^---!");
    });
  });

  it("a response queued behind a running one is dropped by the interruption; the next one runs", () => {
    const ts = testScheduler();
    ts.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const reply = cold("  -a-b-c-(d|)", events);
      const llm = fakeLLM(() => reply);
      const o = drive(llmProcessor(testContext(ts), { service: llm }), hot("-xy--I-x----", inputs));
      expectObservable(o.down).toBe("-Sa-bI-Sa-b-c-E", out);
      expectSubscriptions(reply.subscriptions).toBe(["-^---!", "-------^------!"]);
    });
  });

  it("reports a provider error upstream, still ends the response, and keeps serving", () => {
    const ts = testScheduler();
    ts.run(({ hot, cold, expectObservable }) => {
      const replies = [cold("-a-#", events, new Error("provider down")), cold("-b-(d|)", events)];
      const llm = fakeLLM((_r, n) => replies[n]!);
      const o = drive(llmProcessor(testContext(ts), { service: llm }), hot("-x-----y", inputs));
      expectObservable(o.down).toBe("-Sa-E--Sb-E", out);
      expectObservable(o.up).toBe("    ----X", { X: "error:provider down" });
    });
  });

  it("runs one tool round: started, in-progress, the handler, its result, then the model again", () => {
    const context = createLLMContext();
    const ts = testScheduler();
    ts.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const replies = [cold("-(tD|)", { t: toolCalls(call("c1", "clock", '{"tz":"UTC"}')), D: toolsDone }), cold("-a-(d|)", { a: tok("Noon."), d: done })];
      const llm = fakeLLM((_r, n) => replies[n]!);
      const handled = cold("----r|", { r: { time: "12:00" } });
      const seenArgs: unknown[] = [];
      const tools: LLMTool[] = [{ schema: clockSchema, handler: (args) => (seenArgs.push(args), handled) }];
      const o = drive(llmProcessor(testContext(ts), { service: llm, tools, context }), hot("-x", inputs));
      // The handler's first value is its result: it is unsubscribed then, and the model runs again.
      expectObservable(o.down).toBe("-S(cp)Ra-E", { ...out, c: "calls:c1", p: "progress:c1", R: 'result:c1={"time":"12:00"}', a: "llm:Noon." });
      expectSubscriptions(handled.subscriptions).toBe("--^---!");
      expectSubscriptions(replies[1]!.subscriptions).toBe("------^--!");
      expect(seenArgs).toEqual([]);
    });
    const assistant = { role: "assistant", content: null, tool_calls: [call("c1", "clock", '{"tz":"UTC"}')] };
    const result = { role: "tool", tool_call_id: "c1", content: '{"time":"12:00"}' };
    expect(context.messages).toEqual([assistant, result]);
  });

  it("offers the registered tools and sends the second round the tool messages", () => {
    const ts = testScheduler();
    const llm = fakeLLM((_r, n) => (n === 0 ? of(toolCalls(call("c1", "clock", "")), toolsDone) : of(tok("ok"), done)));
    ts.run(({ hot, expectObservable }) => {
      const tools: LLMTool[] = [{ schema: clockSchema, handler: () => "noon" }];
      const o = drive(llmProcessor(testContext(ts), { service: llm, tools }), hot("-x", inputs));
      expectObservable(o.down).toBe("-(Scpr0E)", { ...out, c: "calls:c1", p: "progress:c1", r: 'result:c1="noon"', 0: "llm:ok" });
    });
    expect(llm.requests[0]).toEqual({ messages: [{ role: "user", content: "hi" }], tools: [clockSchema] });
    expect(llm.requests[1]!.messages.slice(1)).toEqual([
      { role: "assistant", content: null, tool_calls: [call("c1", "clock", "")] },
      { role: "tool", tool_call_id: "c1", content: "noon" },
    ]);
  });

  it("runs parallel calls at once, reports each result as it comes, and records them in call order", () => {
    const context = createLLMContext();
    const ts = testScheduler();
    ts.run(({ hot, cold, expectObservable }) => {
      const replies = [
        cold("-(tD|)", { t: toolCalls(call("c1", "weather", '{"city":"Oslo"}'), call("c2", "clock", "{}")), D: toolsDone }),
        cold("-a-(d|)", { a: tok("Done."), d: done }),
      ];
      const llm = fakeLLM((_r, n) => replies[n]!);
      const tools: LLMTool[] = [
        { schema: weatherSchema, handler: () => cold("-------r|", { r: "rain" }) },
        { schema: clockSchema, handler: () => cold("-----r|", { r: "noon" }) },
      ];
      const o = drive(llmProcessor(testContext(ts), { service: llm, tools, context }), hot("-x", inputs));
      expectObservable(o.down).toBe("-S(cpq)Y-Za-E", {
        ...out,
        c: "calls:c1,c2",
        p: "progress:c1",
        q: "progress:c2",
        Y: 'result:c2="noon"',
        Z: 'result:c1="rain"',
        a: "llm:Done.",
      });
    });
    expect(context.messages.map((m) => m.tool_call_id ?? m.tool_calls?.map((c) => c.id).join(","))).toEqual(["c1,c2", "c1", "c2"]);
  });

  it("bounds the tool loop: after 5 rounds the model is told tool_choice none and must answer", () => {
    const llm = fakeLLM((request, n) =>
      request.tool_choice === "none" ? of(tok("Giving up."), done) : of(toolCalls(call(`c${n}`, "clock", "{}")), toolsDone),
    );
    const frames: string[] = [];
    const ts = testScheduler();
    ts.run(({ hot }) => {
      const p = llmProcessor(testContext(ts), { service: llm, tools: [{ schema: clockSchema, handler: () => "tick" }] });
      p.link({ down: hot("-x", inputs), up: NEVER }).down.subscribe((fr) => frames.push(show(fr)));
    });
    expect(frames.filter((s) => s.startsWith("result:"))).toHaveLength(5);
    expect(llm.requests).toHaveLength(6);
    expect(llm.requests.map((r) => r.tool_choice)).toEqual([undefined, undefined, undefined, undefined, undefined, "none"]);
    expect(frames.slice(-2)).toEqual(["llm:Giving up.", "LLMFullResponseEnd"]);
  });

  it("does not run calls a model makes past the bound; it reports them and ends the response", () => {
    const llm = fakeLLM((_r, n) => of(toolCalls(call(`c${n}`, "clock", "{}")), toolsDone));
    const down: string[] = [];
    const up: string[] = [];
    const ts = testScheduler();
    ts.run(({ hot }) => {
      const p = llmProcessor(testContext(ts), { service: llm, maxToolRounds: 1, tools: [{ schema: clockSchema, handler: () => "tick" }] });
      const ends = p.link({ down: hot("-x", inputs), up: NEVER });
      ends.up.subscribe((fr) => up.push(show(fr)));
      ends.down.subscribe((fr) => down.push(show(fr)));
    });
    expect(llm.requests.map((r) => r.tool_choice)).toEqual([undefined, "none"]);
    expect(down.filter((s) => s.startsWith("result:"))).toEqual(['result:c0="tick"']);
    expect(down.at(-1)).toBe("LLMFullResponseEnd");
    expect(up).toEqual(["error:the model still asked for tools after 1 tool rounds; its calls were not run"]);
  });

  it("turns an unknown tool, bad JSON arguments and a throwing handler into error results for the model", () => {
    const llm = fakeLLM((_r, n) =>
      n === 0
        ? of(toolCalls(call("u", "nope", "{}"), call("j", "clock", "{oops"), call("t", "weather", "{}")), toolsDone)
        : of(tok("Sorry."), done),
    );
    const frames: Frame[] = [];
    const ts = testScheduler();
    ts.run(({ hot }) => {
      const tools: LLMTool[] = [
        { schema: clockSchema, handler: () => "never called" },
        {
          schema: weatherSchema,
          handler: () => {
            throw new Error("weather service offline");
          },
        },
      ];
      llmProcessor(testContext(ts), { service: llm, tools }).link({ down: hot("-x", inputs), up: NEVER }).down.subscribe((fr) => frames.push(fr));
    });
    const results = frames.filter((fr): fr is Frame<"FunctionCallResultFrame"> => fr.type === "FunctionCallResultFrame");
    expect(results.map((r) => [r.tool_call_id, r.result])).toEqual([
      ["u", { error: 'no tool named "nope" is available' }],
      ["j", { error: expect.stringContaining('arguments of "clock" are not valid JSON') }],
      ["t", { error: "weather service offline" }],
    ]);
    expect(llm.requests[1]!.messages.at(-1)).toEqual({ role: "tool", tool_call_id: "t", content: '{"error":"weather service offline"}' });
  });

  it("an interruption during a tool round cancels the handler (its signal aborts) and records nothing", () => {
    const context = createLLMContext();
    let signal: AbortSignal | undefined;
    const ts = testScheduler();
    ts.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const llm = fakeLLM(() => cold("-(tD|)", { t: toolCalls(call("c1", "clock", "{}"), call("c2", "weather", "{}")), D: toolsDone }));
      const slow = cold("------r|", { r: "late" });
      const tools: LLMTool[] = [
        { schema: clockSchema, handler: () => slow },
        { schema: weatherSchema, handler: (_a, o) => ((signal = o.signal), new Promise<never>(() => {})) },
      ];
      const o = drive(llmProcessor(testContext(ts), { service: llm, tools, context }), hot("-x-----I", inputs));
      expectObservable(o.down).toBe("-S(cpq)I", { ...out, c: "calls:c1,c2", p: "progress:c1", q: "progress:c2" });
      expectSubscriptions(slow.subscriptions).toBe("--^----!");
    });
    expect(signal?.aborted).toBe(true);
    expect(context.messages).toEqual([]);
  });

  it("passes the context's tools and tool choice, next to the registered ones", () => {
    const llm = fakeLLM(() => of(done));
    const ts = testScheduler();
    ts.run(({ hot }) => {
      const fromClient = f("LLMContextFrame", {
        context: { messages: [{ role: "user", content: "hi" }], tools: [weatherSchema, clockSchema], tool_choice: "required" },
      });
      const p = llmProcessor(testContext(ts), { service: llm, tools: [{ schema: clockSchema, handler: () => 1 }] });
      p.link({ down: hot("-x", { x: fromClient }), up: NEVER }).down.subscribe();
    });
    expect(llm.requests[0]!.tools).toEqual([clockSchema, weatherSchema]);
    expect(llm.requests[0]!.tool_choice).toBe("required");
  });
});
