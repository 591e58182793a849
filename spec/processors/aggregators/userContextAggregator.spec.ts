// The user side of the context: final transcripts of one turn become ONE user message, committed
// when the turn ends or, when the transcript comes after the turn ended (file-based STT), when it
// arrives; each commit sends an LLMContextFrame that runs the LLM. Context-editing frames are
// applied and consumed. A recovery run (LLMRunFrame only_if_unanswered) runs only when the last
// answer was interrupted away: the context ends with the user's message and nothing ran since.

import { describe, expect, it } from "vitest";
import { createLLMContext } from "../../../lib/processors/aggregators/llmContext.ts";
import { userContextAggregator } from "../../../lib/processors/aggregators/userContextAggregator.ts";
import { testScheduler } from "../../support/marbles.ts";
import type { Frame } from "../../../lib/frames/index.ts";
import { drive, f, final, show, testContext } from "../voice/fakes.ts";

const frames = {
  u: f("UserStartedSpeakingFrame", {}),
  s: f("UserStoppedSpeakingFrame", {}),
  a: final("What is"),
  b: final("the time?"),
  c: final("And the date?"),
  z: final("   "),
  i: f("InterimTranscriptionFrame", { text: "What", user_id: "user", timestamp: "t", finalized: false }),
  r: f("LLMRunFrame", {}),
  I: f("InterruptionFrame", {}),
};

const shown = (extra: Record<string, string> = {}) => ({ ...Object.fromEntries(Object.entries(frames).map(([k, v]) => [k, show(v)])), ...extra });

describe("userContextAggregator", () => {
  it("joins the final transcripts of one turn into one user message at UserStoppedSpeaking", () => {
    const context = createLLMContext({ systemPrompt: "sys" });
    const ts = testScheduler();
    ts.run(({ hot, expectObservable }) => {
      const out = drive(userContextAggregator(testContext(ts), { context }), hot("-u-i-a-b-s-", frames));
      expectObservable(out.down).toBe("-u-i-a-b-(sX)", shown({ X: "context:system=sys|user=What is the time?" }));
    });
    expect(context.messages).toEqual([
      { role: "system", content: "sys" },
      { role: "user", content: "What is the time?" },
    ]);
  });

  it("commits a transcript that arrives after the turn ended (file-based STT) when it arrives", () => {
    const context = createLLMContext();
    const ts = testScheduler();
    ts.run(({ hot, expectObservable }) => {
      const out = drive(userContextAggregator(testContext(ts), { context }), hot("-u-s---a-", frames));
      expectObservable(out.down).toBe("-u-s---(aX)", shown({ X: "context:user=What is" }));
    });
  });

  it("holds a late transcript that arrives while the user speaks again, and joins it to that turn", () => {
    const context = createLLMContext();
    const ts = testScheduler();
    ts.run(({ hot, expectObservable }) => {
      // Turn 1 ends at 3; its transcript arrives at 7, after turn 2 began at 5 (with a barge-in).
      const out = drive(userContextAggregator(testContext(ts), { context }), hot("-u-s-(uI)a-c-s", frames));
      expectObservable(out.down).toBe("-u-s-(uI)a-c-(sX)", shown({ X: "context:user=What is And the date?" }));
    });
    expect(context.messages).toEqual([{ role: "user", content: "What is And the date?" }]);
  });

  it("drops empty transcripts and does not run on a turn without words", () => {
    const context = createLLMContext();
    const ts = testScheduler();
    ts.run(({ hot, expectObservable }) => {
      const out = drive(userContextAggregator(testContext(ts), { context }), hot("-u-z-s-", frames));
      expectObservable(out.down).toBe("-u-z-s-", shown());
    });
    expect(context.messages).toEqual([]);
  });

  it("runs on LLMRunFrame and applies message, tool and tool-choice frames", () => {
    const context = createLLMContext({ systemPrompt: "sys" });
    const tool = { type: "function", function: { name: "clock", parameters: { type: "object" } } } as const;
    const edits: Record<string, Frame> = {
      t: f("LLMSetToolsFrame", { tools: [tool] }),
      h: f("LLMSetToolChoiceFrame", { tool_choice: "required" }),
      p: f("LLMMessagesAppendFrame", { messages: [{ role: "user", content: "hi" }] }),
      q: f("LLMMessagesAppendFrame", { messages: [{ role: "assistant", content: "hello" }], run_llm: true }),
      w: f("LLMMessagesUpdateFrame", { messages: [{ role: "system", content: "new" }], run_llm: true }),
      n: f("LLMMessagesUpdateFrame", { messages: [] }),
      r: frames.r,
    };
    const contexts: Frame[] = [];
    const ts = testScheduler();
    ts.run(({ hot, expectObservable }) => {
      const p = userContextAggregator(testContext(ts), { context });
      const ends = p.link({ down: hot("-t-h-p-q-w-n-r", edits), up: hot("-") });
      ends.down.subscribe((frame) => contexts.push(frame));
      expectObservable(ends.up).toBe("-");
    });
    expect(contexts.map(show)).toEqual(["context:system=sys|user=hi|assistant=hello", "context:system=new", "context:"]);
    const first = contexts[0] as Frame<"LLMContextFrame">;
    expect(first.context.tools).toEqual([tool]);
    expect(first.context.tool_choice).toBe("required");
  });

  it("runs a recovery LLMRunFrame only when the answer to the last user message was interrupted away", () => {
    const recovery = {
      ...frames,
      R: f("LLMRunFrame", { only_if_unanswered: true }),
      h: f("LLMMessagesAppendFrame", { messages: [{ role: "assistant", content: "It is noon." }] }),
    };
    const run = (marble: string): string[] => {
      const out: Frame[] = [];
      const ts = testScheduler();
      ts.run(({ hot }) => {
        userContextAggregator(testContext(ts), { context: createLLMContext() })
          .link({ down: hot(marble, recovery), up: hot("-") })
          .down.subscribe((frame) => out.push(frame));
      });
      return out.filter((frame) => frame.type === "LLMContextFrame").map(show);
    };
    const asked = "context:user=What is";
    // Asked, interrupted before any answer, recovery: the same context runs again.
    expect(run("-u-a-s-I-R")).toEqual([asked, asked]);
    // The answer had been given (and kept in the context): nothing to recover.
    expect(run("-u-a-s-h-I-R")).toEqual([asked]);
    // A new user message ran after the interruption: that run is the answer.
    expect(run("-u-a-s-I-u-c-s-R")).toEqual([asked, "context:user=What is|user=And the date?"]);
    // A plain LLMRunFrame always runs.
    expect(run("-u-a-s-h-I-r")).toEqual([asked, "context:user=What is|assistant=It is noon."]);
  });

  it("adds a client's function result as a tool message and runs unless run_llm is false", () => {
    const context = createLLMContext();
    const results: Record<string, Frame> = {
      x: f("FunctionCallResultFrame", { function_name: "clock", tool_call_id: "c1", result: { time: "noon" } }),
      y: f("FunctionCallResultFrame", { function_name: "clock", tool_call_id: "c2", result: "done", run_llm: false }),
    };
    const ts = testScheduler();
    ts.run(({ hot, expectObservable }) => {
      const out = drive(userContextAggregator(testContext(ts), { context }), hot("-x-y-", results));
      expectObservable(out.down).toBe("-X---", { X: "context:tool=" + '{"time":"noon"}' });
    });
    expect(context.messages.at(-1)).toEqual({ role: "tool", tool_call_id: "c2", content: "done" });
  });
});
