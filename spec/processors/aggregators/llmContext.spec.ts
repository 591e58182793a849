// The conversation store: a system prompt first, snapshots that later edits cannot change,
// replacement by identity (how heard-text cuts an already committed message), change listeners.

import { describe, expect, it } from "vitest";
import { createLLMContext } from "../../../lib/processors/aggregators/llmContext.ts";

describe("createLLMContext", () => {
  it("starts with the system prompt, or with nothing when it is empty", () => {
    expect(createLLMContext({ systemPrompt: "Be brief." }).messages).toEqual([{ role: "system", content: "Be brief." }]);
    expect(createLLMContext({ systemPrompt: "" }).messages).toEqual([]);
    expect(createLLMContext({ messages: [{ role: "user", content: "hi" }] }).messages).toEqual([{ role: "user", content: "hi" }]);
  });

  it("gives snapshots that later edits do not change", () => {
    const context = createLLMContext({ systemPrompt: "s" });
    const before = context.snapshot();
    context.add({ role: "user", content: "hi" });
    context.setTools([{ type: "function", function: { name: "t" } }]);
    context.setToolChoice("auto");
    expect(before).toEqual({ messages: [{ role: "system", content: "s" }] });
    expect(context.snapshot()).toEqual({
      messages: [
        { role: "system", content: "s" },
        { role: "user", content: "hi" },
      ],
      tools: [{ type: "function", function: { name: "t" } }],
      tool_choice: "auto",
    });
    expect(Object.isFrozen(before.messages)).toBe(true);
  });

  it("replaces or removes a message found by identity, and says when it is gone", () => {
    const context = createLLMContext();
    const said = { role: "assistant", content: "Hello there, friend." } as const;
    context.add({ role: "user", content: "hi" }, said, { role: "user", content: "stop" });
    expect(context.replace(said, { role: "assistant", content: "Hello" })).toBe(true);
    expect(context.messages.map((m) => m.content)).toEqual(["hi", "Hello", "stop"]);
    const cut = context.messages[1]!;
    expect(context.replace(cut, null)).toBe(true);
    expect(context.messages.map((m) => m.content)).toEqual(["hi", "stop"]);
    expect(context.replace(said, null)).toBe(false);
  });

  it("tells listeners about every change of the messages until they unsubscribe", () => {
    const context = createLLMContext();
    const seen: number[] = [];
    const off = context.onChange((messages) => seen.push(messages.length));
    context.add({ role: "user", content: "a" });
    context.setMessages([]);
    off();
    context.add({ role: "user", content: "b" });
    expect(seen).toEqual([1, 0]);
  });
});
