// User idle: with user_idle_timeout_secs > 0, one UserIdleFrame goes downstream when the user
// has said nothing for that long after the bot STOPPED speaking. Armed by BotStoppedSpeaking
// (either direction), cancelled by VAD speech, a transcript or the bot speaking again, never
// armed during a user turn, and never before the bot has spoken.

import { describe, it } from "vitest";
import { tap } from "rxjs";
import { pipeline } from "../../../../lib/pipeline/pipeline.ts";
import { processor } from "../../../../lib/pipeline/processor.ts";
import { userTurnProcessor } from "../../../../lib/processors/voice/turn/userTurnProcessor.ts";
import { inputs, marbles, wire } from "./support.ts";

const v = inputs();
const idle = { userIdleTimeoutMs: 3000 };

describe("user idle", () => {
  it("fires once, 3 s after the bot stopped speaking (reported upstream)", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      const up = hot("      B 999ms b          ", v);
      const vad = hot("     -                  ", v);
      const upOut = "       B 999ms b          ";
      const down = "        1000ms 3000ms z     ";
      const out = wire(userTurnProcessor(ctx, idle), vad, up);
      expectObservable(out.up).toBe(upOut);
      expectObservable(out.down).toBe(down);
    });
  });

  it("never fires when the bot has not spoken, or when off", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     10000ms -   ", v);
      expectObservable(wire(userTurnProcessor(ctx, idle), vad).down).toBe("-");
    });
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     B 999ms b   ", v);
      const down = "        B 999ms b   ";
      expectObservable(wire(userTurnProcessor(ctx), vad).down).toBe(down);
    });
  });

  it("is cancelled by user speech, and the turn that follows does not re-arm it", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     b 1999ms S 99ms s                  ", v);
      const down = "        b 1999ms (SUI) 95ms s 599ms u    ";
      expectObservable(wire(userTurnProcessor(ctx, idle), vad).down).toBe(down);
    });
  });

  it("is cancelled by a transcript and by the bot speaking again", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     b 1999ms B           ", v);
      const down = "        b 1999ms B         ";
      expectObservable(wire(userTurnProcessor(ctx, { ...idle, start: [] }), vad).down).toBe(down);
    });
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     b 1999ms T           ", v);
      const down = "        b 1999ms T         ";
      expectObservable(wire(userTurnProcessor(ctx, { ...idle, start: [] }), vad).down).toBe(down);
    });
  });

  it("is not armed when the bot stops during a user turn", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     B 99ms S 99ms b 99ms s             ", v);
      const down = "        B 99ms (SUI) 95ms b 99ms s 599ms u 1999ms R";
      expectObservable(wire(userTurnProcessor(ctx, idle), vad).down).toBe(down);
    });
  });
});

describe("user idle and an output that answers at once", () => {
  it("a BotStoppedSpeaking sent back synchronously by the interruption does not arm the idle timer", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      // Stand-in output transport: an InterruptionFrame makes it report the bot stopped, upstream, at once.
      const output = processor("output", (ports) => ({
        down: (frames$) => frames$.pipe(tap((f) => f.type === "InterruptionFrame" && ports.pushUp(inputs()["b"]!))),
      }));
      const chain = pipeline("p", [userTurnProcessor(ctx, { ...idle, falseInterruptionTimeoutMs: 0 }), output]);
      const vad = hot("     B 99ms S 99ms s                    ", v);
      const down = "        B 99ms (SUI) 95ms s 599ms u 9999ms -";
      const out = wire(chain, vad);
      expectObservable(out.up).toBe("100ms (UbI) 695ms u");
      expectObservable(out.down).toBe(down);
    });
  });
});
