// Interop with the real Pipecat client serializer (@pipecat-ai/websocket-transport's
// ProtobufFrameSerializer, run in Node): what it sends we decode, what we send it reads.

import { ProtobufFrameSerializer } from "@pipecat-ai/websocket-transport";
import { describe, expect, it } from "vitest";
import { audioFrame, counterIds, createFrame } from "../../lib/frames/index.ts";
import { protobufSerializer } from "../../lib/serializers/protobuf.ts";

describe("protobufSerializer ⇄ Pipecat's ProtobufFrameSerializer", () => {
  const ids = counterIds();
  const ours = protobufSerializer(ids);
  const theirs = new ProtobufFrameSerializer();

  it("decodes the client's microphone audio", () => {
    const pcm = Uint8Array.from({ length: 512 }, (_, i) => (i * 3) & 0xff);
    const bytes = theirs.serializeAudio(pcm.buffer, 16000, 1);
    expect(Buffer.from(bytes).toString("hex").startsWith("128f041205617564696f1a80")).toBe(true);
    const [frame] = ours.deserialize(bytes, true);
    expect(frame).toMatchObject({ type: "InputAudioRawFrame", sample_rate: 16000, num_channels: 1, num_frames: 256 });
    expect(frame?.type === "InputAudioRawFrame" && [...frame.audio]).toEqual([...pcm]);
  });

  it("decodes the client's RTVI messages", () => {
    const ready = { label: "rtvi-ai", type: "client-ready", id: "ab12cd34", data: { version: "2.1.0", about: { library: "x" } } };
    expect(ours.deserialize(theirs.serializeMessage(ready as never), true)).toEqual([
      expect.objectContaining({ type: "InputTransportMessageFrame", message: ready }),
    ]);
  });

  const blob = (bytes: unknown) => new Blob([bytes as Uint8Array<ArrayBuffer>]);

  it("sends audio and messages the client reads", async () => {
    const samples = Int16Array.from({ length: 480 }, (_, i) => (i * 97) % 30000 - 15000);
    const pcm = new Uint8Array(samples.buffer);
    const audio = await theirs.deserialize(blob(ours.serialize(audioFrame(ids, "TTSAudioRawFrame", pcm, 24000))));
    expect(audio.type).toBe("audio");
    expect([...(audio as { audio: Int16Array }).audio]).toEqual([...samples]);

    const message = { label: "rtvi-ai", type: "bot-ready", id: "ab12cd34", data: { version: "2.1.0" } };
    const out = ours.serialize(createFrame(ids, "OutputTransportMessageUrgentFrame", { message }));
    expect(await theirs.deserialize(blob(out))).toEqual({ type: "message", message });
  });
});
