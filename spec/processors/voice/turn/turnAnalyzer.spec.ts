// The turn-analyzer stop strategy: the analyzer is fed the turn's audio with the VAD's verdict
// and asked at each VAD stop. The silence analyzer ends the turn from the audio (audio time);
// an asynchronous analyzer (a model) ends it when its "complete" arrives, and its pending
// answer is dropped (unsubscribed) when the user speaks again first.

import { describe, expect, it } from "vitest";
import { concat, NEVER, Observable, timer } from "rxjs";
import type { EndOfTurnState, TurnAnalyzer } from "../../../../lib/audio/turn/analyzer.ts";
import { silenceAnalyzerStop, turnAnalyzerStop } from "../../../../lib/processors/voice/turn/stopStrategies.ts";
import { turnOptionsFromConfig } from "../../../../lib/processors/voice/turn/turnConfig.ts";
import { turnTaking } from "../../../../lib/processors/voice/turn/turnTaking.ts";
import { userTurnProcessor } from "../../../../lib/processors/voice/turn/userTurnProcessor.ts";
import { VADAnalyzer } from "../../../../lib/audio/vad/analyzer.ts";
import type { SchedulerLike } from "rxjs";
import { audioStream, inputs, marbles, scriptedDetector, wire } from "./support.ts";

const v = inputs();

/** A model stand-in: answers `verdict` 300 ms after each VAD stop; counts answers cancelled. */
function slowModel(scheduler: SchedulerLike, verdict: EndOfTurnState) {
  const stats = { asked: 0, cancelled: 0 };
  const analyzer: TurnAnalyzer = {
    name: "model",
    speechTriggered: true,
    appendAudio: () => "incomplete",
    analyzeEndOfTurn: () => {
      stats.asked++;
      return new Observable<EndOfTurnState>((subscriber) => {
        let answered = false;
        const sub = timer(300, scheduler).subscribe(() => {
          answered = true;
          subscriber.next(verdict);
        });
        return () => {
          if (!answered) stats.cancelled++;
          sub.unsubscribe();
        };
      });
    },
    clear: () => {},
  };
  return { analyzer, stats };
}

describe("turn analyzer stop strategy", () => {
  it("ends the turn when the silence analyzer has counted 800 ms of non-speech audio", () => {
    marbles(({ expectObservable }, ctx, ts) => {
      const options = turnOptionsFromConfig({});
      const p = turnTaking(ctx, {
        ...options,
        analyzer: new VADAnalyzer(scriptedDetector([[500, 1500]]), { min_volume: 0 }),
        userTurn: { ...options.userTurn, stop: [silenceAnalyzerStop(800)] },
      });
      // VAD stop at 1700; 800 ms of audio after it is complete with the chunk arriving at 2500.
      expectObservable(wire(p, concat(audioStream(ts, 150), NEVER)).down).toBe("700ms (SUI) 995ms s 799ms (uA)");
    });
  });

  it("ends the turn when an async analyzer answers complete", () => {
    marbles(({ hot, expectObservable }, ctx, ts) => {
      const { analyzer } = slowModel(ts, "complete");
      const vad = hot("     S 999ms s          ", v);
      const down = "        (SUI) 995ms s 299ms u";
      expectObservable(wire(userTurnProcessor(ctx, { stop: [turnAnalyzerStop(analyzer)] }), vad).down).toBe(down);
    });
  });

  it("drops a pending answer when speech resumes, and waits on 'incomplete'", () => {
    let stats = { asked: 0, cancelled: 0 };
    marbles(({ hot, expectObservable }, ctx, ts) => {
      const model = slowModel(ts, "complete");
      stats = model.stats;
      // Asked at 1000, speech resumes at 1100 (answer dropped), asked again at 2000 → 2300.
      const vad = hot("     S 999ms s 99ms S 899ms s          ", v);
      const down = "        (SUI) 995ms s 99ms S 899ms s 299ms u";
      expectObservable(wire(userTurnProcessor(ctx, { stop: [turnAnalyzerStop(model.analyzer)] }), vad).down).toBe(down);
    });
    expect(stats).toEqual({ asked: 2, cancelled: 1 });
    marbles(({ hot, expectObservable }, ctx, ts) => {
      const { analyzer } = slowModel(ts, "incomplete");
      const vad = hot("     S 999ms s           ", v);
      const down = "        (SUI) 995ms s 4999ms u";
      expectObservable(wire(userTurnProcessor(ctx, { stop: [turnAnalyzerStop(analyzer)] }), vad).down).toBe(down);
    });
  });

  it("a failing analyzer is reported upstream; the watchdog still ends the turn", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      const broken: TurnAnalyzer = {
        name: "broken",
        speechTriggered: true,
        appendAudio: () => "incomplete",
        analyzeEndOfTurn: () => {
          throw new Error("model missing");
        },
        clear: () => {},
      };
      const vad = hot("     S 999ms s            ", v);
      const p = userTurnProcessor(ctx, { stop: [turnAnalyzerStop(broken)] });
      const out = wire(p, vad);
      expectObservable(out.up).toBe("(UI) 996ms e 4999ms u");
      expectObservable(out.down).toBe("(SUI) 995ms s 4999ms u");
    });
  });
});
