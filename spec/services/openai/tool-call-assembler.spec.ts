// Merging streamed tool-call deltas: by index, id and name from the first delta that has them
// (later empty values never overwrite them), arguments concatenated in arrival order.

import { describe, expect, it } from "vitest";
import { toolCallAssembler } from "../../../lib/services/openai/tool-call-assembler.ts";

describe("toolCallAssembler", () => {
  it("keeps id and name when later deltas carry empty ones", () => {
    const calls = toolCallAssembler();
    calls.add([{ index: 0, id: "call_1", type: "function", function: { name: "lookup", arguments: "" } }]);
    calls.add([{ index: 0, id: "", function: { name: "", arguments: '{"q":' } }]);
    calls.add([{ index: 0, id: null, function: { name: null, arguments: '"x"}' } }]);
    expect(calls.finish()).toEqual([{ id: "call_1", type: "function", function: { name: "lookup", arguments: '{"q":"x"}' } }]);
  });

  it("merges interleaved parallel calls by index and orders them by index", () => {
    const calls = toolCallAssembler();
    calls.add([{ index: 1, id: "b", function: { name: "second", arguments: "{" } }]);
    calls.add([{ index: 0, id: "a", function: { name: "first", arguments: "{" } }]);
    calls.add([{ index: 1, function: { arguments: "}" } }, { index: 0, function: { arguments: "}" } }]);
    expect(calls.finish().map((c) => [c.id, c.function.name, c.function.arguments])).toEqual([
      ["a", "first", "{}"],
      ["b", "second", "{}"],
    ]);
  });

  it("uses the position when a server omits the index, and fills a missing id and empty arguments", () => {
    const calls = toolCallAssembler();
    calls.add([{ function: { name: "ping" } }, { id: "x", function: { name: "pong", arguments: '{"n":1}' } }]);
    expect(calls.finish()).toEqual([
      { id: "call_0", type: "function", function: { name: "ping", arguments: "{}" } },
      { id: "x", type: "function", function: { name: "pong", arguments: '{"n":1}' } },
    ]);
  });

  it("throws when a call never got a function name", () => {
    const calls = toolCallAssembler();
    calls.add([{ index: 2, id: "c", function: { arguments: "{}" } }]);
    expect(() => calls.finish()).toThrow("tool call at index 2 has no function name");
  });
});
