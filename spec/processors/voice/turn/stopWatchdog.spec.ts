// The stop watchdog (user_turn_stop_timeout_secs, 5 s) ends a turn that no stop strategy
// ended, counting from the user's last activity while the VAD is quiet; activity restarts it
// and ongoing speech holds it off.

import { describe, it } from "vitest";
import { speechTimeoutStop } from "../../../../lib/processors/voice/turn/stopStrategies.ts";
import { userTurnProcessor } from "../../../../lib/processors/voice/turn/userTurnProcessor.ts";
import { inputs, marbles, wire } from "./support.ts";

const v = inputs();
// A stop strategy that waits for a final transcript that never comes: only the watchdog can end the turn.
const waiting = { stop: [speechTimeoutStop({ waitForTranscript: true })] };

describe("user turn stop watchdog", () => {
  it("ends the turn 5 s after the VAD stop when no strategy fires", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     S 999ms s           ", v);
      const down = "        (SUI) 995ms s 4999ms u";
      const up = "          (UI) 5996ms u       ";
      const out = wire(userTurnProcessor(ctx, waiting), vad);
      expectObservable(out.up).toBe(up);
      expectObservable(out.down).toBe(down);
    });
  });

  it("restarts on user activity and never fires while the user speaks", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      // Speech 0–1000, again 3000–9000 (longer than 5 s: no watchdog), then quiet: fires at 14000.
      const vad = hot("     S 999ms s 1999ms S 5999ms s           ", v);
      const down = "        (SUI) 995ms s 1999ms S 5999ms s 4999ms u";
      expectObservable(wire(userTurnProcessor(ctx, waiting), vad).down).toBe(down);
    });
  });

  it("follows the configured timeout and can be turned off", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     S 999ms s           ", v);
      const down = "        (SUI) 995ms s 1999ms u";
      expectObservable(wire(userTurnProcessor(ctx, { ...waiting, stopTimeoutMs: 2000 }), vad).down).toBe(down);
    });
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     S 999ms s    ", v);
      const down = "        (SUI) 995ms s   ";
      expectObservable(wire(userTurnProcessor(ctx, { ...waiting, stopTimeoutMs: 0 }), vad).down).toBe(down);
    });
  });
});
