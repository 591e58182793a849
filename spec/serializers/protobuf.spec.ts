// The Pipecat protobuf framing: what the JS client sends decodes into our frames, what we send
// decodes with Pipecat's schema, and nothing a peer sends can make the serializer throw
// anything but SerializerError.
//
// The "independent" schema below is built from the field numbers with protobufjs reflection,
// not from frames.proto, so a wrong number in frames.proto fails these tests.

import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { audioFrame, counterIds, createFrame, type Frame } from "../../lib/frames/index.ts";
import { protobufSerializer } from "../../lib/serializers/protobuf.ts";
import { SerializerError } from "../../lib/serializers/serializer.ts";

const { Field, OneOf, Root, Type } = protobuf;

function pipecatSchema(): protobuf.Type {
  const idName = (t: protobuf.Type) => t.add(new Field("id", 1, "uint64")).add(new Field("name", 2, "string"));
  const text = idName(new Type("TextFrame")).add(new Field("text", 3, "string"));
  const audio = idName(new Type("AudioRawFrame"))
    .add(new Field("audio", 3, "bytes"))
    .add(new Field("sample_rate", 4, "uint32"))
    .add(new Field("num_channels", 5, "uint32"))
    .add(new Field("pts", 6, "uint64", "optional"));
  const transcription = idName(new Type("TranscriptionFrame"))
    .add(new Field("text", 3, "string"))
    .add(new Field("user_id", 4, "string"))
    .add(new Field("timestamp", 5, "string"));
  const message = new Type("MessageFrame").add(new Field("data", 1, "string"));
  const interruption = idName(new Type("InterruptionFrame"));
  const frame = new Type("Frame")
    .add(new Field("text", 1, "TextFrame"))
    .add(new Field("audio", 2, "AudioRawFrame"))
    .add(new Field("transcription", 3, "TranscriptionFrame"))
    .add(new Field("message", 4, "MessageFrame"))
    .add(new Field("interruption", 5, "InterruptionFrame"))
    .add(new OneOf("frame", ["text", "audio", "transcription", "message", "interruption"]));
  const ns = new Root().define("pipecat");
  for (const t of [text, audio, transcription, message, interruption, frame]) ns.add(t);
  return ns.lookupType("Frame");
}

const Pipecat = pipecatSchema();
const decodePipecat = (bytes: Uint8Array) => Pipecat.toObject(Pipecat.decode(bytes), { longs: Number, oneofs: true });

const pcm = (bytes: number): Uint8Array => Uint8Array.from({ length: bytes }, (_, i) => (i * 7) & 0xff);

function only(frames: Frame[]): Frame {
  expect(frames).toHaveLength(1);
  return frames[0]!;
}

function expectSerializerError(fn: () => unknown, message?: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(SerializerError);
  if (message) expect((thrown as Error).message).toMatch(message);
}

describe("protobufSerializer: what the Pipecat JS client sends", () => {
  const clientAudio = pcm(512);
  // The client's bytes: Frame{audio: {id 0, name "audio", 512 B, 16000 Hz, mono}}. Its
  // proto3 encoder leaves the zero id out, so the id is not given here either.
  const clientBytes = Pipecat.encode({
    audio: { name: "audio", audio: clientAudio, sample_rate: 16000, num_channels: 1 },
  }).finish();

  it("is the 530-byte message observed on the wire", () => {
    const hex = Buffer.from(clientBytes).toString("hex");
    expect(clientBytes.byteLength).toBe(530);
    expect(hex.startsWith("128f041205617564696f1a80")).toBe(true);
    expect(hex.endsWith("20807d2801")).toBe(true);
  });

  it("decodes the hard-coded wire bytes to an InputAudioRawFrame", () => {
    const bytes = Buffer.concat([
      Buffer.from("128f041205617564696f1a8004", "hex"),
      Buffer.from(clientAudio),
      Buffer.from("20807d2801", "hex"),
    ]);
    const frame = only(protobufSerializer(counterIds()).deserialize(new Uint8Array(bytes), true));
    expect(frame).toMatchObject({ type: "InputAudioRawFrame", sample_rate: 16000, num_channels: 1, num_frames: 256 });
    expect(frame.type === "InputAudioRawFrame" && [...frame.audio]).toEqual([...clientAudio]);
  });

  it("decodes the client-ready message frame to an InputTransportMessageFrame", () => {
    const ready = {
      label: "rtvi-ai",
      type: "client-ready",
      id: "a1b2c3d4",
      data: { version: "2.1.0", about: { library: "@pipecat-ai/client-js", library_version: "1.13.1" } },
    };
    const bytes = Pipecat.encode({ message: { data: JSON.stringify(ready) } }).finish();
    const frame = only(protobufSerializer(counterIds()).deserialize(bytes, true));
    expect(frame).toMatchObject({ type: "InputTransportMessageFrame", message: ready });
  });

  it("decodes text, transcription and interruption frames", () => {
    const s = protobufSerializer(counterIds());
    const text = s.deserialize(Pipecat.encode({ text: { id: 3, name: "t", text: "hello" } }).finish(), true);
    expect(only(text)).toMatchObject({ type: "TextFrame", text: "hello" });
    const transcription = s.deserialize(
      Pipecat.encode({ transcription: { text: "hi there", user_id: "u1", timestamp: "2025-01-01T00:00:00Z" } }).finish(),
      true,
    );
    expect(only(transcription)).toMatchObject({
      type: "TranscriptionFrame",
      text: "hi there",
      user_id: "u1",
      timestamp: "2025-01-01T00:00:00Z",
      finalized: true,
    });
    expect(only(s.deserialize(Pipecat.encode({ interruption: { id: 9 } }).finish(), true)).type).toBe("InterruptionFrame");
  });

  it("keeps an inbound pts", () => {
    const bytes = Pipecat.encode({ audio: { audio: pcm(4), sample_rate: 8000, num_channels: 1, pts: 123_456_789 } }).finish();
    expect(only(protobufSerializer(counterIds()).deserialize(bytes, true)).pts).toBe(123_456_789);
  });
});

describe("protobufSerializer: what we send", () => {
  it("encodes bot audio so that Pipecat's schema decodes it", () => {
    const ids = counterIds(41);
    const s = protobufSerializer(ids);
    const frame = audioFrame(ids, "TTSAudioRawFrame", pcm(960), 24000, 1, { pts: 5_000_000 });
    const wire = decodePipecat(s.serialize(frame) as Uint8Array);
    expect(wire.frame).toBe("audio");
    expect(wire["audio"]).toMatchObject({
      id: frame.id,
      name: `TTSAudioRawFrame#${frame.id}`,
      sample_rate: 24000,
      num_channels: 1,
      pts: 5_000_000,
    });
    expect([...(wire["audio"] as { audio: Uint8Array }).audio]).toEqual([...pcm(960)]);
  });

  it("encodes a 512-byte OutputAudioRawFrame with the client's head and tail around our name", () => {
    const ids = counterIds(1);
    const bytes = protobufSerializer(ids).serialize(audioFrame(ids, "OutputAudioRawFrame", pcm(512), 16000)) as Uint8Array;
    const hex = Buffer.from(bytes).toString("hex");
    // field 2 (audio), then id 1, name "OutputAudioRawFrame#1", then 512 bytes, 16000 Hz, mono.
    expect(hex.startsWith("12a104" + "0801" + "1215" + Buffer.from("OutputAudioRawFrame#1").toString("hex") + "1a8004")).toBe(true);
    expect(hex.endsWith("20807d2801")).toBe(true);
  });

  it("sends transport messages as JSON in a message frame", () => {
    const ids = counterIds();
    const s = protobufSerializer(ids);
    const message = { label: "rtvi-ai", type: "bot-ready", id: "x", data: { version: "2.1.0" } };
    for (const type of ["OutputTransportMessageFrame", "OutputTransportMessageUrgentFrame"] as const) {
      const wire = decodePipecat(s.serialize(createFrame(ids, type, { message })) as Uint8Array);
      expect(wire.frame).toBe("message");
      expect(JSON.parse((wire["message"] as { data: string }).data)).toEqual(message);
    }
  });

  it("sends interruptions", () => {
    const ids = counterIds(7);
    const wire = decodePipecat(protobufSerializer(ids).serialize(createFrame(ids, "InterruptionFrame", {})) as Uint8Array);
    expect(wire).toMatchObject({ frame: "interruption", interruption: { id: 7, name: "InterruptionFrame#7" } });
  });

  it("keeps text, transcripts and internal frames home by default", () => {
    const ids = counterIds();
    const s = protobufSerializer(ids);
    const frames: Frame[] = [
      createFrame(ids, "TextFrame", { text: "a" }),
      createFrame(ids, "LLMTextFrame", { text: "b" }),
      createFrame(ids, "TranscriptionFrame", { text: "c", user_id: "u", timestamp: "t", finalized: true }),
      createFrame(ids, "StartFrame", {
        audio_in_sample_rate: 16000,
        audio_out_sample_rate: 24000,
        allow_interruptions: true,
        enable_metrics: false,
        enable_usage_metrics: false,
      }),
      createFrame(ids, "EndFrame", {}),
      audioFrame(ids, "InputAudioRawFrame", pcm(4), 16000),
      createFrame(ids, "BotStartedSpeakingFrame", {}),
    ];
    for (const f of frames) expect(s.serialize(f)).toBeNull();
  });

  it("sends text and final transcripts when asked to", () => {
    const ids = counterIds();
    const s = protobufSerializer(ids, { sendText: true });
    const llm = decodePipecat(s.serialize(createFrame(ids, "LLMTextFrame", { text: "tok" })) as Uint8Array);
    expect(llm).toMatchObject({ frame: "text", text: { text: "tok" } });
    const t = createFrame(ids, "TranscriptionFrame", { text: "hey", user_id: "u", timestamp: "ts", finalized: true });
    expect(decodePipecat(s.serialize(t) as Uint8Array)).toMatchObject({
      frame: "transcription",
      transcription: { text: "hey", user_id: "u", timestamp: "ts" },
    });
    const interim = createFrame(ids, "InterimTranscriptionFrame", { text: "he", user_id: "u", timestamp: "ts", finalized: false });
    expect(s.serialize(interim)).toBeNull();
  });

  it("round-trips audio, messages, interruptions, text and transcripts", () => {
    const ids = counterIds();
    const s = protobufSerializer(ids, { sendText: true });
    const back = (f: Frame) => only(s.deserialize(s.serialize(f) as Uint8Array, true));
    expect(back(audioFrame(ids, "OutputAudioRawFrame", pcm(64), 48000, 2))).toMatchObject({
      type: "InputAudioRawFrame",
      sample_rate: 48000,
      num_channels: 2,
      num_frames: 16,
    });
    expect(back(createFrame(ids, "OutputTransportMessageUrgentFrame", { message: { a: [1, "x"] } }))).toMatchObject({
      type: "InputTransportMessageFrame",
      message: { a: [1, "x"] },
    });
    expect(back(createFrame(ids, "InterruptionFrame", {})).type).toBe("InterruptionFrame");
    expect(back(createFrame(ids, "TextFrame", { text: "héllo ✓" }))).toMatchObject({ type: "TextFrame", text: "héllo ✓" });
    expect(
      back(createFrame(ids, "TranscriptionFrame", { text: "x", user_id: "u", timestamp: "t", finalized: true })),
    ).toMatchObject({ type: "TranscriptionFrame", text: "x", user_id: "u", timestamp: "t" });
  });

  it("reports a message that cannot be JSON as a SerializerError", () => {
    const ids = counterIds();
    const cyclic: Record<string, unknown> = {};
    cyclic["self"] = cyclic;
    expectSerializerError(
      () => protobufSerializer(ids).serialize(createFrame(ids, "OutputTransportMessageFrame", { message: cyclic })),
      /not JSON-serializable/,
    );
  });
});

describe("protobufSerializer: malformed input", () => {
  const s = protobufSerializer(counterIds());
  const valid = Pipecat.encode({ audio: { audio: pcm(512), sample_rate: 16000, num_channels: 1 } }).finish();

  it("rejects truncated bytes at every cut point", () => {
    for (let cut = 1; cut < valid.byteLength; cut += 37) {
      expectSerializerError(() => s.deserialize(valid.subarray(0, cut), true));
    }
  });

  it("rejects garbage", () => {
    for (const bytes of [
      Uint8Array.from([0xff, 0xff, 0xff]),
      Uint8Array.from([0x12, 0x02, 0x20, 0x00]), // audio with no rate
      Uint8Array.from([0x0a, 0x7f]), // text with a length past the end
      Uint8Array.from([0x0f]), // wire type 7 does not exist
      new Uint8Array(0), // an empty Frame
      Uint8Array.from({ length: 256 }, (_, i) => (i * 131 + 17) & 0xff),
    ]) {
      expectSerializerError(() => s.deserialize(bytes, true));
    }
  });

  it("rejects unusable audio", () => {
    const bad = [
      { audio: pcm(3), sample_rate: 16000, num_channels: 1 }, // half a sample
      { audio: pcm(6), sample_rate: 16000, num_channels: 2 }, // half a stereo frame
      { audio: pcm(4), sample_rate: 0, num_channels: 1 },
      { audio: pcm(4), sample_rate: 16000, num_channels: 0 },
    ];
    for (const audio of bad) expectSerializerError(() => s.deserialize(Pipecat.encode({ audio }).finish(), true), /protobuf audio/);
  });

  it("rejects a message frame whose data is not JSON", () => {
    expectSerializerError(() => s.deserialize(Pipecat.encode({ message: { data: "{nope" } }).finish(), true), /not valid JSON/);
  });

  it("rejects text messages", () => {
    expectSerializerError(() => s.deserialize("hello", false), /binary/);
  });
});
