// Energy VAD: 10 ms windows, confidence = RMS / threshold clipped to 1, remainders carried
// between chunks; on synthetic tone + silence it finds the tone to the window.

import { describe, expect, it } from "vitest";
import { VADAnalyzer } from "../../../lib/audio/vad/analyzer.ts";
import { createEnergyVad } from "../../../lib/audio/vad/energy.ts";
import { int16ToPcmBytes } from "../../../lib/audio/pcm.ts";

const RATE = 16000;

/** Silence, then a 440 Hz tone with the given RMS (fraction of full scale), then silence. */
function toneBetweenSilences(silenceMs: number, toneMs: number, toneRms: number): Int16Array {
  const at = (ms: number) => Math.round((ms * RATE) / 1000);
  const out = new Int16Array(at(2 * silenceMs + toneMs));
  const amplitude = toneRms * Math.SQRT2 * 32768;
  for (let i = at(silenceMs); i < at(silenceMs + toneMs); i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * 440 * i) / RATE));
  return out;
}

function feed(detector: { probabilities(pcm: Int16Array): number[] }, pcm: Int16Array, chunk: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < pcm.length; i += chunk) out.push(...detector.probabilities(pcm.subarray(i, i + chunk)));
  return out;
}

describe("EnergyVad", () => {
  it("uses 10 ms windows and maps RMS / threshold onto 0..1", () => {
    const vad = createEnergyVad(RATE);
    expect(vad.windowSamples).toBe(160);
    expect(vad.threshold).toBe(0.02);
    const loud = toneBetweenSilences(0, 100, 0.1);
    expect(vad.probabilities(loud)).toEqual(Array(10).fill(1));
    const quiet = toneBetweenSilences(0, 100, 0.01);
    // 440 Hz does not fit a 10 ms window exactly, so each window's RMS wobbles a little.
    for (const p of vad.probabilities(quiet)) expect(p).toBeCloseTo(0.5, 1);
    expect(createEnergyVad(8000).windowSamples).toBe(80);
  });

  it("finds the tone's windows whatever the chunk size, bytes or samples", () => {
    const pcm = toneBetweenSilences(500, 1000, 0.1);
    const expected = [...Array(50).fill(0), ...Array(100).fill(1), ...Array(50).fill(0)];
    for (const chunk of [320, 77, 512, 4000]) expect(feed(createEnergyVad(RATE), pcm, chunk)).toEqual(expected);
    const vad = createEnergyVad(RATE);
    expect(vad.probabilities(int16ToPcmBytes(pcm))).toEqual(expected);
  });

  it("drives the analyzer: start 200 ms into the tone, stop 200 ms after it", () => {
    const analyzer = new VADAnalyzer(createEnergyVad(RATE), { min_volume: 0 });
    const events = [];
    const pcm = toneBetweenSilences(500, 1000, 0.1);
    for (let i = 0; i < pcm.length; i += 320) events.push(...analyzer.analyze(pcm.subarray(i, i + 320)));
    expect(events).toEqual([
      { type: "speech_start", atMs: 700, onsetMs: 500, startSecs: 0.2 },
      { type: "speech_stop", atMs: 1700, onsetMs: 1500, stopSecs: 0.2 },
    ]);
  });

  it("honours a custom threshold and rejects a bad one", () => {
    const vad = createEnergyVad(RATE, { threshold: 0.2 });
    for (const p of vad.probabilities(toneBetweenSilences(0, 50, 0.1))) expect(p).toBeCloseTo(0.5, 1);
    expect(() => createEnergyVad(RATE, { threshold: 0 })).toThrow(/threshold must be in \(0, 1\]/);
    expect(() => createEnergyVad(RATE, { threshold: 2 })).toThrow(/threshold/);
  });

  it("forgets a partial window on reset", () => {
    const vad = createEnergyVad(RATE);
    expect(vad.probabilities(new Int16Array(100).fill(20000))).toEqual([]);
    vad.reset();
    expect(vad.probabilities(new Int16Array(160))).toEqual([0]);
  });
});
