// Config keys → turn-taking options: every key lands where it should, missing keys take the
// schema's defaults, and the pipeline built from them behaves as the keys say ("none": the
// client's own User*SpeakingFrames drive turns; "silence": the energy detector).

import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../../../lib/config/schema.ts";
import { turnOptionsFromConfig } from "../../../../lib/processors/voice/turn/turnConfig.ts";
import { turnTaking } from "../../../../lib/processors/voice/turn/turnTaking.ts";
import { vadAnalyzerFactory } from "../../../../lib/processors/voice/turn/vadFactory.ts";
import { VAD_LATER } from "../../../../lib/processors/voice/vadProcessor.ts";
import { inputs, marbles, wire } from "./support.ts";

describe("turnOptionsFromConfig", () => {
  it("maps every key", () => {
    const o = turnOptionsFromConfig({
      turn_detection: "vad",
      vad_type: "energy",
      turn_stop_secs: 1.2,
      turn_pre_speech_ms: 300,
      turn_max_duration_secs: 12,
      vad_start_secs: 0.4,
      vad_threshold: 0.01,
      user_turn_stop_timeout_secs: 4,
      user_idle_timeout_secs: 7,
      vad_confidence: 0.6,
      vad_start_secs_vad: 0.3,
      vad_stop_secs: 0.25,
      vad_min_volume: 0.5,
      allow_interruptions: false,
      false_interruption_timeout_secs: 1.5,
    });
    expect(o.detection).toBe("vad");
    expect(o.vad).toEqual({ type: "energy", params: { confidence: 0.6, start_secs: 0.3, stop_secs: 0.25, min_volume: 0.5 }, energyThreshold: 0.01 });
    expect(o.userTurn).toMatchObject({
      stopTimeoutMs: 4000,
      maxDurationMs: 12000,
      allowInterruptions: false,
      falseInterruptionTimeoutMs: 1500,
      userIdleTimeoutMs: 7000,
    });
    expect(o.userTurn.start?.map((s) => s.name)).toEqual(["vad", "transcription"]);
    expect(o.userTurn.stop?.map((s) => s.name)).toEqual(["silence"]);
    expect(o.audio).toEqual({ preSpeechMs: 300, maxDurationMs: 12000, vadStartKeepMs: 400 });
  });

  it("gives the schema's defaults for an empty object and for DEFAULT_CONFIG alike", () => {
    const fromEmpty = turnOptionsFromConfig({});
    const fromDefault = turnOptionsFromConfig(DEFAULT_CONFIG);
    for (const o of [fromEmpty, fromDefault]) {
      expect(o.detection).toBe("vad");
      expect(o.vad.type).toBe("silero");
      expect(o.vad.params).toEqual({ confidence: 0.7, start_secs: 0.2, stop_secs: 0.2, min_volume: 0.6 });
      expect(o.userTurn).toMatchObject({ stopTimeoutMs: 5000, maxDurationMs: 30000, allowInterruptions: true, falseInterruptionTimeoutMs: 2000, userIdleTimeoutMs: 0 });
      expect(o.audio).toEqual({ preSpeechMs: 500, maxDurationMs: 30000 });
    }
  });

  it("min_words (and the Go 'keyword' alias) gate barge-in on transcripts", () => {
    for (const strategy of ["min_words", "keyword"]) {
      const o = turnOptionsFromConfig({ interruption_strategy: strategy, min_words: 3 });
      expect(o.userTurn.start?.map((s) => s.name)).toEqual(["vad", "min_words"]);
      const [vad] = o.userTurn.start!;
      expect(vad!.decide(inputs()["S"]!, { botSpeaking: true, now: 0 })).toBe("pass");
      expect(vad!.decide(inputs()["S"]!, { botSpeaking: false, now: 0 })).toBe("start");
    }
  });

  it('"silence" uses the energy detector; unknown detections are refused', () => {
    expect(turnOptionsFromConfig({ turn_detection: "silence" }).vad.type).toBe("energy");
    expect(() => turnOptionsFromConfig({ turn_detection: "smart" })).toThrow(/turn_detection/);
  });

  it('"none": the client\'s User*SpeakingFrames drive turns, barge-in and the turn audio', () => {
    marbles(({ hot, expectObservable }, ctx) => {
      const v = inputs();
      const up = hot("      B                     ", v);
      const down = hot("    100ms U 1999ms u 9999ms -", v);
      const out = wire(turnTaking(ctx, turnOptionsFromConfig({ turn_detection: "none" })), down, up);
      // No watchdog: the 2 s push-to-talk turn lasts until the client's stop.
      expectObservable(out.up).toBe("B 99ms I              ");
      expectObservable(out.down).toBe("100ms (UI) 1996ms u 1999ms R");
    });
  });
});

describe("vadAnalyzerFactory", () => {
  it("builds an energy VAD that hears a loud tone at any rate and channel count", () => {
    const factory = vadAnalyzerFactory({ type: "energy", params: { min_volume: 0 } });
    const vad = factory.create({ sampleRate: 48000, numChannels: 2 });
    const tone = new Int16Array(48000 * 2 * 0.3);
    for (let i = 0; i < tone.length; i += 2) tone[i] = tone[i + 1] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 2 / 48000));
    const events = vad.analyze(new Uint8Array(tone.buffer), { events: () => {}, error: () => {} });
    expect(events === VAD_LATER ? events : events.map((e) => e.type)).toEqual(["speech_start"]);
  });

  it("refuses to build Silero before its model is loaded", () => {
    expect(() => vadAnalyzerFactory({ type: "silero" }).create({ sampleRate: 16000, numChannels: 1 })).toThrow(/not loaded/);
  });
});
