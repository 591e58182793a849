// The RTVI message channel: transport messages go out as bare JSON, nothing else goes out,
// and any JSON object comes in as an InputTransportMessageFrame (the processor checks labels).

import { describe, expect, it } from "vitest";
import { audioFrame, counterIds, createFrame } from "../../../lib/frames/index.ts";
import { clientMessageOf, rtviClientMessageFrame } from "../../../lib/serializers/rtvi/rtviFrames.ts";
import { rtviSerializer } from "../../../lib/serializers/rtvi/rtviSerializer.ts";
import { SerializerError } from "../../../lib/serializers/serializer.ts";

describe("rtviSerializer", () => {
  const ids = counterIds();
  const s = rtviSerializer(ids);

  it("sends transport messages as bare JSON text", () => {
    const message = { label: "rtvi-ai", type: "bot-started-speaking" };
    expect(s.serialize(createFrame(ids, "OutputTransportMessageUrgentFrame", { message }))).toBe(JSON.stringify(message));
    expect(s.serialize(createFrame(ids, "OutputTransportMessageFrame", { message }))).toBe(JSON.stringify(message));
  });

  it("sends nothing else, audio included", () => {
    expect(s.serialize(audioFrame(ids, "TTSAudioRawFrame", new Uint8Array(4), 24000))).toBeNull();
    expect(s.serialize(createFrame(ids, "LLMTextFrame", { text: "x" }))).toBeNull();
    expect(s.serialize(createFrame(ids, "InterruptionFrame", {}))).toBeNull();
  });

  it("receives JSON objects, text or binary", () => {
    const ready = { label: "rtvi-ai", type: "client-ready", id: "1", data: { version: "2.1.0" } };
    expect(s.deserialize(JSON.stringify(ready), false)).toEqual([expect.objectContaining({ type: "InputTransportMessageFrame", message: ready })]);
    const bytes = new TextEncoder().encode(JSON.stringify({ hello: 1 }));
    expect(s.deserialize(bytes, true)[0]).toMatchObject({ type: "InputTransportMessageFrame", message: { hello: 1 } });
  });

  it("rejects what is not a JSON object", () => {
    for (const bad of ["{", "[]", "null", '"text"']) expect(() => s.deserialize(bad, false)).toThrow(SerializerError);
    expect(() => s.deserialize(Uint8Array.from([0xc3, 0x28]), true)).toThrow(SerializerError);
  });
});

describe("RTVI client message frames", () => {
  it("keep their frame type and id while carrying the client's type and id", () => {
    const frame = rtviClientMessageFrame(counterIds(5), { msg_id: "abc", t: "get-weather", d: { city: "Oslo" } });
    expect(frame.type).toBe("RTVIClientMessageFrame");
    expect(frame.id).toBe(5);
    expect(clientMessageOf(frame)).toEqual({ msg_id: "abc", t: "get-weather", d: { city: "Oslo" } });
  });
});
