// A user turn opens at the VAD's start and closes a fixed quiet time after its stop:
// 600 ms after the stop event (speech timeout), or turn_stop_secs after the end of speech
// (silence: the VAD's measured 200 ms lag counts towards it). Speech resuming in the wait
// cancels it. UserStarted/StoppedSpeakingFrame go both ways.

import { describe, it } from "vitest";
import { userTurnProcessor } from "../../../../lib/processors/voice/turn/userTurnProcessor.ts";
import { silenceStop, speechTimeoutStop } from "../../../../lib/processors/voice/turn/stopStrategies.ts";
import { inputs, marbles, wire } from "./support.ts";

const v = inputs();

describe("user turn end", () => {
  it("ends 600 ms after the VAD stop with the default speech timeout", () => {
    marbles(({ hot, expectObservable, expectSubscriptions }, ctx) => {
      const vad = hot("     S 999ms s          ", v);
      const subs = "        ^                  ";
      const down = "        (SUI) 995ms s 599ms u";
      const up = "          (UI) 1596ms u      ";
      const out = wire(userTurnProcessor(ctx), vad);
      expectObservable(out.up).toBe(up);
      expectObservable(out.down).toBe(down);
      expectSubscriptions(vad.subscriptions).toBe(subs);
    });
  });

  it("ends turn_stop_secs after the end of speech, counting the VAD's lag", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      // Speech ended 200 ms before the stop event: 800 ms of silence are reached 600 ms after it.
      const vad = hot("     S 999ms s          ", v);
      const down = "        (SUI) 995ms s 599ms u";
      const p = userTurnProcessor(ctx, { stop: [silenceStop({ silenceMs: 800 })] });
      expectObservable(wire(p, vad).down).toBe(down);
    });
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     S 999ms s           ", v);
      const down = "        (SUI) 995ms s 2799ms u";
      const p = userTurnProcessor(ctx, { stop: [silenceStop({ silenceMs: 3000 })] });
      expectObservable(wire(p, vad).down).toBe(down);
    });
  });

  it("keeps the turn open when speech resumes within the timeout", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      // Pause of 400 ms (< 600): one turn, ended 600 ms after the second stop.
      const vad = hot("     S 999ms s 399ms S 499ms s          ", v);
      const down = "        (SUI) 995ms s 399ms S 499ms s 599ms u";
      expectObservable(wire(userTurnProcessor(ctx), vad).down).toBe(down);
    });
  });

  it("with waitForTranscript, ends at the final transcript when it comes after the timeout", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     S 999ms s 999ms T          ", v);
      const down = "        (SUI) 995ms s 999ms (Tu)    ";
      const p = userTurnProcessor(ctx, { stop: [speechTimeoutStop({ waitForTranscript: true })] });
      expectObservable(wire(p, vad).down).toBe(down);
    });
    marbles(({ hot, expectObservable }, ctx) => {
      // Transcript before the timeout: the timeout still decides.
      const vad = hot("     S 999ms s 99ms T          ", v);
      const down = "        (SUI) 995ms s 99ms T 499ms u";
      const p = userTurnProcessor(ctx, { stop: [speechTimeoutStop({ waitForTranscript: true })] });
      expectObservable(wire(p, vad).down).toBe(down);
    });
  });
});
