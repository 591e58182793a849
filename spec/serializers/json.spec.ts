// The JSON envelope: every decodable type decodes into the frame it names, audio travels as
// base64 both ways, only the allow-listed frames go out, RTVI objects pass through bare,
// and malformed input is a SerializerError that names the field.

import { describe, expect, it } from "vitest";
import { audioFrame, counterIds, createFrame, type Frame } from "../../lib/frames/index.ts";
import { JSON_INBOUND } from "../../lib/serializers/jsonInbound.ts";
import { jsonSerializer } from "../../lib/serializers/json.ts";
import { rtviServerMessageFrame } from "../../lib/serializers/rtvi/rtviFrames.ts";
import { SerializerError } from "../../lib/serializers/serializer.ts";

const decode = (message: unknown): Frame[] => jsonSerializer(counterIds()).deserialize(JSON.stringify(message), false);
const decodeOne = (message: unknown): Frame => {
  const frames = decode(message);
  expect(frames).toHaveLength(1);
  return frames[0]!;
};

function errorOf(fn: () => unknown): SerializerError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SerializerError);
    return error as SerializerError;
  }
  throw new Error("expected a SerializerError");
}

const userMessage = { role: "user", content: "hi" };
const tool = { type: "function", function: { name: "get_weather", parameters: { type: "object" } } };

// One valid message per decodable type, and the frame it must become.
const SAMPLES: Record<string, { data?: unknown; expect: Record<string, unknown> }> = {
  StartFrame: { data: { audio_in_sample_rate: 8000 }, expect: { type: "StartFrame", audio_in_sample_rate: 8000, audio_out_sample_rate: 24000 } },
  CancelFrame: { data: { reason: "bye" }, expect: { type: "CancelFrame", reason: "bye" } },
  EndFrame: { expect: { type: "EndFrame" } },
  ErrorFrame: { data: { error: "boom" }, expect: { type: "ErrorFrame", error: "boom", fatal: false } },
  TextFrame: { data: { text: "hello", skip_tts: true }, expect: { type: "TextFrame", text: "hello", skip_tts: true } },
  LLMTextFrame: { data: { text: "tok" }, expect: { type: "LLMTextFrame", text: "tok" } },
  AggregatedTextFrame: { data: { text: "A.", aggregated_by: "sentence" }, expect: { type: "AggregatedTextFrame", aggregated_by: "sentence" } },
  TranscriptionFrame: {
    data: { text: "hi", user_id: "u7", timestamp: "2025-01-01T00:00:00Z" },
    expect: { type: "TranscriptionFrame", text: "hi", user_id: "u7", timestamp: "2025-01-01T00:00:00Z", finalized: true },
  },
  TTSSpeakFrame: { data: { text: "say this" }, expect: { type: "TTSSpeakFrame", text: "say this" } },
  LLMRunFrame: { expect: { type: "LLMRunFrame" } },
  LLMContextFrame: {
    data: { context: { messages: [userMessage], tools: [tool], tool_choice: "auto" } },
    expect: { type: "LLMContextFrame", context: { messages: [userMessage], tools: [tool], tool_choice: "auto" } },
  },
  LLMMessagesUpdateFrame: { data: { messages: [userMessage], run_llm: true }, expect: { type: "LLMMessagesUpdateFrame", run_llm: true } },
  LLMMessagesAppendFrame: { data: { messages: [userMessage] }, expect: { type: "LLMMessagesAppendFrame", messages: [userMessage] } },
  LLMSetToolsFrame: { data: { tools: [tool] }, expect: { type: "LLMSetToolsFrame", tools: [tool] } },
  LLMSetToolChoiceFrame: {
    data: { tool_choice: { type: "function", function: { name: "get_weather" } } },
    expect: { type: "LLMSetToolChoiceFrame", tool_choice: { type: "function", function: { name: "get_weather" } } },
  },
  FunctionCallResultFrame: {
    data: { function_name: "f", tool_call_id: "c1", result: { ok: 1 } },
    expect: { type: "FunctionCallResultFrame", function_name: "f", tool_call_id: "c1", result: { ok: 1 } },
  },
  TransportMessageFrame: { data: { message: { a: 1 } }, expect: { type: "InputTransportMessageFrame", message: { a: 1 } } },
  MessageFrame: { data: { message: { b: 2 } }, expect: { type: "InputTransportMessageFrame", message: { b: 2 } } },
  InputTransportMessageFrame: { data: { message: { c: 3 } }, expect: { type: "InputTransportMessageFrame", message: { c: 3 } } },
  BotStartedSpeakingFrame: { expect: { type: "BotStartedSpeakingFrame" } },
  BotStoppedSpeakingFrame: { data: {}, expect: { type: "BotStoppedSpeakingFrame" } },
  UserSpeakingFrame: { expect: { type: "UserSpeakingFrame" } },
  VADParamsUpdateFrame: { data: { stop_secs: 0.8, start_secs: 0.2 }, expect: { type: "VADParamsUpdateFrame", stop_secs: 0.8 } },
  VADUserStartedSpeakingFrame: { data: { start_secs: 0.2 }, expect: { type: "VADUserStartedSpeakingFrame", start_secs: 0.2 } },
  VADUserStoppedSpeakingFrame: { data: { stop_secs: 0.8 }, expect: { type: "VADUserStoppedSpeakingFrame", stop_secs: 0.8 } },
  OutputDTMFUrgentFrame: { data: { button: "#" }, expect: { type: "OutputDTMFUrgentFrame", button: "#" } },
  InputDTMFFrame: { data: { digit: "7" }, expect: { type: "InputDTMFFrame", digit: "7" } },
  InterruptionFrame: { expect: { type: "InterruptionFrame" } },
  RTVIClientMessageFrame: {
    data: { msg_id: "m1", type: "get-weather", data: { city: "Oslo" } },
    expect: { type: "RTVIClientMessageFrame", msg_id: "m1", t: "get-weather", d: { city: "Oslo" } },
  },
  RTVIServerMessageFrame: { data: { type: "server-message", data: { n: 1 } }, expect: { type: "RTVIServerMessageFrame", data: { n: 1 } } },
  InputAudioRawFrame: {
    data: { audio: "AQACAA==", sample_rate: 16000 },
    expect: { type: "InputAudioRawFrame", sample_rate: 16000, num_channels: 1, num_frames: 2 },
  },
  AudioRawFrame: {
    data: { audio: "AQACAAMABAA=", sample_rate: 8000, num_channels: 2 },
    expect: { type: "InputAudioRawFrame", sample_rate: 8000, num_channels: 2, num_frames: 2 },
  },
};

describe("jsonSerializer: inbound", () => {
  it("has a sample for every decodable type", () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(Object.keys(JSON_INBOUND).sort());
  });

  for (const [type, sample] of Object.entries(SAMPLES)) {
    it(`decodes ${type}`, () => {
      const message = sample.data === undefined ? { type } : { type, data: sample.data };
      const frame = decodeOne(message);
      expect(frame).toMatchObject(sample.expect);
      expect(frame.id).toBe(1);
    });
  }

  it("keeps the frame's own type and id when an RTVI frame's data has `type` and `id`", () => {
    const frame = decodeOne({ type: "RTVIServerMessageFrame", data: { type: "x", id: "client-id", data: 5 } });
    expect(frame).toMatchObject({ type: "RTVIServerMessageFrame", id: 1, data: 5 });
  });

  it("fills a missing transcript timestamp with the current time", () => {
    const frame = decodeOne({ type: "TranscriptionFrame", data: { text: "hi" } });
    expect(frame.type === "TranscriptionFrame" && Number.isNaN(Date.parse(frame.timestamp))).toBe(false);
  });

  it("decodes base64 microphone audio under both names", () => {
    const pcm = Uint8Array.from([1, 0, 2, 0, 255, 127, 0, 128]);
    for (const type of ["InputAudioRawFrame", "AudioRawFrame"]) {
      const frame = decodeOne({ type, data: { audio: Buffer.from(pcm).toString("base64"), sample_rate: 16000 } });
      expect(frame).toMatchObject({ type: "InputAudioRawFrame", sample_rate: 16000, num_channels: 1, num_frames: 4 });
      expect(frame.type === "InputAudioRawFrame" && [...frame.audio]).toEqual([...pcm]);
    }
  });

  it("accepts binary messages holding JSON text", () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ type: "TextFrame", data: { text: "bin" } }));
    expect(jsonSerializer(counterIds()).deserialize(bytes, true)[0]).toMatchObject({ type: "TextFrame", text: "bin" });
  });

  it("passes RTVI objects through as InputTransportMessageFrame", () => {
    const ready = { label: "rtvi-ai", type: "client-ready", id: "abcd1234", data: { version: "2.1.0" } };
    expect(decodeOne(ready)).toMatchObject({ type: "InputTransportMessageFrame", message: ready });
  });
});

describe("jsonSerializer: inbound errors", () => {
  const s = jsonSerializer(counterIds());
  const fail = (message: string | Uint8Array) => errorOf(() => s.deserialize(message, typeof message !== "string")).message;

  it("names an unknown type", () => {
    expect(fail(JSON.stringify({ type: "WarpDriveFrame", data: {} }))).toBe('unknown frame type "WarpDriveFrame"');
    expect(fail(JSON.stringify({ type: "toString" }))).toBe('unknown frame type "toString"');
  });

  it("reports malformed JSON and non-envelopes", () => {
    expect(fail("{not json")).toMatch(/^malformed JSON/);
    expect(fail("[1,2]")).toMatch(/expected a JSON object/);
    expect(fail("42")).toMatch(/expected a JSON object/);
    expect(fail(JSON.stringify({ data: {} }))).toMatch(/missing "type"/);
    expect(fail(JSON.stringify({ type: "TextFrame", data: "hello" }))).toBe('invalid TextFrame: "data" must be an object');
    expect(fail(Uint8Array.from([0x7b, 0xff, 0x7d]))).toMatch(/UTF-8/);
  });

  it("names missing and mistyped fields", () => {
    expect(fail(JSON.stringify({ type: "TextFrame", data: { text: 5 } }))).toMatch(/^invalid TextFrame: data\.text: .*expected string, received number/);
    expect(fail(JSON.stringify({ type: "TextFrame", data: {} }))).toMatch(/^invalid TextFrame: data\.text: .*received undefined/);
    expect(fail(JSON.stringify({ type: "InputDTMFFrame", data: { digit: "A" } }))).toMatch(/^invalid InputDTMFFrame: data\.digit/);
    expect(
      fail(JSON.stringify({ type: "LLMMessagesAppendFrame", data: { messages: [{ role: "robot", content: "x" }] } })),
    ).toMatch(/^invalid LLMMessagesAppendFrame: data\.messages\[0\]\.role/);
    expect(fail(JSON.stringify({ type: "TransportMessageFrame", data: { message: "text" } }))).toMatch(/data\.message/);
    expect(fail(JSON.stringify({ type: "FunctionCallResultFrame", data: { function_name: "f" } }))).toMatch(/data\.tool_call_id/);
  });

  it("rejects unusable audio", () => {
    const b64 = (n: number) => Buffer.alloc(n).toString("base64");
    expect(fail(JSON.stringify({ type: "InputAudioRawFrame", data: { audio: "@@@@", sample_rate: 16000 } }))).toBe(
      "invalid InputAudioRawFrame: data.audio: not base64",
    );
    expect(fail(JSON.stringify({ type: "InputAudioRawFrame", data: { audio: b64(3), sample_rate: 16000 } }))).toMatch(/16-bit samples/);
    expect(fail(JSON.stringify({ type: "AudioRawFrame", data: { audio: b64(4), sample_rate: -1 } }))).toMatch(/sample_rate/);
    expect(fail(JSON.stringify({ type: "AudioRawFrame", data: { audio: b64(4) } }))).toMatch(/data\.sample_rate/);
    expect(fail(JSON.stringify({ type: "AudioRawFrame", data: { audio: 12, sample_rate: 16000 } }))).toMatch(/data\.audio/);
  });
});

describe("jsonSerializer: outbound", () => {
  const ids = counterIds();
  const s = jsonSerializer(ids);
  const out = (f: Frame) => {
    const text = s.serialize(f);
    return text === null ? null : (JSON.parse(text as string) as { type: string; data: Record<string, unknown> });
  };

  it("sends bot audio as base64 with its format", () => {
    const pcm = Uint8Array.from([1, 2, 3, 4]);
    const msg = out(audioFrame(ids, "TTSAudioRawFrame", pcm, 24000, 1, { pts: 99 }));
    expect(msg).toEqual({
      type: "TTSAudioRawFrame",
      data: { audio: Buffer.from(pcm).toString("base64"), sample_rate: 24000, num_channels: 1, num_frames: 2 },
    });
  });

  it("round-trips audio: what we send decodes back to the same samples", () => {
    const pcm = Uint8Array.from({ length: 640 }, (_, i) => i & 0xff);
    const text = s.serialize(audioFrame(ids, "OutputAudioRawFrame", pcm, 16000)) as string;
    const back = s.deserialize(text.replace('"OutputAudioRawFrame"', '"InputAudioRawFrame"'), false)[0]!;
    expect(back.type === "InputAudioRawFrame" && [...back.audio]).toEqual([...pcm]);
  });

  it("sends transcripts, bot text, speaking state, errors and interruptions in the envelope", () => {
    expect(out(createFrame(ids, "TranscriptionFrame", { text: "hi", user_id: "u", timestamp: "t", finalized: true }))).toEqual({
      type: "TranscriptionFrame",
      data: { text: "hi", user_id: "u", timestamp: "t", finalized: true },
    });
    expect(out(createFrame(ids, "LLMTextFrame", { text: "tok" }))).toEqual({ type: "LLMTextFrame", data: { text: "tok" } });
    expect(out(createFrame(ids, "BotStartedSpeakingFrame", {}))).toEqual({ type: "BotStartedSpeakingFrame", data: {} });
    expect(out(createFrame(ids, "ErrorFrame", { error: "x", fatal: false }))).toEqual({
      type: "ErrorFrame",
      data: { error: "x", fatal: false },
    });
    expect(out(createFrame(ids, "InterruptionFrame", {}))).toEqual({ type: "InterruptionFrame", data: {} });
    expect(out(rtviServerMessageFrame(ids, { n: 1 }))).toEqual({ type: "RTVIServerMessageFrame", data: { data: { n: 1 } } });
  });

  it("keeps internal frames home", () => {
    for (const f of [
      createFrame(ids, "StartFrame", {
        audio_in_sample_rate: 16000,
        audio_out_sample_rate: 24000,
        allow_interruptions: true,
        enable_metrics: false,
        enable_usage_metrics: false,
      }),
      createFrame(ids, "EndFrame", {}),
      createFrame(ids, "CancelFrame", {}),
      createFrame(ids, "LLMContextFrame", { context: { messages: [] } }),
      createFrame(ids, "UserSpeakingFrame", {}),
      audioFrame(ids, "InputAudioRawFrame", new Uint8Array(4), 16000),
    ]) {
      expect(s.serialize(f)).toBeNull();
    }
  });

  it("sends transport messages bare, so RTVI clients see plain RTVI objects", () => {
    const message = { label: "rtvi-ai", type: "bot-ready", id: "abcd1234", data: { version: "2.1.0" } };
    expect(JSON.parse(s.serialize(createFrame(ids, "OutputTransportMessageUrgentFrame", { message })) as string)).toEqual(message);
    expect(JSON.parse(s.serialize(createFrame(ids, "OutputTransportMessageFrame", { message })) as string)).toEqual(message);
  });
});
