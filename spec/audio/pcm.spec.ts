// PCM16LE helpers: views where the bytes allow them, copies where alignment forbids, and
// arithmetic (RMS, durations, downmix) that the VAD and pacing code rely on.

import { describe, expect, it } from "vitest";
import {
  concatBytes,
  concatInt16,
  downmixToMono,
  float32ToInt16,
  int16ToFloat32,
  int16ToPcmBytes,
  pcmBytesForMs,
  pcmBytesToInt16,
  PcmScratch,
  pcmDurationMs,
  rms,
  rmsDbfs,
} from "../../lib/audio/pcm.ts";

describe("pcmBytesToInt16", () => {
  it("reads little-endian samples as a view when aligned", () => {
    const bytes = new Uint8Array([0x01, 0x00, 0xff, 0xff, 0x00, 0x80, 0xff, 0x7f]);
    const samples = pcmBytesToInt16(bytes);
    expect(Array.from(samples)).toEqual([1, -1, -32768, 32767]);
    expect(samples.buffer).toBe(bytes.buffer);
  });

  it("copies when the bytes start at an odd offset", () => {
    const backing = new Uint8Array([9, 0x34, 0x12, 0xcd, 0xab]);
    const samples = pcmBytesToInt16(backing.subarray(1));
    expect(Array.from(samples)).toEqual([0x1234, 0xabcd - 0x10000]);
    expect(samples.buffer).not.toBe(backing.buffer);
  });

  it("copies into a scratch when given one, reusing its storage and growing it when needed", () => {
    const scratch = new PcmScratch();
    const a = pcmBytesToInt16(new Uint8Array([9, 0x01, 0x00, 0x02, 0x00]).subarray(1), scratch);
    expect(Array.from(a)).toEqual([1, 2]);
    const b = pcmBytesToInt16(new Uint8Array([9, 0x03, 0x00]).subarray(1), scratch);
    expect(Array.from(b)).toEqual([3]);
    expect(b.buffer).toBe(a.buffer); // the same storage: the first result is overwritten
    expect(a[0]).toBe(3);
    const c = pcmBytesToInt16(new Uint8Array([9, 1, 0, 2, 0, 3, 0, 4, 0]).subarray(1), scratch);
    expect(Array.from(c)).toEqual([1, 2, 3, 4]);
    expect(c.buffer).not.toBe(a.buffer);
    // An aligned payload is still a view of its own bytes.
    const aligned = new Uint8Array([5, 0]);
    expect(pcmBytesToInt16(aligned, scratch).buffer).toBe(aligned.buffer);
  });

  it("rejects an odd byte length", () => {
    expect(() => pcmBytesToInt16(new Uint8Array(3))).toThrow(/even byte length, got 3/);
  });

  it("round-trips through int16ToPcmBytes", () => {
    const samples = Int16Array.from([0, 1, -2, 32767, -32768]);
    const bytes = int16ToPcmBytes(samples);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0, 0, 1, 0]);
    expect(Array.from(pcmBytesToInt16(bytes))).toEqual(Array.from(samples));
  });
});

describe("float conversion", () => {
  it("maps int16 onto [-1, 1) and back, clipping overs", () => {
    const f = int16ToFloat32(Int16Array.from([-32768, 0, 16384, 32767]));
    expect(Array.from(f)).toEqual([-1, 0, 0.5, 32767 / 32768]);
    expect(Array.from(float32ToInt16(Float32Array.from([-1.5, -1, 0.5, 0.99999, 2])))).toEqual([-32768, -32768, 16384, 32767, 32767]);
  });
});

describe("rms", () => {
  it("is 0 for silence and ~0.707 for a full-scale sine", () => {
    expect(rms(new Int16Array(160))).toBe(0);
    expect(rmsDbfs(new Int16Array(160))).toBe(-Infinity);
    const sine = Int16Array.from({ length: 1600 }, (_, i) => Math.round(32767 * Math.sin((2 * Math.PI * i) / 16)));
    expect(rms(sine)).toBeCloseTo(Math.SQRT1_2, 3);
    expect(rmsDbfs(sine)).toBeCloseTo(-3.01, 1);
  });

  it("measures a sub-range", () => {
    const s = Int16Array.from([0, 0, 16384, -16384]);
    expect(rms(s, 2, 4)).toBe(0.5);
    expect(rms(s, 2, 2)).toBe(0);
  });
});

describe("concat and durations", () => {
  it("concatenates in order", () => {
    expect(Array.from(concatBytes([Uint8Array.of(1, 2), new Uint8Array(0), Uint8Array.of(3)]))).toEqual([1, 2, 3]);
    expect(Array.from(concatInt16([Int16Array.of(-1), Int16Array.of(2, 3)]))).toEqual([-1, 2, 3]);
  });

  it("converts between bytes and milliseconds", () => {
    expect(pcmDurationMs(640, 16000, 1)).toBe(20);
    expect(pcmDurationMs(3840, 48000, 2)).toBe(20);
    expect(pcmDurationMs(160, 8000)).toBe(10);
    expect(pcmBytesForMs(20, 16000)).toBe(640);
    expect(pcmBytesForMs(20, 44100, 2)).toBe(882 * 4);
    expect(() => pcmDurationMs(10, 0)).toThrow(/positive/);
  });
});

describe("downmixToMono", () => {
  it("averages the channels of each frame", () => {
    expect(Array.from(downmixToMono(Int16Array.of(100, 300, -32768, -32768, 32767, 32767, 1, 2), 2))).toEqual([200, -32768, 32767, 2]);
  });

  it("returns mono input as it is and rejects partial frames", () => {
    const mono = Int16Array.of(1, 2, 3);
    expect(downmixToMono(mono, 1)).toBe(mono);
    expect(() => downmixToMono(Int16Array.of(1, 2, 3), 2)).toThrow(/whole number of 2-channel frames/);
  });
});
