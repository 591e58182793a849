// Server events: frames anywhere in the session become RTVI messages sent toward the sink,
// once each. Speaking state may come downstream (from a VAD in the pipeline) or upstream
// (from the transport, through the sink); transcripts, LLM and TTS frames come from the
// middle of the pipeline, where only the observer sees them; errors travel upstream.

import { describe, expect, it } from "vitest";
import { createFrame, type Frame } from "../../../../lib/frames/index.ts";
import { rtviServerMessageFrame } from "../../../../lib/serializers/rtvi/rtviFrames.ts";
import { harness } from "./harness.ts";

function readyHarness(...args: Parameters<typeof harness>) {
  const h = harness(...args);
  h.client("client-ready", { version: "2.1.0", about: { library: "test" } }, "ready");
  h.toSink.length = 0;
  return h;
}

const types = (messages: readonly Record<string, unknown>[]) => messages.map((m) => m["type"]);

describe("RTVI server events: speaking state", () => {
  it("reports user speech coming downstream and bot speech coming back from the sink", () => {
    const h = readyHarness();
    const ids = h.ctx.ids;
    h.inside.pushDown(createFrame(ids, "UserStartedSpeakingFrame", {}));
    h.inside.pushDown(createFrame(ids, "UserStoppedSpeakingFrame", {}));
    h.fromSink.next(createFrame(ids, "BotStartedSpeakingFrame", {}));
    h.fromSink.next(createFrame(ids, "BotStoppedSpeakingFrame", {}));
    expect(types(h.sent())).toEqual(["user-started-speaking", "user-stopped-speaking", "bot-started-speaking", "bot-stopped-speaking"]);
    // The speaking frames themselves still reach the sink and the source.
    expect(h.framesToSink().map((f) => f.type)).toEqual(["UserStartedSpeakingFrame", "UserStoppedSpeakingFrame"]);
    expect(h.toSource.map((f) => f.type)).toEqual(["BotStartedSpeakingFrame", "BotStoppedSpeakingFrame"]);
  });

  it("reports a start once when it is broadcast both ways", () => {
    const h = readyHarness();
    const ids = h.ctx.ids;
    h.inside.pushDown(createFrame(ids, "UserStartedSpeakingFrame", {}));
    h.inside.pushUp(createFrame(ids, "UserStartedSpeakingFrame", {}));
    expect(types(h.sent())).toEqual(["user-started-speaking"]);
  });

  it("reports speaking state from the transport input too (seen by the head)", () => {
    const h = readyHarness();
    h.input.next(createFrame(h.ctx.ids, "UserStartedSpeakingFrame", {}));
    expect(types(h.sent())).toEqual(["user-started-speaking"]);
  });
});

describe("RTVI server events: transcripts and bot output", () => {
  it("reports final and interim transcriptions", () => {
    const h = readyHarness();
    const ids = h.ctx.ids;
    const ts = "2025-05-01T10:00:00.000Z";
    h.inside.pushDown(createFrame(ids, "InterimTranscriptionFrame", { text: "what ti", user_id: "u1", timestamp: ts, finalized: false }));
    h.inside.pushDown(createFrame(ids, "TranscriptionFrame", { text: "what time is it", user_id: "u1", timestamp: ts, finalized: true }));
    expect(h.sent()).toEqual([
      { label: "rtvi-ai", type: "user-transcription", data: { text: "what ti", user_id: "u1", timestamp: ts, final: false } },
      { label: "rtvi-ai", type: "user-transcription", data: { text: "what time is it", user_id: "u1", timestamp: ts, final: true } },
    ]);
  });

  it("reports an LLM response as llm-started, llm-text and bot-output, llm-stopped", () => {
    const h = readyHarness();
    const ids = h.ctx.ids;
    h.inside.pushDown(createFrame(ids, "LLMFullResponseStartFrame", {}));
    h.inside.pushDown(createFrame(ids, "LLMTextFrame", { text: "It is" }));
    h.inside.pushDown(createFrame(ids, "LLMTextFrame", { text: " noon.", skip_tts: true }));
    h.inside.pushDown(createFrame(ids, "LLMFullResponseEndFrame", {}));
    expect(h.sent()).toEqual([
      { label: "rtvi-ai", type: "bot-llm-started" },
      { label: "rtvi-ai", type: "bot-llm-text", data: { text: "It is" } },
      { label: "rtvi-ai", type: "bot-output", data: { text: "It is", aggregated_by: "token", will_be_spoken: true } },
      { label: "rtvi-ai", type: "bot-llm-text", data: { text: " noon." } },
      { label: "rtvi-ai", type: "bot-output", data: { text: " noon.", aggregated_by: "token", will_be_spoken: false } },
      { label: "rtvi-ai", type: "bot-llm-stopped" },
    ]);
    // Each frame reaches the sink before the events it caused.
    expect(h.toSink.map((f) => f.type)).toEqual([
      "LLMFullResponseStartFrame",
      "OutputTransportMessageUrgentFrame",
      "LLMTextFrame",
      "OutputTransportMessageUrgentFrame",
      "OutputTransportMessageUrgentFrame",
      "LLMTextFrame",
      "OutputTransportMessageUrgentFrame",
      "OutputTransportMessageUrgentFrame",
      "LLMFullResponseEndFrame",
      "OutputTransportMessageUrgentFrame",
    ]);
  });

  it("reports TTS state and spoken words", () => {
    const h = readyHarness();
    const ids = h.ctx.ids;
    h.inside.pushDown(createFrame(ids, "TTSStartedFrame", {}));
    h.inside.pushDown(createFrame(ids, "TTSTextFrame", { text: "noon" }));
    h.inside.pushDown(createFrame(ids, "TTSStoppedFrame", {}));
    expect(h.sent()).toEqual([
      { label: "rtvi-ai", type: "bot-tts-started" },
      { label: "rtvi-ai", type: "bot-tts-text", data: { text: "noon" } },
      { label: "rtvi-ai", type: "bot-tts-stopped" },
    ]);
  });

  it("misses what is produced below the head when there is no observer", () => {
    const h = harness({}, false);
    h.client("client-ready", { version: "2.1.0" }, "r");
    h.toSink.length = 0;
    h.inside.pushDown(createFrame(h.ctx.ids, "LLMTextFrame", { text: "unseen" }));
    expect(h.sent()).toEqual([]);
  });
});

describe("RTVI server events: errors, metrics, function calls, app messages", () => {
  it("reports an ErrorFrame travelling upstream with both error keys", () => {
    const h = readyHarness();
    h.inside.pushUp(createFrame(h.ctx.ids, "FatalErrorFrame", { error: "LLM quota exceeded", fatal: true }));
    expect(h.sent()).toEqual([
      { label: "rtvi-ai", type: "error", data: { error: "LLM quota exceeded", message: "LLM quota exceeded", fatal: true } },
    ]);
    expect(h.toSource.map((f) => f.type)).toEqual(["FatalErrorFrame"]);
  });

  it("groups metrics by kind", () => {
    const h = readyHarness();
    const data = [
      { kind: "ttfb", processor: "openai_llm", model: "gpt-4o-mini", value: 0.31 },
      { kind: "ttfb", processor: "tts", value: 0.12 },
      { kind: "tokens", processor: "openai_llm", value: { prompt_tokens: 10, completion_tokens: 5 } },
    ];
    h.inside.pushDown(createFrame(h.ctx.ids, "MetricsFrame", { data }));
    expect(h.sent()).toEqual([
      {
        label: "rtvi-ai",
        type: "metrics",
        data: {
          ttfb: [
            { processor: "openai_llm", model: "gpt-4o-mini", value: 0.31 },
            { processor: "tts", value: 0.12 },
          ],
          tokens: [{ prompt_tokens: 10, completion_tokens: 5 }],
        },
      },
    ]);
  });

  it("reports function calls from start to stop", () => {
    const h = readyHarness();
    const ids = h.ctx.ids;
    h.inside.pushDown(createFrame(ids, "FunctionCallsStartedFrame", { function_calls: [{ function_name: "lookup", tool_call_id: "c1" }] }));
    h.inside.pushDown(createFrame(ids, "FunctionCallInProgressFrame", { function_name: "lookup", tool_call_id: "c1", arguments: { q: "x" } }));
    h.inside.pushDown(createFrame(ids, "FunctionCallCancelFrame", { function_name: "lookup", tool_call_id: "c1" }));
    expect(h.sent()).toEqual([
      { label: "rtvi-ai", type: "llm-function-call-started", data: { function_name: "lookup" } },
      { label: "rtvi-ai", type: "llm-function-call-in-progress", data: { tool_call_id: "c1", function_name: "lookup", arguments: { q: "x" } } },
      { label: "rtvi-ai", type: "llm-function-call-stopped", data: { tool_call_id: "c1", function_name: "lookup", cancelled: true } },
    ]);
  });

  it("sends an RTVIServerMessageFrame as server-message and consumes it, either direction", () => {
    const h = readyHarness();
    h.inside.pushDown(rtviServerMessageFrame(h.ctx.ids, { score: 3 }));
    h.inside.pushUp(rtviServerMessageFrame(h.ctx.ids, { score: 4 }));
    expect(h.sent()).toEqual([
      { label: "rtvi-ai", type: "server-message", data: { score: 3 } },
      { label: "rtvi-ai", type: "server-message", data: { score: 4 } },
    ]);
    expect(h.framesToSink()).toEqual([]);
    expect(h.toSource).toEqual([]);
  });

  it("reports each frame once even when head and observer both see it", () => {
    const h = readyHarness();
    const transcript: Frame = createFrame(h.ctx.ids, "TranscriptionFrame", { text: "hi", user_id: "u", timestamp: "t", finalized: true });
    h.input.next(transcript);
    expect(types(h.sent())).toEqual(["user-transcription"]);
    expect(h.framesToSink()).toEqual([transcript]);
  });
});
