// /ws?format=protobuf with what @pipecat-ai/websocket-transport sends: binary protobuf
// Frames (audio=2 at 16 kHz named "audio" with id 0; message=4 carrying RTVI JSON). The
// schema below is written from the field numbers, independently of the server's copy.

import protobuf from "protobufjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, sleep, startServer, tone, type Received, type TestServer } from "./harness.ts";

const root = protobuf.parse(`
  syntax = "proto3";
  package client;
  message AudioRawFrame { uint64 id = 1; string name = 2; bytes audio = 3; uint32 sample_rate = 4; uint32 num_channels = 5; optional uint64 pts = 6; }
  message MessageFrame { string data = 1; }
  message InterruptionFrame { uint64 id = 1; string name = 2; }
  message Frame { oneof frame { AudioRawFrame audio = 2; MessageFrame message = 4; InterruptionFrame interruption = 5; } }
`, { keepCase: true }).root;
const Frame = root.lookupType("client.Frame");

interface Decoded {
  frame?: "audio" | "message" | "interruption";
  audio?: { audio: Uint8Array; sample_rate: number; num_channels: number; name: string };
  message?: { data: string };
}

const encode = (value: object): Uint8Array => Frame.encode(Frame.fromObject(value)).finish();
const decode = (m: Received): Decoded => Frame.toObject(Frame.decode(m.data), { oneofs: true, longs: Number }) as Decoded;
const audioFrame = (pcm: Uint8Array) => encode({ audio: { id: 0, name: "audio", audio: pcm, sample_rate: 16000, num_channels: 1 } });
const rtviFrame = (message: object) => encode({ message: { data: JSON.stringify(message) } });
const isKind = (kind: Decoded["frame"]) => (m: Received) => m.binary && decode(m).frame === kind;

function audioMs(messages: readonly Received[]): number {
  let ms = 0;
  for (const m of messages) {
    const d = decode(m);
    if (d.frame === "audio") ms += (d.audio!.audio.length / 2 / d.audio!.sample_rate) * 1000;
  }
  return ms;
}

describe("/ws protobuf (Pipecat client framing)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({});
  });
  afterAll(() => server.close());

  it("echoes client audio as binary protobuf audio frames at the 24 kHz output rate", async () => {
    const client = await connect(`${server.wsUrl}/ws?format=protobuf`);
    for (let i = 0; i < 10; i++) client.send(audioFrame(tone(20))); // 200 ms as the client sends it: 20 ms frames
    await client.waitFor(() => audioMs(client.received) >= 195);
    const audio = client.received.filter(isKind("audio")).map((m) => decode(m).audio!);
    expect(client.received.every((m) => m.binary)).toBe(true);
    expect(audio.every((a) => a.sample_rate === 24000 && a.num_channels === 1 && a.name.startsWith("OutputAudioRawFrame#"))).toBe(true);
    client.close();
    await client.closed;
  });

  it("answers the RTVI handshake inside message frames", async () => {
    const client = await connect(`${server.wsUrl}/ws?format=protobuf`);
    client.send(
      rtviFrame({
        label: "rtvi-ai",
        type: "client-ready",
        id: "c0ffee00",
        data: { version: "2.1.0", about: { library: "@pipecat-ai/client-js", library_version: "1.13.1" } },
      }),
    );
    const reply = await client.waitFor((m) => isKind("message")(m) && JSON.parse(decode(m).message!.data).type === "bot-ready");
    const botReady = JSON.parse(decode(reply).message!.data);
    expect(botReady).toMatchObject({ label: "rtvi-ai", type: "bot-ready", id: "c0ffee00" });
    client.close();
    await client.closed;
  });

  it("answers garbage bytes with an RTVI error in a message frame and keeps going", async () => {
    const client = await connect(`${server.wsUrl}/ws?format=protobuf`);
    client.send(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0x01, 0x02])); // a truncated length-delimited field
    client.send(encode({})); // a Frame with no frame set
    client.send("text is not protobuf");
    await client.waitFor(() => client.received.filter(isKind("message")).length >= 3);
    for (const m of client.received.filter(isKind("message"))) {
      const error = JSON.parse(decode(m).message!.data);
      expect(error).toMatchObject({ label: "rtvi-ai", type: "error", data: { fatal: false } });
      expect(error.data.error.length).toBeGreaterThan(5);
    }
    client.send(audioFrame(tone(40)));
    await client.waitFor(isKind("audio"));
    client.close();
    await client.closed;
  });

  it("an interruption stops queued audio and is sent back as an interruption frame", async () => {
    const client = await connect(`${server.wsUrl}/ws?format=protobuf`);
    client.send(audioFrame(tone(3000)));
    await client.waitFor(() => audioMs(client.received) >= 200);
    client.send(encode({ interruption: { id: 0, name: "interruption" } }));
    const interruption = await client.waitFor(isKind("interruption"));
    await sleep(300);
    const after = client.received.slice(client.received.indexOf(interruption) + 1);
    expect(after.filter(isKind("audio"))).toHaveLength(0);
    expect(audioMs(client.received)).toBeLessThan(800);
    client.close();
    await client.closed;
  });
});
