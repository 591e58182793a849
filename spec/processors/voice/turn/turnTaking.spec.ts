// The composed turn-taking front (vad → user turn → turn audio), as built from config keys,
// with the real VAD state machine over a scripted detector: speech 500–1500 ms gives
// VADUserStartedSpeaking at 700 (start_secs 0.2), the user turn at the same instant, the VAD
// stop at 1700 (stop_secs 0.2), and the end of the turn at 2300 (turn_stop_secs 0.8 after the
// end of speech), with the turn's AudioRawFrame right behind it.

import { describe, expect, it } from "vitest";
import { NEVER, Subject } from "rxjs";
import { VADAnalyzer } from "../../../../lib/audio/vad/analyzer.ts";
import type { Frame } from "../../../../lib/frames/index.ts";
import { createContext } from "../../../../lib/pipeline/context.ts";
import { turnOptionsFromConfig } from "../../../../lib/processors/voice/turn/turnConfig.ts";
import { turnTaking } from "../../../../lib/processors/voice/turn/turnTaking.ts";
import { audioStream, chunkAt, make, marbles, RATE, scriptedDetector, wire } from "./support.ts";

const speech = [[500, 1500]] as const;
const options = (config = {}) => ({
  ...turnOptionsFromConfig({ turn_stop_secs: 0.8, turn_pre_speech_ms: 500, ...config }),
  analyzer: new VADAnalyzer(scriptedDetector(speech), { min_volume: 0 }),
});

describe("turnTaking", () => {
  it("finds the turn with real timings and emits its audio when it ends", () => {
    marbles(({ expectObservable }, ctx, ts) => {
      const out = wire(turnTaking(ctx, options()), audioStream(ts, 150));
      expectObservable(out.up).toBe("  700ms (UI) 1596ms u          ");
      expectObservable(out.down).toBe("700ms (SUI) 995ms s 599ms (uA) 696ms |");
    });
  });

  it("barges in on the bot both ways, then recovers when no transcript came", () => {
    marbles(({ hot, expectObservable }, ctx, ts) => {
      const bot = hot("     B                                      ", { B: make("BotStartedSpeakingFrame", {}) });
      const out = wire(turnTaking(ctx, options()), audioStream(ts, 250), bot);
      expectObservable(out.up).toBe("  B 699ms (UI) 1596ms u          ");
      expectObservable(out.down).toBe("700ms (SUI) 995ms s 599ms (uA) 1996ms R 699ms |");
    });
  });

  it("emits nothing after an early unsubscribe in the middle of a turn", () => {
    marbles(({ expectObservable }, ctx, ts) => {
      const unsub = "                  ^ 999ms !        ";
      const out = wire(turnTaking(ctx, options()), audioStream(ts, 150));
      expectObservable(out.up, unsub).toBe("700ms (UI) ");
      expectObservable(out.down, unsub).toBe("700ms (SUI)");
    });
  });

  it("the turn frame holds 500 ms before the onset through the end of the turn", () => {
    const down = new Subject<Frame>();
    const seen: Frame[] = [];
    turnTaking(createContext({ scheduler: undefined }), { ...options(), userTurn: { ...options().userTurn, stop: [], stopTimeoutMs: 0 } })
      .link({ down, up: NEVER })
      .down.subscribe((f) => seen.push(f));
    for (let k = 0; k < 100; k++) down.next(chunkAt(k));
    down.next(make("UserStoppedSpeakingFrame", {}));
    const turn = seen.find((f): f is Frame<"AudioRawFrame"> => f.type === "AudioRawFrame");
    // Onset 500 ms, pre-speech 500 ms: from stream time 0 to 2000 ms.
    expect(turn?.num_frames).toBe((2000 * RATE) / 1000);
    expect(new Int16Array(turn!.audio.buffer, turn!.audio.byteOffset, 1)[0]).toBe(0);
  });
});
