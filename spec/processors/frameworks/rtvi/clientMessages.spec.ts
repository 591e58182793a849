// Client → server RTVI messages become frames (or replies): send-text, client-message,
// disconnect-bot, dtmf in both forms, function-call results, raw audio; unsupported types
// and bad data get an error-response with the client's id; other labels pass untouched.

import { describe, expect, it } from "vitest";
import { createFrame, type Frame } from "../../../../lib/frames/index.ts";
import { clientMessageOf } from "../../../../lib/serializers/rtvi/rtviFrames.ts";
import { harness } from "./harness.ts";

const ready = (h: ReturnType<typeof harness>) => {
  h.client("client-ready", { version: "2.1.0", about: { library: "test" } }, "ready");
  h.toSink.length = 0;
  h.atMiddle.length = 0;
};

const types = (frames: readonly Frame[]) => frames.map((f) => f.type);
/** Frames that reached the middle, RTVI replies left out. */
const inputs = (h: ReturnType<typeof harness>) => h.atMiddle.filter((f) => f.type !== "OutputTransportMessageUrgentFrame");

describe("send-text", () => {
  it("interrupts both ways, then sends a final transcription from the user", () => {
    const h = harness();
    ready(h);
    h.client("send-text", { content: "What time is it?" }, "t1");
    expect(types(h.toSource)).toEqual(["InterruptionFrame"]);
    expect(types(h.atMiddle.slice(-2))).toEqual(["InterruptionFrame", "TranscriptionFrame"]);
    expect(h.atMiddle.at(-1)).toMatchObject({
      type: "TranscriptionFrame",
      text: "What time is it?",
      user_id: "user",
      timestamp: "1970-01-01T00:00:00.000Z",
      finalized: true,
    });
    expect(h.atMiddle.at(-1)).not.toHaveProperty("skip_tts");
    // The observer reports the typed text as the user's transcription.
    expect(h.sent()).toContainEqual(
      expect.objectContaining({ type: "user-transcription", data: expect.objectContaining({ text: "What time is it?", final: true }) }),
    );
  });

  it("queues behind the current response without run_immediately, and skips TTS without audio_response", () => {
    const h = harness();
    ready(h);
    h.client("send-text", { content: "quietly", options: { run_immediately: false, audio_response: false } }, "t2");
    expect(h.toSource).toEqual([]);
    expect(types(h.atMiddle)).toEqual(["TranscriptionFrame"]);
    expect(h.atMiddle[0]).toMatchObject({ text: "quietly", skip_tts: true });
  });

  it("refuses send-text without content", () => {
    const h = harness();
    ready(h);
    h.client("send-text", { text: "wrong key" }, "t3");
    expect(h.sent()).toEqual([
      { label: "rtvi-ai", type: "error-response", id: "t3", data: { error: expect.stringMatching(/^invalid send-text: data\.content/) } },
    ]);
    expect(inputs(h)).toEqual([]);
  });
});

describe("client-message", () => {
  it("passes an RTVIClientMessageFrame on and answers with the handler's result", () => {
    const h = harness({ clientMessageHandlers: { "get-weather": (d) => ({ city: (d as { city: string }).city, temp_c: 21 }) } });
    ready(h);
    h.client("client-message", { t: "get-weather", d: { city: "Oslo" } }, "c1");
    const frame = h.atMiddle.find((f) => f.type === "RTVIClientMessageFrame") as Frame<"RTVIClientMessageFrame">;
    expect(clientMessageOf(frame)).toEqual({ msg_id: "c1", t: "get-weather", d: { city: "Oslo" } });
    expect(h.sent()).toEqual([
      { label: "rtvi-ai", type: "server-response", id: "c1", data: { t: "get-weather", d: { city: "Oslo", temp_c: 21 } } },
    ]);
  });

  it("answers a handler that throws with an error-response", () => {
    const h = harness({
      clientMessageHandlers: {
        boom: () => {
          throw new Error("no forecast today");
        },
      },
    });
    ready(h);
    h.client("client-message", { t: "boom" }, "c2");
    expect(h.sent()).toEqual([{ label: "rtvi-ai", type: "error-response", id: "c2", data: { error: "no forecast today" } }]);
  });

  it("answers a type without a handler with an error-response, or leaves it to the pipeline", () => {
    const h = harness();
    ready(h);
    h.client("client-message", { t: "toString" }, "c3");
    expect(h.sent()).toEqual([
      { label: "rtvi-ai", type: "error-response", id: "c3", data: { error: 'no handler for client message "toString"' } },
    ]);
    const f = harness({ unhandled_client_messages: "forward" });
    ready(f);
    f.client("client-message", { t: "later" }, "c4");
    expect(f.sent()).toEqual([]);
    expect(types(f.atMiddle)).toContain("RTVIClientMessageFrame");
  });
});

describe("disconnect-bot", () => {
  it("pushes an EndFrame upstream and nothing downstream", () => {
    const h = harness();
    ready(h);
    h.client("disconnect-bot", {}, "d1");
    expect(h.toSource).toEqual([expect.objectContaining({ type: "EndFrame", reason: "client sent disconnect-bot" })]);
    expect(h.atMiddle).toEqual([]);
    expect(h.toSink).toEqual([]);
  });
});

describe("dtmf", () => {
  it("turns {buttons} into one InputDTMFFrame per key, in order", () => {
    const h = harness();
    ready(h);
    h.client("dtmf", { buttons: ["1", "2", "#"] }, "k1");
    expect(h.atMiddle.map((f) => (f as Frame<"InputDTMFFrame">).digit)).toEqual(["1", "2", "#"]);
    expect(types(h.atMiddle)).toEqual(["InputDTMFFrame", "InputDTMFFrame", "InputDTMFFrame"]);
  });

  it("accepts the legacy {button} form", () => {
    const h = harness();
    ready(h);
    h.client("dtmf", { button: "*" }, "k2");
    expect(h.atMiddle).toEqual([expect.objectContaining({ type: "InputDTMFFrame", digit: "*" })]);
  });

  it("refuses keys that are not on a keypad", () => {
    const h = harness();
    ready(h);
    h.client("dtmf", { buttons: ["1", "A"] }, "k3");
    expect(inputs(h)).toEqual([]);
    expect(h.sent()).toEqual([expect.objectContaining({ type: "error-response", id: "k3" })]);
  });
});

describe("llm-function-call-result and raw audio", () => {
  it("turns a function-call result into a FunctionCallResultFrame", () => {
    const h = harness();
    ready(h);
    h.client("llm-function-call-result", { function_name: "lookup", tool_call_id: "call_1", arguments: { q: 1 }, result: { a: 2 } }, "f1");
    expect(h.atMiddle).toEqual([
      expect.objectContaining({ type: "FunctionCallResultFrame", function_name: "lookup", tool_call_id: "call_1", arguments: { q: 1 }, result: { a: 2 } }),
    ]);
    // …which the observer reports as the end of the call.
    expect(h.sent()).toContainEqual(
      expect.objectContaining({ type: "llm-function-call-stopped", data: { tool_call_id: "call_1", function_name: "lookup", cancelled: false, result: { a: 2 } } }),
    );
  });

  it("turns raw-audio and raw-audio-batch into InputAudioRawFrames", () => {
    const h = harness();
    ready(h);
    const b64 = Buffer.from([1, 0, 2, 0]).toString("base64");
    h.client("raw-audio", { base64Audio: b64, sampleRate: 16000, numChannels: 1 }, "a1");
    h.client("raw-audio-batch", { base64AudioBatch: [b64, b64], sampleRate: 8000 }, "a2");
    expect(h.atMiddle.map((f) => [f.type, (f as Frame<"InputAudioRawFrame">).sample_rate])).toEqual([
      ["InputAudioRawFrame", 16000],
      ["InputAudioRawFrame", 8000],
      ["InputAudioRawFrame", 8000],
    ]);
    h.client("raw-audio", { base64Audio: "%%%", sampleRate: 16000 }, "a3");
    expect(h.sent()).toEqual([expect.objectContaining({ type: "error-response", id: "a3" })]);
  });
});

describe("everything else", () => {
  it("answers unsupported types with error-response {error: 'Unsupported type: X'}", () => {
    const h = harness();
    ready(h);
    h.client("append-to-context", { role: "user", content: "x" }, "u1");
    h.client("teleport", {}, "u2");
    expect(h.sent()).toEqual([
      { label: "rtvi-ai", type: "error-response", id: "u1", data: { error: "Unsupported type: append-to-context" } },
      { label: "rtvi-ai", type: "error-response", id: "u2", data: { error: "Unsupported type: teleport" } },
    ]);
  });

  it("answers a labelled message without a type", () => {
    const h = harness();
    h.input.next(createFrame(h.ctx.ids, "InputTransportMessageFrame", { message: { label: "rtvi-ai", id: "n1" } }));
    expect(h.sent()).toEqual([expect.objectContaining({ type: "error-response", id: "n1" })]);
  });

  it("passes transport messages with another label on, unanswered", () => {
    const h = harness();
    ready(h);
    const other = createFrame(h.ctx.ids, "InputTransportMessageFrame", { message: { label: "my-app", type: "client-ready" } });
    h.input.next(other);
    expect(h.atMiddle).toEqual([other]);
    expect(h.sent()).toEqual([]);
  });
});
