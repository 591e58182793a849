// WAV: what encodeWav writes is a canonical 44-byte PCM16 header that decodeWav (and sox,
// where installed) reads back; decodeWav skips foreign chunks, accepts streaming sizes, and
// names the problem on malformed input instead of returning garbage.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { int16ToPcmBytes } from "../../lib/audio/pcm.ts";
import { decodeWav, encodeWav, WavFormatError } from "../../lib/audio/wav.ts";
import { missingPrograms } from "../support/programs.ts";

const samples = Int16Array.from({ length: 480 }, (_, i) => Math.round(10000 * Math.sin(i / 5)));
const pcm = int16ToPcmBytes(samples);

function chunk(tag: string, body: Uint8Array, declaredSize = body.byteLength): Uint8Array {
  const out = new Uint8Array(8 + body.byteLength + (body.byteLength % 2));
  for (let i = 0; i < 4; i++) out[i] = tag.charCodeAt(i);
  new DataView(out.buffer).setUint32(4, declaredSize, true);
  out.set(body, 8);
  return out;
}

function fmtBody({ format = 1, channels = 1, rate = 16000, bits = 16 } = {}): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint16(0, format, true);
  v.setUint16(2, channels, true);
  v.setUint32(4, rate, true);
  v.setUint32(8, (rate * channels * bits) / 8, true);
  v.setUint16(12, (channels * bits) / 8, true);
  v.setUint16(14, bits, true);
  return b;
}

function riff(chunks: Uint8Array[], riffSize?: number): Uint8Array {
  const body = chunks.reduce((n, c) => n + c.byteLength, 0);
  const out = new Uint8Array(12 + body);
  out.set([0x52, 0x49, 0x46, 0x46], 0);
  new DataView(out.buffer).setUint32(4, riffSize ?? 4 + body, true);
  out.set([0x57, 0x41, 0x56, 0x45], 8);
  let at = 12;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

describe("encodeWav / decodeWav", () => {
  it("round-trips samples, rate and channels", () => {
    const wav = encodeWav(pcm, 16000, 1);
    expect(wav.byteLength).toBe(44 + pcm.byteLength);
    const view = new DataView(wav.buffer);
    expect(view.getUint32(4, true)).toBe(36 + pcm.byteLength);
    expect(view.getUint32(28, true)).toBe(32000); // byte rate
    const back = decodeWav(wav);
    expect(back.sampleRate).toBe(16000);
    expect(back.channels).toBe(1);
    expect(Array.from(back.pcm)).toEqual(Array.from(pcm));

    const stereo = decodeWav(encodeWav(pcm, 48000, 2));
    expect([stereo.sampleRate, stereo.channels, stereo.pcm.byteLength]).toEqual([48000, 2, pcm.byteLength]);
  });

  it("skips LIST and other chunks, including odd-sized ones with a pad byte", () => {
    const list = chunk("LIST", new TextEncoder().encode("INFOISFT\x05\x00\x00\x00abcde"));
    const odd = chunk("junk", Uint8Array.of(1, 2, 3));
    const wav = riff([list, chunk("fmt ", fmtBody()), odd, chunk("data", pcm), chunk("LIST", new Uint8Array(4))]);
    expect(Array.from(decodeWav(wav).pcm)).toEqual(Array.from(pcm));
  });

  it("reads streamed WAVs whose sizes are unknown (0xFFFFFFFF) or past the end", () => {
    const streamed = riff([chunk("fmt ", fmtBody()), chunk("data", pcm, 0xffffffff)], 0xffffffff);
    expect(decodeWav(streamed).pcm.byteLength).toBe(pcm.byteLength);
    const truncated = riff([chunk("fmt ", fmtBody()), chunk("data", pcm, pcm.byteLength * 10)]);
    expect(decodeWav(truncated).pcm.byteLength).toBe(pcm.byteLength);
    // A cut-off stream can end mid-sample: only whole frames come back.
    const cut = truncated.subarray(0, truncated.byteLength - 1);
    expect(decodeWav(cut).pcm.byteLength).toBe(pcm.byteLength - 2);
  });

  it("accepts WAVE_FORMAT_EXTENSIBLE with a PCM sub-format", () => {
    const ext = new Uint8Array(40);
    ext.set(fmtBody({ format: 0xfffe, channels: 2, rate: 24000 }));
    new DataView(ext.buffer).setUint16(24, 1, true);
    const wav = riff([chunk("fmt ", ext), chunk("data", pcm)]);
    expect(decodeWav(wav)).toMatchObject({ sampleRate: 24000, channels: 2 });
  });

  it("names what is wrong with malformed input", () => {
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(4), /shorter than a RIFF header/],
      [new TextEncoder().encode("RIFX\0\0\0\0WAVEfmt "), /expected "RIFF....WAVE"/],
      [riff([chunk("data", pcm)]), /"data" chunk at byte 12 comes before any "fmt " chunk/],
      [riff([chunk("fmt ", fmtBody())]), /no "data" chunk/],
      [riff([chunk("LIST", new Uint8Array(2))]), /no "fmt " chunk/],
      [riff([chunk("fmt ", fmtBody({ bits: 24 })), chunk("data", pcm)]), /24-bit samples; only 16-bit PCM/],
      [riff([chunk("fmt ", fmtBody({ format: 3, bits: 32 })), chunk("data", pcm)]), /format tag 3/],
      [riff([chunk("fmt ", fmtBody().subarray(0, 12))]), /"fmt " chunk is 12 bytes/],
      [riff([chunk("fmt ", fmtBody(), 4000), chunk("data", pcm)]), /"fmt " chunk at byte 12 declares 4000 bytes, only \d+ remain/],
      [riff([chunk("fmt ", fmtBody({ channels: 0 })), chunk("data", pcm)]), /0 channels/],
    ];
    for (const [bytes, message] of cases) {
      expect(() => decodeWav(bytes)).toThrow(WavFormatError);
      expect(() => decodeWav(bytes)).toThrow(message);
    }
  });

  it("refuses to encode bad arguments", () => {
    expect(() => encodeWav(new Uint8Array(3), 16000, 1)).toThrow(/not a whole number of 1-channel frames/);
    expect(() => encodeWav(new Uint8Array(6), 16000, 2)).toThrow(/2-channel/);
    expect(() => encodeWav(pcm, 0, 1)).toThrow(/sample rate/);
    expect(() => encodeWav(pcm, 16000, 0)).toThrow(/channels/);
  });
});

const noSox = missingPrograms({ sox: "sox" });

describe.skipIf(noSox)("interoperability with sox", () => {
  it("writes a file sox reads, and reads what sox writes", () => {
    const dir = mkdtempSync(join(tmpdir(), "voxray-wav-"));
    try {
      const ours = join(dir, "ours.wav");
      writeFileSync(ours, encodeWav(pcm, 16000, 1));
      expect(execFileSync("soxi", ["-r", ours], { encoding: "utf8" }).trim()).toBe("16000");
      expect(execFileSync("soxi", ["-s", ours], { encoding: "utf8" }).trim()).toBe(String(samples.length));

      const theirs = join(dir, "theirs.wav");
      execFileSync("sox", ["-n", "-r", "8000", "-c", "2", "-b", "16", theirs, "synth", "0.1", "sine", "440"]);
      const wav = decodeWav(new Uint8Array(execFileSync("cat", [theirs])));
      expect([wav.sampleRate, wav.channels, wav.pcm.byteLength]).toEqual([8000, 2, 800 * 4]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
