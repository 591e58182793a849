// VADAnalyzer, driven by a scripted detector (one given probability per window) so every
// timing is exact: start/stop are counted in audio time, STARTING and STOPPING never emit,
// the volume gate is skipped entirely at min_volume 0, and setParams applies mid-stream.

import { describe, expect, it } from "vitest";
import { VADAnalyzer, type VADEvent } from "../../../lib/audio/vad/analyzer.ts";
import type { VoiceDetector } from "../../../lib/audio/vad/detector.ts";
import { VADParamsError } from "../../../lib/audio/vad/params.ts";
import { asInt16 } from "../../../lib/audio/pcm.ts";
import { Windower } from "../../../lib/audio/vad/windower.ts";

/** Returns script[k] for the k-th complete window, whatever the audio holds. */
class ScriptedDetector implements VoiceDetector {
  readonly sampleRate: number;
  readonly windowSamples: number;
  resets = 0;
  private readonly windower: Windower;
  private next = 0;

  constructor(
    private readonly script: readonly number[],
    { sampleRate = 16000, windowSamples = 160 } = {},
  ) {
    this.sampleRate = sampleRate;
    this.windowSamples = windowSamples;
    this.windower = new Windower(windowSamples);
  }

  probabilities(pcm: Int16Array | Uint8Array): number[] {
    const out: number[] = [];
    this.windower.push(asInt16(pcm), () => out.push(this.script[this.next++] ?? 0));
    return out;
  }

  reset(): void {
    this.resets++;
    this.windower.reset();
    this.next = 0;
  }
}

/** n windows' worth of probability p. */
const run = (n: number, p: number): number[] => Array(n).fill(p);

/** Constant-amplitude "audio" (a square wave) at the given level in dBFS. */
function level(samples: number, dbfs: number): Int16Array {
  const amplitude = Math.round(32768 * 10 ** (dbfs / 20));
  return Int16Array.from({ length: samples }, (_, i) => (i % 2 ? amplitude : -amplitude));
}

function analyzeInChunks(analyzer: VADAnalyzer, pcm: Int16Array, chunk: number): VADEvent[] {
  const events: VADEvent[] = [];
  for (let i = 0; i < pcm.length; i += chunk) events.push(...analyzer.analyze(pcm.subarray(i, i + chunk)));
  return events;
}

describe("VADAnalyzer state machine (10 ms windows, min_volume 0)", () => {
  const script = [...run(10, 0), ...run(25, 0.9), ...run(30, 0.1)];

  it("emits start after start_secs of speech and stop after stop_secs of non-speech, in audio time", () => {
    const analyzer = new VADAnalyzer(new ScriptedDetector(script), { min_volume: 0 });
    const events = analyzeInChunks(analyzer, new Int16Array(65 * 160), 320);
    expect(events).toEqual([
      { type: "speech_start", atMs: 300, onsetMs: 100, startSecs: 0.2 },
      { type: "speech_stop", atMs: 550, onsetMs: 350, stopSecs: 0.2 },
    ]);
    expect(analyzer.timeMs).toBe(650);
    expect(analyzer.state).toBe("QUIET");
  });

  it("gives the same events whatever the chunking (bytes or samples)", () => {
    for (const chunk of [1, 77, 160, 333, 10_400]) {
      const analyzer = new VADAnalyzer(new ScriptedDetector(script), { min_volume: 0 });
      expect(analyzeInChunks(analyzer, new Int16Array(65 * 160), chunk).map((e) => e.atMs)).toEqual([300, 550]);
    }
    const analyzer = new VADAnalyzer(new ScriptedDetector(script), { min_volume: 0 });
    expect(analyzer.analyze(new Uint8Array(65 * 320)).map((e) => e.type)).toEqual(["speech_start", "speech_stop"]);
  });

  it("walks QUIET → STARTING → SPEAKING → STOPPING → QUIET without emitting in between", () => {
    const analyzer = new VADAnalyzer(new ScriptedDetector(script), { min_volume: 0 });
    const window = new Int16Array(160);
    const states: string[] = [];
    const emittedAt: number[] = [];
    for (let w = 0; w < 65; w++) {
      if (analyzer.analyze(window).length > 0) emittedAt.push(w);
      states.push(analyzer.state);
    }
    expect(states.slice(9, 11)).toEqual(["QUIET", "STARTING"]);
    expect(states.slice(28, 30)).toEqual(["STARTING", "SPEAKING"]);
    expect(states.slice(34, 36)).toEqual(["SPEAKING", "STOPPING"]);
    expect(states.slice(53, 55)).toEqual(["STOPPING", "QUIET"]);
    expect(emittedAt).toEqual([29, 54]);
  });

  it("does not start on a burst shorter than start_secs, nor stop on a dip shorter than stop_secs", () => {
    const bursty = [...run(19, 0.9), 0, ...run(25, 0.9), ...run(19, 0), ...run(10, 0.9), ...run(20, 0)];
    const analyzer = new VADAnalyzer(new ScriptedDetector(bursty), { min_volume: 0 });
    const events = analyzer.analyze(new Int16Array(bursty.length * 160));
    expect(events).toEqual([
      { type: "speech_start", atMs: 400, onsetMs: 200, startSecs: 0.2 },
      { type: "speech_stop", atMs: 940, onsetMs: 740, stopSecs: 0.2 },
    ]);
  });

  it("counts confidence equal to the threshold as speech", () => {
    const analyzer = new VADAnalyzer(new ScriptedDetector(run(20, 0.7)), { min_volume: 0 });
    expect(analyzer.analyze(new Int16Array(20 * 160)).map((e) => e.type)).toEqual(["speech_start"]);
    const below = new VADAnalyzer(new ScriptedDetector(run(40, 0.69)), { min_volume: 0 });
    expect(below.analyze(new Int16Array(40 * 160))).toEqual([]);
  });

  it("rounds start/stop up to whole 32 ms windows: 0.2 s needs 7 Silero-sized windows (224 ms)", () => {
    const detector = new ScriptedDetector([...run(3, 0), ...run(10, 1), ...run(10, 0)], { windowSamples: 512 });
    const analyzer = new VADAnalyzer(detector, { min_volume: 0 });
    expect(analyzer.analyze(new Int16Array(23 * 512))).toEqual([
      { type: "speech_start", atMs: 320, onsetMs: 96, startSecs: 0.2 },
      { type: "speech_stop", atMs: 640, onsetMs: 416, stopSecs: 0.2 },
    ]);
  });

  it("starts at once with start_secs 0 and stops at once with stop_secs 0", () => {
    const analyzer = new VADAnalyzer(new ScriptedDetector([0, 1, 0]), { min_volume: 0, start_secs: 0, stop_secs: 0 });
    expect(analyzer.analyze(new Int16Array(3 * 160)).map((e) => [e.type, e.atMs])).toEqual([
      ["speech_start", 20],
      ["speech_stop", 30],
    ]);
  });

  it("resets to QUIET at audio time 0, detector included", () => {
    const detector = new ScriptedDetector(run(100, 1));
    const analyzer = new VADAnalyzer(detector, { min_volume: 0 });
    expect(detector.resets).toBe(1); // the analyzer takes the detector over at sample 0
    analyzer.analyze(new Int16Array(30 * 160 + 50));
    expect(analyzer.state).toBe("SPEAKING");
    analyzer.reset();
    expect([analyzer.state, analyzer.timeMs, detector.resets]).toEqual(["QUIET", 0, 2]);
    expect(analyzer.analyze(new Int16Array(20 * 160))).toEqual([{ type: "speech_start", atMs: 200, onsetMs: 0, startSecs: 0.2 }]);
  });

  it("refuses a detector whose windows do not line up with the audio it was given", () => {
    const detector = new ScriptedDetector(run(100, 1));
    const analyzer = new VADAnalyzer(detector, { min_volume: 0 });
    detector.probabilities(new Int16Array(100)); // someone else feeds the same detector
    expect(() => analyzer.analyze(new Int16Array(100))).toThrow(/returned 1 probabilities for 0 complete windows/);
  });
});

describe("VADAnalyzer volume gate", () => {
  it("maps dBFS onto 0..1 (−110 → 0, −10 → 1) and smooths it with factor 0.2", () => {
    const analyzer = new VADAnalyzer(new ScriptedDetector(run(200, 0)), { min_volume: 0.5 });
    analyzer.analyze(level(160, -30));
    expect(analyzer.volume).toBeCloseTo(0.2 * 0.8, 3);
    analyzer.analyze(level(160, -30));
    expect(analyzer.volume).toBeCloseTo(0.16 + 0.2 * (0.8 - 0.16), 3);
    analyzer.analyze(level(100 * 160, -30));
    expect(analyzer.volume).toBeCloseTo(0.8, 3);
    analyzer.analyze(level(100 * 160, -120));
    expect(analyzer.volume).toBeCloseTo(0, 3);
  });

  it("blocks confident windows that are too quiet, passes loud ones once the smoothed volume is up", () => {
    const quiet = new VADAnalyzer(new ScriptedDetector(run(100, 1)));
    expect(quiet.analyze(level(100 * 160, -60))).toEqual([]); // volume 0.5 < 0.6
    const loud = new VADAnalyzer(new ScriptedDetector(run(100, 1)));
    // -20 dBFS reads 0.9; smoothed from 0 it passes 0.6 at the 5th window: 1 - 0.8^5 = 0.67 → 0.6.
    expect(loud.analyze(level(100 * 160, -20))).toEqual([{ type: "speech_start", atMs: 240, onsetMs: 40, startSecs: 0.2 }]);
  });

  it("is skipped entirely at min_volume 0: silence with confident windows is speech, and no volume is computed", () => {
    const analyzer = new VADAnalyzer(new ScriptedDetector(run(30, 1)), { min_volume: 0 });
    expect(analyzer.analyze(level(30 * 160, -20)).map((e) => e.type)).toEqual(["speech_start"]);
    expect(analyzer.volume).toBe(0);
  });

  it("applies setParams mid-stream: min_volume, start_secs, confidence", () => {
    const analyzer = new VADAnalyzer(new ScriptedDetector([...run(40, 0.8), ...run(40, 0), ...run(40, 0.8)]));
    expect(analyzer.analyze(level(40 * 160, -60))).toEqual([]); // too quiet for 0.6
    expect(analyzer.state).toBe("QUIET");
    analyzer.setParams({ min_volume: 0, start_secs: 0.05 });
    expect(analyzer.params).toEqual({ confidence: 0.7, start_secs: 0.05, stop_secs: 0.2, min_volume: 0 });
    expect(analyzer.analyze(level(40 * 160, -60))).toEqual([]); // confidence 0 for these
    expect(analyzer.analyze(level(5 * 160, -60))).toEqual([{ type: "speech_start", atMs: 850, onsetMs: 800, startSecs: 0.05 }]);
    analyzer.setParams({ confidence: 0.9 }); // 0.8 is no longer speech
    expect(analyzer.analyze(level(20 * 160, -60))).toEqual([{ type: "speech_stop", atMs: 1050, onsetMs: 850, stopSecs: 0.2 }]);
  });

  it("turning the gate back on starts the volume from 0 again", () => {
    const analyzer = new VADAnalyzer(new ScriptedDetector(run(100, 1)), { min_volume: 0 });
    analyzer.analyze(level(10 * 160, -20));
    analyzer.setParams({ min_volume: 0.6 });
    expect(analyzer.volume).toBe(0);
    analyzer.analyze(level(160, -20));
    expect(analyzer.volume).toBeCloseTo(0.18, 3);
  });

  it("rejects invalid parameters and keeps the old ones", () => {
    const analyzer = new VADAnalyzer(new ScriptedDetector([]), { stop_secs: 0.5 });
    expect(() => analyzer.setParams({ confidence: 2 })).toThrow(VADParamsError);
    expect(analyzer.params.confidence).toBe(0.7);
    expect(analyzer.params.stop_secs).toBe(0.5);
    expect(() => new VADAnalyzer(new ScriptedDetector([]), { min_volume: -1 })).toThrow(/min_volume/);
  });
});
