// vadProcessor: input audio passes on at once, untouched; the VAD runs inline on each chunk
// and its transitions come out right after the chunk that caused them, as
// VADUserStarted/StoppedSpeakingFrame with start_secs / stop_secs and the measured lag. Speech
// is reported start_secs after its onset and stop_secs after its end, counted in audio time.
// VADParamsUpdateFrame works in either direction. An analyzer that answers later never delays
// or reorders audio, and its stale results are dropped. Audio that stops mid-speech forces a stop after 1 s.

import { describe, expect, it } from "vitest";
import { concat, NEVER, Subject } from "rxjs";
import { VADAnalyzer, type VADEvent } from "../../../lib/audio/vad/analyzer.ts";
import type { Frame } from "../../../lib/frames/index.ts";
import { createContext } from "../../../lib/pipeline/context.ts";
import { VAD_LAG_KEY } from "../../../lib/processors/voice/turn/vadLag.ts";
import { VAD_LATER, vadProcessor, type LateVad, type StreamVad } from "../../../lib/processors/voice/vadProcessor.ts";
import { audioStream, chunkAt, eventLog, make, marbles, scriptedDetector, wire } from "./turn/support.ts";

const quietRoom = { min_volume: 0 };
const analyzerFor = (speech: readonly (readonly [number, number])[], params = {}) => new VADAnalyzer(scriptedDetector(speech), { ...quietRoom, ...params });

/** An analyzer that answers every chunk later, keeping each call's LateVad for the spec to use. */
function answersLater(): { analyzer: StreamVad; lates: LateVad[] } {
  const lates: LateVad[] = [];
  return {
    lates,
    analyzer: {
      analyze: (_pcm, late) => {
        lates.push(late);
        return VAD_LATER;
      },
    },
  };
}

describe("vadProcessor", () => {
  it("reports speech start_secs after the onset and stop_secs after the end (audio time)", () => {
    marbles(({ expectObservable }, ctx, ts) => {
      // Speech 500–1000 ms of a 1.5 s stream; chunk k arrives at (k + 1) × 20 ms.
      const p = vadProcessor(ctx, { analyzer: analyzerFor([[500, 1000]]) });
      expectObservable(wire(p, audioStream(ts, 75)).down).toBe("700ms S 499ms s 299ms |");
    });
    marbles(({ expectObservable }, ctx, ts) => {
      const p = vadProcessor(ctx, { analyzer: analyzerFor([[500, 1400]], { start_secs: 0.5, stop_secs: 0.3 }) });
      expectObservable(wire(p, audioStream(ts, 100)).down).toBe("1000ms S 699ms s 299ms |");
    });
  });

  it("ignores speech shorter than start_secs", () => {
    marbles(({ expectObservable }, ctx, ts) => {
      const p = vadProcessor(ctx, { analyzer: analyzerFor([[500, 680]]) });
      expectObservable(wire(p, audioStream(ts, 75)).down).toBe("1500ms |");
    });
  });

  it("applies VADParamsUpdateFrame from upstream and from downstream", () => {
    const update = make("VADParamsUpdateFrame", { start_secs: 0.4 });
    marbles(({ hot, expectObservable }, ctx, ts) => {
      const up = hot("      100ms P          ", { P: update });
      const p = vadProcessor(ctx, { analyzer: analyzerFor([[500, 1000]]) });
      const out = wire(p, audioStream(ts, 75), up);
      expectObservable(out.up).toBe("100ms P         ");
      expectObservable(out.down).toBe("900ms S 299ms s 299ms |");
    });
  });

  it("carries start_secs, stop_secs and the measured lag on its frames", () => {
    const down = new Subject<Frame>();
    const seen: Frame[] = [];
    vadProcessor(createContext(), { analyzer: analyzerFor([[500, 1000]]) }).link({ down, up: new Subject<Frame>() }).down.subscribe((f) => seen.push(f));
    for (let k = 0; k < 75; k++) down.next(chunkAt(k));
    const vad = seen.filter((f) => f.type !== "InputAudioRawFrame");
    expect(vad).toMatchObject([
      { type: "VADUserStartedSpeakingFrame", start_secs: 0.2, metadata: { [VAD_LAG_KEY]: 200 } },
      { type: "VADUserStoppedSpeakingFrame", stop_secs: 0.2, metadata: { [VAD_LAG_KEY]: 200 } },
    ]);
    // Each VAD frame directly follows the chunk whose last window completed it.
    expect(seen.indexOf(vad[0]!)).toBe(35);
  });

  it("with an analyzer that answers later, passes audio at once and emits VAD frames when its results arrive", () => {
    const script = new Map<number, VADEvent>([
      [3, { type: "speech_start", atMs: 80, onsetMs: 0, startSecs: 0.2 }],
      [6, { type: "speech_stop", atMs: 140, onsetMs: 100, stopSecs: 0.2 }],
    ]);
    const waiting: Array<() => void> = [];
    let calls = 0;
    const slow: StreamVad = {
      analyze: (_pcm, late) => {
        const n = calls++;
        waiting.push(() => late.events(script.has(n) ? [script.get(n)!] : []));
        return VAD_LATER;
      },
    };
    const down = new Subject<Frame>();
    const seen: Frame[] = [];
    vadProcessor(createContext(), { analyzer: slow }).link({ down, up: new Subject<Frame>() }).down.subscribe((f) => seen.push(f));
    for (let k = 0; k < 8; k++) down.next(chunkAt(k));
    expect(seen.map((f) => f.type)).toEqual(Array(8).fill("InputAudioRawFrame"));
    for (const deliver of waiting.splice(0, 4)) deliver();
    expect(seen.slice(8).map((f) => f.type)).toEqual(["VADUserStartedSpeakingFrame"]);
    for (const deliver of waiting.splice(0)) deliver();
    expect(seen.slice(8).map((f) => f.type)).toEqual(["VADUserStartedSpeakingFrame", "VADUserStoppedSpeakingFrame"]);
  });

  it("drops late results after unsubscription and from before a CancelFrame", () => {
    const { analyzer, lates } = answersLater();
    const start: VADEvent = { type: "speech_start", atMs: 20, onsetMs: 0, startSecs: 0.2 };
    const down = new Subject<Frame>();
    const seen: Frame[] = [];
    const sub = vadProcessor(createContext(), { analyzer }).link({ down, up: new Subject<Frame>() }).down.subscribe((f) => seen.push(f));
    down.next(chunkAt(0));
    down.next(make("CancelFrame", {}));
    down.next(chunkAt(1));
    lates[0]!.events([start]);
    expect(seen.map((f) => f.type)).toEqual(["InputAudioRawFrame", "CancelFrame", "InputAudioRawFrame"]);
    lates[1]!.events([start]);
    expect(seen.at(-1)?.type).toBe("VADUserStartedSpeakingFrame");
    down.next(chunkAt(2));
    sub.unsubscribe();
    lates[2]!.events([start]);
    expect(seen.filter((f) => f.type === "VADUserStartedSpeakingFrame")).toHaveLength(1);
  });

  it("a late failure is reported upstream and stops the VAD; audio keeps passing", () => {
    const { analyzer, lates } = answersLater();
    const down = new Subject<Frame>();
    const up = new Subject<Frame>();
    const seenDown: Frame[] = [];
    const seenUp: Frame[] = [];
    const ends = vadProcessor(createContext(), { analyzer }).link({ down, up });
    ends.down.subscribe((f) => seenDown.push(f));
    ends.up.subscribe((f) => seenUp.push(f));
    down.next(chunkAt(0));
    lates[0]!.error(new Error("batch failed"));
    down.next(chunkAt(1));
    expect(lates).toHaveLength(1);
    expect(seenDown.map((f) => f.type)).toEqual(["InputAudioRawFrame", "InputAudioRawFrame"]);
    expect(seenUp).toMatchObject([{ type: "ErrorFrame", fatal: false, error: "VAD stopped: batch failed" }]);
  });

  it("forces a stop when audio stops arriving mid-speech for 1 s", () => {
    marbles(({ expectObservable }, ctx, ts) => {
      // Speech throughout, but the stream ends at 800 ms (a muted mic): stop at 1800.
      const p = vadProcessor(ctx, { analyzer: analyzerFor([[0, 5000]]) });
      expectObservable(wire(p, concat(audioStream(ts, 40), NEVER)).down).toBe("200ms S 1599ms s");
    });
  });

  it("leaves no timer behind after an early unsubscribe", () => {
    const { log, events } = eventLog();
    marbles(({ expectObservable }, ctx, ts) => {
      // Speech from 0, audio ends at 400 (the 1 s idle check is pending); unsubscribed at 500.
      const unsub = "           ^ 499ms !       ";
      const p = vadProcessor({ ...ctx, log }, { analyzer: analyzerFor([[0, 5000]]) });
      const source = concat(audioStream(ts, 20), NEVER);
      expectObservable(wire(p, source).down, unsub).toBe("200ms S      ");
    });
    // Without the teardown the idle check would have forced a stop at 1400.
    expect(events).toEqual(["vad_closed"]);
  });

  it("reports bad parameters and a failing analyzer upstream, and keeps passing audio", () => {
    const down = new Subject<Frame>();
    const up = new Subject<Frame>();
    const seenDown: Frame[] = [];
    const seenUp: Frame[] = [];
    let calls = 0;
    const failing: StreamVad = {
      analyze: () => {
        calls++;
        throw new Error("model exploded");
      },
      setParams: () => {
        throw new RangeError("VAD param confidence must be a number in [0, 1], got 2");
      },
    };
    const ends = vadProcessor(createContext(), { analyzer: failing }).link({ down, up });
    ends.up.subscribe((f) => seenUp.push(f));
    ends.down.subscribe((f) => seenDown.push(f));
    up.next(make("VADParamsUpdateFrame", { confidence: 2 }));
    for (let k = 0; k < 3; k++) down.next(chunkAt(k));
    expect(seenDown.map((f) => f.type)).toEqual(["InputAudioRawFrame", "InputAudioRawFrame", "InputAudioRawFrame"]);
    expect(seenUp.map((f) => f.type)).toEqual(["ErrorFrame", "VADParamsUpdateFrame", "ErrorFrame"]);
    expect(seenUp[0]).toMatchObject({ fatal: false, error: expect.stringMatching(/confidence/) });
    expect(seenUp[2]).toMatchObject({ fatal: false, error: expect.stringMatching(/model exploded/) });
    expect(calls).toBe(1);
  });

  it("builds a new analyzer when the audio format changes", () => {
    const formats: string[] = [];
    const down = new Subject<Frame>();
    const p = vadProcessor(createContext(), {
      createAnalyzer: (f) => {
        formats.push(`${f.sampleRate}/${f.numChannels}`);
        return { analyze: () => [] };
      },
    });
    p.link({ down, up: new Subject<Frame>() }).down.subscribe();
    down.next(chunkAt(0));
    down.next(chunkAt(1));
    down.next(make("InputAudioRawFrame", { audio: new Uint8Array(320), sample_rate: 8000, num_channels: 1, num_frames: 160 }));
    expect(formats).toEqual(["16000/1", "8000/1"]);
  });
});
