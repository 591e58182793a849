// The load generator's side of the /ws wire, kept cheap so that 300 callers fit on one core
// next to the stand-in: microphone frames are encoded by hand (no object building per frame)
// and inbound messages are classified by their first bytes; only the rare transport messages
// are decoded for real.
//
// protobuf (default): Pipecat's frames.proto. Outbound `audio` carries the send time in `pts`
//   (CLOCK_MONOTONIC µs), which the server's input probe turns into the inbound frame age.
// json: the JSON envelope with base64 audio; it has no pts field, so no frame age.

import { pipecatProtoRoot } from "../../../lib/serializers/protobuf.ts";
import { isBenchMessage, type BenchMessage } from "./protocol.ts";

export type WireFormat = "protobuf" | "json";

export type Inbound =
  | { readonly kind: "audio" }
  | { readonly kind: "interruption" }
  | { readonly kind: "bench"; readonly message: BenchMessage }
  | { readonly kind: "other" };

const FrameMessage = pipecatProtoRoot.lookupType("pipecat.Frame");

function varint(out: number[], value: number): void {
  // Values up to 2^53: division instead of 32-bit shifts.
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function bytesField(out: number[], tag: number, length: number): void {
  out.push(tag);
  varint(out, length);
}

/** Frame{audio: AudioRawFrame{id, name:"audio", audio, sample_rate, num_channels:1, pts}} */
export function encodeProtobufAudio(pcm: Uint8Array, sampleRate: number, id: number, ptsUs: number): Uint8Array {
  const head: number[] = [];
  head.push(0x08);
  varint(head, id);
  bytesField(head, 0x12, 5);
  head.push(0x61, 0x75, 0x64, 0x69, 0x6f); // "audio"
  bytesField(head, 0x1a, pcm.byteLength);
  const tail: number[] = [0x20];
  varint(tail, sampleRate);
  tail.push(0x28, 0x01, 0x30);
  varint(tail, ptsUs);
  const innerLength = head.length + pcm.byteLength + tail.length;
  const outer: number[] = [];
  bytesField(outer, 0x12, innerLength);
  const out = new Uint8Array(outer.length + innerLength);
  out.set(outer, 0);
  out.set(head, outer.length);
  out.set(pcm, outer.length + head.length);
  out.set(tail, outer.length + head.length + pcm.byteLength);
  return out;
}

export function encodeJsonAudio(pcm: Uint8Array, sampleRate: number): string {
  const audio = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength).toString("base64");
  return `{"type":"InputAudioRawFrame","data":{"audio":"${audio}","sample_rate":${sampleRate},"num_channels":1}}`;
}

/** Checks the hand encoder against protobufjs once, so a wrong byte fails the run, not the figures. */
export function checkProtobufEncoder(): void {
  const pcm = new Uint8Array([1, 2, 3, 4]);
  const decoded = FrameMessage.toObject(FrameMessage.decode(encodeProtobufAudio(pcm, 16_000, 300, 1_234_567_890_123)), {
    longs: Number,
    oneofs: true,
  }) as { frame?: string; audio?: { id?: number; name?: string; audio?: Uint8Array; sample_rate?: number; num_channels?: number; pts?: number } };
  const a = decoded.audio;
  const ok =
    decoded.frame === "audio" &&
    a?.id === 300 &&
    a.name === "audio" &&
    a.sample_rate === 16_000 &&
    a.num_channels === 1 &&
    a.pts === 1_234_567_890_123 &&
    a.audio !== undefined &&
    Buffer.from(a.audio).equals(Buffer.from(pcm));
  if (!ok) throw new Error(`bench protobuf encoder is wrong: ${JSON.stringify(decoded)}`);
}

const AUDIO_JSON_PREFIX = '{"type":"OutputAudioRawFrame"';
const INTERRUPTION_JSON_PREFIX = '{"type":"InterruptionFrame"';

export function classify(data: Buffer, isBinary: boolean): Inbound {
  if (isBinary) {
    switch (data[0]) {
      case 0x12:
        return { kind: "audio" };
      case 0x2a:
        return { kind: "interruption" };
      case 0x22: {
        const decoded = FrameMessage.toObject(FrameMessage.decode(data), { oneofs: true }) as { message?: { data?: string } };
        return benchOf(decoded.message?.data);
      }
      default:
        return { kind: "other" };
    }
  }
  const text = data.toString("utf8");
  if (text.startsWith(AUDIO_JSON_PREFIX)) return { kind: "audio" };
  if (text.startsWith(INTERRUPTION_JSON_PREFIX)) return { kind: "interruption" };
  return benchOf(text);
}

function benchOf(text: string | undefined): Inbound {
  if (text === undefined || !text.includes('"label"')) return { kind: "other" };
  try {
    const value: unknown = JSON.parse(text);
    return isBenchMessage(value) ? { kind: "bench", message: value } : { kind: "other" };
  } catch {
    return { kind: "other" };
  }
}
