// Opus wrapper: 20 ms frames in, packets out, the same duration back; a sine survives the
// round trip at its frequency and level (Opus delays the signal by its 6.5 ms look-ahead, so
// the comparison searches for that lag rather than assuming it).

import { describe, expect, it } from "vitest";
import { createOpusDecoder, createOpusEncoder } from "../../lib/audio/opus.ts";
import { rms } from "../../lib/audio/pcm.ts";

const RATE = 48000;
const FRAME = 960;

function sineFrames(frames: number, hz: number, amplitude: number): Int16Array[] {
  return Array.from({ length: frames }, (_, f) =>
    Int16Array.from({ length: FRAME }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * (f * FRAME + i)) / RATE))),
  );
}

/** Lag (in samples, 0..maxLag) at which `decoded` best matches `original`, and the SNR there. */
function bestAlignment(original: Int16Array, decoded: Int16Array, maxLag: number): { lag: number; snrDb: number } {
  let best = { lag: 0, snrDb: -Infinity };
  for (let lag = 0; lag <= maxLag; lag++) {
    let signal = 0;
    let noise = 0;
    for (let i = 4800; i < original.length - maxLag; i++) {
      const o = original[i] as number;
      signal += o * o;
      noise += (o - (decoded[i + lag] as number)) ** 2;
    }
    const snr = 10 * Math.log10(signal / noise);
    if (snr > best.snrDb) best = { lag, snrDb: snr };
  }
  return best;
}

describe("Opus", () => {
  it("round-trips a 440 Hz sine: lengths right, level and waveform preserved", () => {
    const encoder = createOpusEncoder({ sampleRate: RATE, channels: 1, bitrate: 32000 });
    const decoder = createOpusDecoder({ sampleRate: RATE, channels: 1 });
    expect(encoder.frameSamples).toBe(FRAME);
    const frames = sineFrames(50, 440, 8000);
    const original = new Int16Array(frames.length * FRAME);
    const decoded = new Int16Array(frames.length * FRAME);
    let bytes = 0;
    frames.forEach((frame, f) => {
      original.set(frame, f * FRAME);
      const packet = encoder.encode(frame);
      expect(packet.byteLength).toBeGreaterThan(0);
      bytes += packet.byteLength;
      const pcm = decoder.decode(packet);
      expect(pcm.length).toBe(FRAME);
      decoded.set(pcm, f * FRAME);
    });
    // 1 s of audio at 32 kbit/s ≈ 4000 bytes; allow the codec its VBR latitude.
    expect(bytes).toBeGreaterThan(2000);
    expect(bytes).toBeLessThan(8000);
    expect(rms(decoded.subarray(4800))).toBeCloseTo(rms(original.subarray(4800)), 2);
    const { lag, snrDb } = bestAlignment(original, decoded, 480);
    expect(lag).toBeGreaterThan(0);
    expect(lag).toBeLessThan(480);
    expect(snrDb).toBeGreaterThan(10);
  });

  it("handles stereo and other rates (16 kHz: 320 samples per frame)", () => {
    const encoder = createOpusEncoder({ sampleRate: 16000, channels: 2 });
    const decoder = createOpusDecoder({ sampleRate: 16000, channels: 2 });
    expect(encoder.frameSamples).toBe(320);
    const pcm = decoder.decode(encoder.encode(new Int16Array(640)));
    expect(pcm.length).toBe(640);
  });

  it("refuses frames that are not exactly 20 ms, with the expected size in the message", () => {
    const encoder = createOpusEncoder();
    expect(() => encoder.encode(new Int16Array(480))).toThrow(/exactly one 20 ms frame: 960 samples at 48000 Hz × 1 ch, got 480/);
  });

  it("rejects bad options and empty packets clearly", () => {
    expect(() => createOpusEncoder({ sampleRate: 44100 as 48000 })).toThrow(/one of 8000, 12000, 16000, 24000, 48000 Hz, got 44100/);
    expect(() => createOpusEncoder({ channels: 3 as 1 })).toThrow(/channels must be 1 or 2/);
    expect(() => createOpusEncoder({ bitrate: 100 })).toThrow(/bitrate must be an integer in 500\.\.512000/);
    expect(() => createOpusDecoder().decode(new Uint8Array(0))).toThrow(/empty packet/);
  });
});
