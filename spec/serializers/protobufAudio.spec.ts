// The hand-written audio codec against protobufjs. The fast path may decline anything (null →
// protobufjs), but whatever it accepts must come out exactly as protobufjs would have it, and
// through the public serializer every input, valid or not, must have the same outcome (the
// same frame, or a SerializerError with the same message) as with `fastPath: false`.
//
// Random inputs come from a seeded generator, so a failure names a reproducible case.

import { ProtobufFrameSerializer } from "@pipecat-ai/websocket-transport";
import { describe, expect, it } from "vitest";
import { audioFrame, counterIds, type Frame, type IdSource } from "../../lib/frames/index.ts";
import { pipecatProtoRoot, protobufSerializer } from "../../lib/serializers/protobuf.ts";
import { decodeAudioFrame, encodeAudioFrame } from "../../lib/serializers/protobufAudio.ts";
import { SerializerError } from "../../lib/serializers/serializer.ts";

const FrameMessage = pipecatProtoRoot.lookupType("pipecat.Frame");
const protobufjsObject = (bytes: Uint8Array) =>
  FrameMessage.toObject(FrameMessage.decode(bytes), { longs: Number, oneofs: true }) as {
    frame?: string;
    audio?: { id?: number; name?: string; audio?: Uint8Array; sample_rate?: number; num_channels?: number; pts?: number };
  };

/** mulberry32: small, seeded, good enough to spread test cases. */
function rng(seed: number): { int(n: number): number; pick<T>(xs: readonly T[]): T; chance(p: number): boolean } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)]!,
    chance: (p) => next() < p,
  };
}

const hex = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString("hex"));
const fixedIds = (id: number): IdSource => ({ next: () => id });
const pcm = (bytes: number, salt = 0): Uint8Array => Uint8Array.from({ length: bytes }, (_, i) => (i * 7 + salt) & 0xff);

type Outcome = { frame: Frame } | { error: string; serializerError: boolean };

/** What the public deserialize does with `bytes`, with or without the fast path. */
function outcome(fastPath: boolean, bytes: Uint8Array): Outcome {
  try {
    const frames = protobufSerializer(counterIds(1), { fastPath, sendText: true }).deserialize(bytes, true);
    expect(frames).toHaveLength(1);
    return { frame: frames[0]! };
  } catch (error) {
    return { error: (error as Error).message, serializerError: error instanceof SerializerError };
  }
}

/** An outcome as plain data (audio as hex, the payload's type named) for a quick deep compare. */
function plain(o: Outcome): unknown {
  if ("error" in o) return o;
  const f = o.frame as Frame & { audio?: Uint8Array };
  return f.audio ? { ...f, audio: `${f.audio.constructor.name}:${hex(f.audio)}` } : { ...f };
}

function expectSameOutcome(bytes: Uint8Array): Outcome {
  const fast = outcome(true, bytes);
  const slow = outcome(false, bytes);
  const a = plain(fast);
  const b = plain(slow);
  if (JSON.stringify(a) !== JSON.stringify(b)) expect(a, hex(bytes) ?? "").toEqual(b);
  if ("error" in slow && !slow.serializerError) expect.fail(`not a SerializerError: ${slow.error}`);
  return fast;
}

const ID_CHOICES = [0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 7, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER];
const SIZE_CHOICES = [0, 2, 4, 126, 128, 640, 960, 1920, 16382, 16384];
const RATE_CHOICES = [8000, 16000, 22050, 24000, 44100, 48000, 0, 1, 384_000, 384_001, 2 ** 31, 2 ** 32 - 1];
const CHANNEL_CHOICES = [1, 1, 2, 0, 8, 9, 127, 128];
const PTS_CHOICES = [undefined, undefined, 0, 1, 127, 128, 20_000_000, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1];

interface AudioCase {
  readonly type: "OutputAudioRawFrame" | "TTSAudioRawFrame";
  readonly id: number;
  readonly audio: Uint8Array;
  readonly rate: number;
  readonly channels: number;
  readonly pts: number | undefined;
}

function randomCase(r: ReturnType<typeof rng>): AudioCase {
  return {
    type: r.chance(0.5) ? "OutputAudioRawFrame" : "TTSAudioRawFrame",
    id: r.chance(0.7) ? r.pick(ID_CHOICES) : r.int(2 ** 30) * 2 ** r.int(23),
    audio: pcm(r.chance(0.7) ? r.pick(SIZE_CHOICES) : r.int(3000), r.int(256)),
    rate: r.chance(0.8) ? r.pick(RATE_CHOICES) : r.int(2 ** 32),
    channels: r.pick(CHANNEL_CHOICES),
    pts: r.chance(0.7) ? r.pick(PTS_CHOICES) : r.int(2 ** 30) * 2 ** r.int(24),
  };
}

function frameOf(c: AudioCase): Frame {
  return audioFrame(fixedIds(c.id), c.type, c.audio, c.rate, c.channels, c.pts !== undefined ? { pts: c.pts } : {});
}

describe("encodeAudioFrame ≡ protobufjs", () => {
  it("writes the same bytes for 3000 random audio frames (ids past 2^32, empty audio, absent and large pts)", () => {
    const r = rng(0x5eed);
    const fast = protobufSerializer(counterIds());
    const slow = protobufSerializer(counterIds(), { fastPath: false });
    for (let i = 0; i < 3000; i++) {
      const c = randomCase(r);
      const frame = frameOf(c);
      const expected = slow.serialize(frame) as Uint8Array;
      const direct = encodeAudioFrame(c.id, `${c.type}#${c.id}`, c.audio, c.rate, c.channels, c.pts);
      expect(direct, JSON.stringify({ ...c, audio: c.audio.length })).not.toBeNull();
      expect(hex(direct)).toBe(hex(expected));
      expect(hex(fast.serialize(frame) as Uint8Array)).toBe(hex(expected));
    }
  });

  it("matches protobufjs on every default value left out (id 0, empty name and audio, rate 0) and on pts 0", () => {
    const wire = (m: object) => hex(FrameMessage.encode({ audio: m }).finish());
    expect(hex(encodeAudioFrame(0, "", new Uint8Array(0), 0, 0, undefined))).toBe(wire({}));
    expect(hex(encodeAudioFrame(0, "", new Uint8Array(0), 0, 0, undefined))).toBe("1200");
    expect(hex(encodeAudioFrame(0, "", new Uint8Array(0), 0, 0, 0))).toBe(wire({ pts: 0 }));
    expect(hex(encodeAudioFrame(0, "", new Uint8Array(0), 0, 0, 0))).toBe("12023000");
    const full = { id: 5, name: "audio", audio: pcm(640), sample_rate: 16000, num_channels: 1, pts: 2 ** 53 - 1 };
    expect(hex(encodeAudioFrame(5, "audio", pcm(640), 16000, 1, 2 ** 53 - 1))).toBe(wire(full));
  });

  it("declines what protobufjs would coerce, and serialize then gives protobufjs's bytes", () => {
    const odd: Array<Partial<AudioCase>> = [
      { pts: -1 },
      { pts: 1.5 },
      { pts: 2 ** 53 },
      { pts: Number.NaN },
      { rate: 16000.5 },
      { rate: -16000 },
      { rate: 2 ** 32 },
      { channels: Number.POSITIVE_INFINITY },
      { channels: -1 },
      { id: -3 },
      { id: 2 ** 60 },
      { id: 0.5 },
    ];
    const slow = protobufSerializer(counterIds(), { fastPath: false });
    const fast = protobufSerializer(counterIds());
    for (const patch of odd) {
      const c: AudioCase = { type: "TTSAudioRawFrame", id: 9, audio: pcm(32), rate: 24000, channels: 1, pts: 100, ...patch };
      expect(encodeAudioFrame(c.id, "x", c.audio, c.rate, c.channels, c.pts), JSON.stringify(patch)).toBeNull();
      const frame = frameOf(c);
      expect(hex(fast.serialize(frame) as Uint8Array)).toBe(hex(slow.serialize(frame) as Uint8Array));
    }
  });

  it("declines a non-ASCII name or a non-byte payload instead of guessing at protobufjs's encoding", () => {
    expect(encodeAudioFrame(1, "héllo", pcm(4), 16000, 1, undefined)).toBeNull();
    expect(encodeAudioFrame(1, "\ud800", pcm(4), 16000, 1, undefined)).toBeNull();
    expect(encodeAudioFrame(1, "a", new Int16Array(2) as unknown as Uint8Array, 16000, 1, undefined)).toBeNull();
    expect(encodeAudioFrame(1, "a", Buffer.from(pcm(4)), 16000, 1, undefined)).not.toBeNull();
  });

  it("is read back by Pipecat's client serializer", async () => {
    const theirs = new ProtobufFrameSerializer();
    const samples = Int16Array.from({ length: 320 }, (_, i) => ((i * 613) % 60000) - 30000);
    const bytes = encodeAudioFrame(2 ** 33, "TTSAudioRawFrame#8589934592", new Uint8Array(samples.buffer), 16000, 1, 7)!;
    const got = await theirs.deserialize(new Blob([bytes as Uint8Array<ArrayBuffer>]));
    expect(got.type).toBe("audio");
    expect([...(got as { audio: Int16Array }).audio]).toEqual([...samples]);
  });
});

describe("decodeAudioFrame ≡ protobufjs", () => {
  it("reads back every frame protobufjs writes, fields equal to toObject({longs: Number})", () => {
    const r = rng(0xdec0de);
    for (let i = 0; i < 3000; i++) {
      const c = randomCase(r);
      const bytes = FrameMessage.encode({
        audio: { id: c.id, name: `${c.type}#${c.id}`, audio: c.audio, sample_rate: c.rate, num_channels: c.channels, pts: c.pts },
      }).finish();
      const fast = decodeAudioFrame(bytes);
      expect(fast, hex(bytes)?.slice(0, 80)).not.toBeNull();
      const a = protobufjsObject(bytes).audio ?? {};
      expect(fast!.id).toBe(a.id ?? 0);
      expect(fast!.sample_rate).toBe(a.sample_rate ?? 0);
      expect(fast!.num_channels).toBe(a.num_channels ?? 0);
      expect(fast!.pts).toBe(a.pts);
      expect(hex(fast!.audio)).toBe(hex(a.audio ?? new Uint8Array(0)));
      expectSameOutcome(bytes);
    }
  });

  it("takes the client's microphone frame (no id, name \"audio\") on the fast path, audio as a view of the input", () => {
    const mic = pcm(640);
    const bytes = new ProtobufFrameSerializer().serializeAudio(mic.buffer as ArrayBuffer, 16000, 1) as Uint8Array;
    expect(hex(bytes)!.startsWith("128f05" + "1205617564696f" + "1a8005")).toBe(true); // audio (655 bytes): name "audio", no id, then the PCM
    const fast = decodeAudioFrame(bytes);
    expect(fast).toMatchObject({ id: 0, sample_rate: 16000, num_channels: 1, pts: undefined });
    expect(fast!.audio.buffer).toBe(bytes.buffer);
    expect(fast!.audio.byteOffset).toBe(bytes.byteOffset + bytes.byteLength - 640 - 5);
    const result = expectSameOutcome(bytes);
    expect(result).toMatchObject({ frame: { type: "InputAudioRawFrame", sample_rate: 16000, num_channels: 1, num_frames: 320 } });
    expect("frame" in result && result.frame.type === "InputAudioRawFrame" && result.frame.audio.buffer).toBe(bytes.buffer);
  });

  it("reads pts past 2^53 and ten-byte varints to the number protobufjs gives", () => {
    const tenBytes = (last: number) => Uint8Array.from([0x12, 0x0b, 0x30, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, last]);
    expect(decodeAudioFrame(tenBytes(0x01))!.pts).toBe(protobufjsObject(tenBytes(0x01)).audio!.pts);
    expect(decodeAudioFrame(tenBytes(0x01))!.pts).toBe(2 ** 64);
    expect(decodeAudioFrame(tenBytes(0x00))!.pts).toBe(protobufjsObject(tenBytes(0x00)).audio!.pts);
    expect(decodeAudioFrame(tenBytes(0x7f))).toBeNull(); // protobufjs drops the high bits: its call
    expectSameOutcome(tenBytes(0x7f));
    for (const pts of [2 ** 53 + 1, 2 ** 60 + 12345, 2 ** 63, 2 ** 64 - 2048]) {
      const bytes = FrameMessage.encode({ audio: { pts: BigInt(pts).toString() } }).finish();
      expect(decodeAudioFrame(bytes)!.pts).toBe(protobufjsObject(bytes).audio!.pts);
    }
  });

  it("declines, and the serializer answers as protobufjs does, for every shape it does not handle", () => {
    const audio = (body: number[]) => Uint8Array.from([0x12, body.length, ...body]);
    const declined: Array<[string, Uint8Array]> = [
      ["id twice", audio([0x08, 0x01, 0x08, 0x02, 0x20, 0x80, 0x7d, 0x28, 0x01])],
      ["rate twice, second one zero", audio([0x20, 0x80, 0x7d, 0x20, 0x00, 0x28, 0x01])],
      ["audio twice", audio([0x1a, 0x02, 1, 2, 0x1a, 0x02, 3, 4, 0x20, 0x80, 0x7d, 0x28, 0x01])],
      ["unknown field 7", audio([0x38, 0x01, 0x20, 0x80, 0x7d, 0x28, 0x01])],
      ["rate sent as length-delimited", audio([0x22, 0x01, 0x00, 0x28, 0x01])],
      ["two-byte key for id", audio([0x88, 0x00, 0x05, 0x20, 0x80, 0x7d, 0x28, 0x01])],
      ["non-ASCII name", audio([0x12, 0x02, 0xc3, 0xa9, 0x20, 0x80, 0x7d, 0x28, 0x01])],
      ["invalid UTF-8 name", audio([0x12, 0x01, 0xff, 0x20, 0x80, 0x7d, 0x28, 0x01])],
      ["rate with a wide fifth byte", audio([0x20, 0x80, 0xfd, 0x80, 0x80, 0x10, 0x28, 0x01])],
      ["rate as a six-byte varint", audio([0x20, 0x80, 0xfd, 0x80, 0x80, 0x80, 0x00, 0x28, 0x01])],
      ["audio then text", Uint8Array.from([...audio([0x20, 0x80, 0x7d, 0x28, 0x01]), 0x0a, 0x00])],
      ["text then audio", Uint8Array.from([0x0a, 0x00, ...audio([0x20, 0x80, 0x7d, 0x28, 0x01])])],
      ["audio twice at the top", Uint8Array.from([...audio([0x20, 0x80, 0x7d]), ...audio([0x28, 0x01])])],
      ["unknown top-level field after audio", Uint8Array.from([...audio([0x20, 0x80, 0x7d, 0x28, 0x01]), 0x30, 0x01])],
      ["message frame", Uint8Array.from([0x22, 0x04, 0x0a, 0x02, 0x7b, 0x7d])],
      ["length past the end", Uint8Array.from([0x12, 0x7f, 0x20, 0x80, 0x7d])],
      ["length short of the end", Uint8Array.from([0x12, 0x02, 0x20, 0x80, 0x7d])],
      ["one byte", Uint8Array.from([0x12])],
      ["empty", new Uint8Array(0)],
    ];
    for (const [what, bytes] of declined) {
      expect(decodeAudioFrame(bytes), what).toBeNull();
      expectSameOutcome(bytes);
    }
    // Overlong but complete encodings protobufjs reads to the same value are taken.
    const overlong = audio([0x20, 0x80, 0xfd, 0x80, 0x00, 0x28, 0x81, 0x00, 0x1a, 0x82, 0x00, 7, 8]);
    expect(decodeAudioFrame(overlong)).toMatchObject({ sample_rate: 16000, num_channels: 1 });
    expect(expectSameOutcome(overlong)).toMatchObject({ frame: { type: "InputAudioRawFrame", sample_rate: 16000 } });
  });

  it("gives the same outcome as protobufjs for 20000 hand-built messages (random order, overlong varints, repeats, junk)", () => {
    const r = rng(0xf1e1d5);
    const varint = (v: number, pad: number): number[] => {
      const out: number[] = [];
      let x = v;
      do {
        out.push(x % 128);
        x = Math.floor(x / 128);
      } while (x > 0);
      for (let i = 0; i < pad; i++) out.push(0);
      for (let i = 0; i < out.length - 1; i++) out[i]! |= 0x80;
      return out;
    };
    const field = (): number[] => {
      const pad = r.chance(0.15) ? r.int(4) : 0;
      switch (r.int(9)) {
        case 0:
          return [0x08, ...varint(r.pick(ID_CHOICES), pad)];
        case 1: {
          const name = r.pick([[], [0x61, 0x75, 0x64, 0x69, 0x6f], [0xc3, 0xa9], [0xff], [0x00, 0x7f]]);
          return [0x12, ...varint(name.length, pad), ...name];
        }
        case 2: {
          const n = r.pick([0, 2, 4, 6, 130, 640]);
          return [0x1a, ...varint(n, pad), ...pcm(n, r.int(256))];
        }
        case 3:
          return [0x20, ...varint(r.pick(RATE_CHOICES), pad)];
        case 4:
          return [0x28, ...varint(r.pick(CHANNEL_CHOICES), pad)];
        case 5:
          return [0x30, ...varint(r.chance(0.8) ? r.pick(PTS_CHOICES) ?? 0 : r.int(2 ** 30) * 2 ** r.int(34), pad)];
        case 6: // a known field number with the wrong wire type, or an unknown field
          return r.pick([[0x21, 1, 2, 3, 4, 5, 6, 7, 8], [0x0a, 0x00], [0x38, 0x05], [0x45, 1, 2, 3, 4], [0x2a, 0x01, 0x01]]);
        case 7: // a ten-byte varint
          return [r.pick([0x08, 0x30, 0x20]), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, r.int(128)];
        default:
          return [r.int(256)];
      }
    };
    let taken = 0;
    let takenFrames = 0;
    let frames = 0;
    for (let i = 0; i < 20_000; i++) {
      const body: number[] = [];
      for (let n = r.int(7); n > 0; n--) body.push(...(r.chance(0.8) ? field() : [r.pick([0x20, 0x28, 0x1a, 0x08])]));
      if (r.chance(0.7)) body.push(0x20, ...varint(16000, 0), 0x28, 0x01);
      let bytes = [0x12, ...varint(body.length, r.chance(0.05) ? 1 : 0), ...body];
      if (r.chance(0.1)) bytes = r.chance(0.5) ? [...bytes, ...field()] : [...field(), ...bytes];
      if (r.chance(0.05)) bytes = bytes.slice(0, r.int(bytes.length + 1));
      const input = Uint8Array.from(bytes);
      const fast = decodeAudioFrame(input) !== null;
      const frame = "frame" in expectSameOutcome(input);
      if (fast) taken++;
      if (frame) frames++;
      if (fast && frame) takenFrames++;
    }
    // The generator must reach both paths, and both outcomes on the fast one, often enough
    // for the comparison to mean something (seeded: these counts are fixed).
    expect(taken).toBeGreaterThan(3000);
    expect(takenFrames).toBeGreaterThan(1000);
    expect(taken - takenFrames).toBeGreaterThan(1000);
    expect(frames - takenFrames).toBeGreaterThan(1000);
    expect(20_000 - taken).toBeGreaterThan(4000);
  });
});

describe("protobufSerializer with the fast path ≡ without it, on damaged input", () => {
  const client = new ProtobufFrameSerializer().serializeAudio(pcm(512).buffer as ArrayBuffer, 16000, 1) as Uint8Array;
  const ours = encodeAudioFrame(2 ** 32 + 5, "TTSAudioRawFrame#4294967301", pcm(640), 24000, 2, 2 ** 40)!;
  const small = encodeAudioFrame(300, "OutputAudioRawFrame#300", pcm(8), 8000, 1, 0)!;
  const text = FrameMessage.encode({ text: { id: 3, name: "t", text: "hello" } }).finish();
  const message = FrameMessage.encode({ message: { data: '{"label":"rtvi-ai","type":"client-ready"}' } }).finish();

  it("cut at every offset", () => {
    for (const valid of [client, ours, small, text, message]) {
      for (let cut = 0; cut <= valid.byteLength; cut++) expectSameOutcome(valid.slice(0, cut));
    }
  });

  it("one byte changed at every offset (four ways) and in a thousand random pairs", () => {
    const r = rng(0xb17f);
    for (const valid of [client, ours, small, text, message]) {
      for (let at = 0; at < valid.byteLength; at++) {
        for (const mask of [0x01, 0x80, 0xff, 1 + r.int(255)]) {
          const bytes = valid.slice();
          bytes[at]! ^= mask;
          expectSameOutcome(bytes);
        }
      }
    }
    for (let i = 0; i < 1000; i++) {
      const bytes = r.pick([client, ours, small]).slice();
      for (let k = 0; k < 2; k++) bytes[r.int(bytes.length)] = r.int(256);
      expectSameOutcome(bytes);
    }
  });

  it("decodes the same frames from a Buffer as from a plain Uint8Array", () => {
    for (const valid of [client, ours, small]) {
      const asBuffer = Buffer.from(valid);
      expect(outcome(true, asBuffer)).toEqual(outcome(false, asBuffer));
      expect(outcome(true, asBuffer)).toEqual(outcome(true, valid));
    }
  });
});
