// The silence end-of-turn analyzer: complete once stop_secs of audio the VAD calls non-speech
// follows speech, counted from the audio itself (bytes, rate, channels), never the clock.

import { describe, expect, it } from "vitest";
import { SilenceTurnAnalyzer } from "../../../lib/audio/turn/silence.ts";

const chunk = (ms: number, rate = 16000, channels = 1) => new Uint8Array(((rate * ms) / 1000) * 2 * channels);

describe("SilenceTurnAnalyzer", () => {
  it("completes after exactly stop_secs of non-speech audio following speech", () => {
    const a = new SilenceTurnAnalyzer({ stopSecs: 0.8 });
    expect(a.appendAudio(chunk(20), 16000, 1, true)).toBe("incomplete");
    expect(a.speechTriggered).toBe(true);
    const verdicts: string[] = [];
    for (let i = 0; i < 40; i++) verdicts.push(a.appendAudio(chunk(20), 16000, 1, false));
    expect(verdicts.indexOf("complete")).toBe(39);
    expect(a.analyzeEndOfTurn()).toBe("complete");
  });

  it("never completes before speech, and speech resets the count", () => {
    const a = new SilenceTurnAnalyzer({ stopSecs: 0.1 });
    expect(a.appendAudio(chunk(500), 16000, 1, false)).toBe("incomplete");
    expect(a.analyzeEndOfTurn()).toBe("incomplete");
    a.appendAudio(chunk(20), 16000, 1, true);
    a.appendAudio(chunk(80), 16000, 1, false);
    a.appendAudio(chunk(20), 16000, 1, true);
    expect(a.appendAudio(chunk(80), 16000, 1, false)).toBe("incomplete");
    expect(a.appendAudio(chunk(20), 16000, 1, false)).toBe("complete");
  });

  it("measures chunks by their own rate and channel count", () => {
    const a = new SilenceTurnAnalyzer({ stopSecs: 0.1 });
    a.appendAudio(chunk(10, 48000, 2), 48000, 2, true);
    expect(a.appendAudio(chunk(60, 48000, 2), 48000, 2, false)).toBe("incomplete");
    expect(a.silenceSoFarMs).toBeCloseTo(60, 6);
    expect(a.appendAudio(chunk(40, 8000), 8000, 1, false)).toBe("complete");
  });

  it("clear() forgets the turn; bad stop_secs is refused", () => {
    const a = new SilenceTurnAnalyzer({ stopSecs: 0 });
    a.appendAudio(chunk(20), 16000, 1, true);
    expect(a.appendAudio(chunk(20), 16000, 1, false)).toBe("complete");
    a.clear();
    expect(a.speechTriggered).toBe(false);
    expect(a.analyzeEndOfTurn()).toBe("incomplete");
    expect(() => new SilenceTurnAnalyzer({ stopSecs: -1 })).toThrow(RangeError);
  });
});
