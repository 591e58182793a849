// turn_max_duration_secs really ends a turn: at the limit UserStoppedSpeakingFrame goes out
// even though the user is still speaking, and a new turn starts at once, so a monologue is
// split into pieces of at most the limit rather than running on (or losing its tail).

import { describe, it } from "vitest";
import { userTurnProcessor } from "../../../../lib/processors/voice/turn/userTurnProcessor.ts";
import { inputs, marbles, wire } from "./support.ts";

const v = inputs();

describe("user turn max duration", () => {
  it("forces the end at the limit and continues the speech in a new turn", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      // Speech 0–7000 with an 3000 ms limit: turns 0–3000, 3000–6000, 6000–(7000 + 600). Each
      // continuation interrupts the answer to the piece before; as no transcript came, 2 s after
      // the last piece the user context is asked to answer if that answer is missing (r).
      const vad = hot("     S 6999ms s                                          ", v);
      const down = "        (SUI) 2995ms (uUI) 2995ms (uUI) 995ms s 599ms u 1999ms r";
      const p = userTurnProcessor(ctx, { maxDurationMs: 3000 });
      expectObservable(wire(p, vad).down).toBe(down);
    });
  });

  it("does not start a continuation when the user has stopped", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      // The VAD stopped at 2800; the 600 ms timeout would end the turn at 3400, the limit wins at 3000.
      const vad = hot("     S 2799ms s           ", v);
      const down = "        (SUI) 2795ms s 199ms u ";
      const p = userTurnProcessor(ctx, { maxDurationMs: 3000 });
      expectObservable(wire(p, vad).down).toBe(down);
    });
  });
});
