// StreamResampler: the output must not depend on how the input was chunked (no clicks, no
// lost or doubled samples at chunk boundaries), the total length over a stream is exact, the
// passband survives and downsampling removes what would alias.

import { describe, expect, it } from "vitest";
import { resampleInt16, StreamResampler } from "../../lib/audio/resampler.ts";

const PAIRS: [number, number][] = [
  [48000, 16000],
  [24000, 16000],
  [16000, 8000],
  [8000, 16000],
  [24000, 48000],
  [16000, 48000],
  [44100, 16000],
  [22050, 16000],
];

function sine(seconds: number, rate: number, hz: number, amplitude = 10000): Int16Array {
  return Int16Array.from({ length: Math.round(seconds * rate) }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate)));
}

/** Deterministic pseudo-random chunk sizes in 0..max (0 included: empty chunks must be harmless). */
function* chunkSizes(seed: number, max: number): Generator<number> {
  let s = seed;
  for (;;) {
    s = (s * 1103515245 + 12345) % 2147483648;
    yield s % (max + 1);
  }
}

function streamInChunks(input: Int16Array, from: number, to: number, seed: number): Int16Array[] {
  const r = new StreamResampler(from, to);
  const parts: Int16Array[] = [];
  const sizes = chunkSizes(seed, 700);
  for (let at = 0; at < input.length; ) {
    const n = sizes.next().value as number;
    parts.push(r.process(input.subarray(at, at + n)));
    at += n;
  }
  parts.push(r.flush());
  return parts;
}

function join(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Index of the first sample that differs (or the shorter length), -1 when identical. */
function firstDifference(a: Int16Array, b: Int16Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

function levelDb(samples: Int16Array, reference: number, margin: number): number {
  let sum = 0;
  for (let i = margin; i < samples.length - margin; i++) sum += (samples[i] as number) ** 2;
  const rmsValue = Math.sqrt(sum / (samples.length - 2 * margin));
  return 20 * Math.log10(rmsValue / (reference / Math.SQRT2));
}

describe("StreamResampler", () => {
  for (const [from, to] of PAIRS) {
    it(`${from} → ${to}: random chunking gives exactly the one-shot result, of exact length`, () => {
      const input = sine(1.013, from, 440);
      const oneShot = resampleInt16(input, from, to);
      expect(oneShot.length).toBe(Math.ceil((input.length * to) / from));
      expect(Math.abs(oneShot.length - Math.round((input.length * to) / from))).toBeLessThanOrEqual(1);
      for (const seed of [1, 7, 42]) {
        const chunked = join(streamInChunks(input, from, to, seed));
        expect(chunked.length).toBe(oneShot.length);
        expect(firstDifference(chunked, oneShot)).toBe(-1);
      }
    });

    it(`${from} → ${to}: a 440 Hz sine stays within 0.05% of full scale of the ideal sine, boundaries included`, () => {
      const input = sine(0.5, from, 440);
      const out = join(streamInChunks(input, from, to, 3));
      // The first and last ~2 ms see the zero padding outside the signal.
      const margin = Math.ceil(to / 500);
      let worst = 0;
      for (let i = margin; i < out.length - margin; i++) {
        const ideal = 10000 * Math.sin((2 * Math.PI * 440 * i) / to);
        worst = Math.max(worst, Math.abs((out[i] as number) - ideal));
      }
      expect(worst).toBeLessThan(16);
    });
  }

  it("keeps the passband: 1 kHz and 3 kHz pass within 0.1 dB going 48k → 16k", () => {
    for (const hz of [1000, 3000]) expect(Math.abs(levelDb(resampleInt16(sine(0.5, 48000, hz), 48000, 16000), 10000, 200))).toBeLessThan(0.1);
  });

  it("removes what would alias: 12 kHz and 10 kHz tones are below -60 dB after 48k → 16k", () => {
    for (const hz of [12000, 10000]) expect(levelDb(resampleInt16(sine(0.5, 48000, hz), 48000, 16000), 10000, 200)).toBeLessThan(-60);
    expect(levelDb(resampleInt16(sine(0.5, 16000, 5000), 16000, 8000), 10000, 100)).toBeLessThan(-60);
  });

  it("keeps exact lengths for ratios finer than its phase table (16001 → 16000)", () => {
    const input = sine(1, 16001, 300);
    const out = join(streamInChunks(input, 16001, 16000, 5));
    expect(out.length).toBe(Math.ceil((input.length * 16000) / 16001));
  });

  it("holds back at most the filter's look-ahead and never more", () => {
    const r = new StreamResampler(48000, 16000);
    let produced = 0;
    let consumed = 0;
    for (let i = 0; i < 50; i++) {
      produced += r.process(new Int16Array(960)).length;
      consumed += 960;
      const due = consumed / 3;
      expect(due - produced).toBeGreaterThanOrEqual(0);
      expect(due - produced).toBeLessThanOrEqual(10); // 27 input samples of look-ahead = 9 outputs
    }
    expect(produced + r.flush().length).toBe(consumed / 3);
  });

  it("starts a new stream after flush() and after reset()", () => {
    const input = sine(0.1, 24000, 440);
    const expected = resampleInt16(input, 24000, 16000);
    const r = new StreamResampler(24000, 16000);
    r.process(sine(0.05, 24000, 1000));
    r.flush();
    expect(firstDifference(join([r.process(input), r.flush()]), expected)).toBe(-1);
    r.process(sine(0.05, 24000, 1000));
    r.reset();
    expect(firstDifference(join([r.process(input), r.flush()]), expected)).toBe(-1);
  });

  it("passes audio through untouched when the rates are equal", () => {
    const r = new StreamResampler(16000, 16000);
    const chunk = sine(0.02, 16000, 440);
    expect(r.process(chunk)).toBe(chunk);
    expect(r.flush().length).toBe(0);
  });

  it("rejects rates that are not positive integers", () => {
    expect(() => new StreamResampler(0, 16000)).toThrow(/from rate must be an integer/);
    expect(() => new StreamResampler(16000, 44100.5)).toThrow(/to rate must be an integer/);
    expect(() => new StreamResampler(16000, 1_000_000)).toThrow(/1\.\.384000/);
  });
});
