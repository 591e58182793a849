// Barge-in: when a start strategy opens a user turn while the bot is speaking, an
// InterruptionFrame goes downstream AND upstream in the same instant, right after
// UserStartedSpeakingFrame. Bot state comes from Bot*SpeakingFrame in either direction. No
// interruption when the bot is silent, or when interruptions are disallowed by the options or
// by StartFrame.allow_interruptions.

import { describe, it } from "vitest";
import { userTurnProcessor } from "../../../../lib/processors/voice/turn/userTurnProcessor.ts";
import { inputs, marbles, wire } from "./support.ts";

const v = inputs();

describe("barge-in", () => {
  it("interrupts both ways at the start decision while the bot speaks (bot state from upstream)", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      const up = hot("      B                       ", v);
      const vad = hot("     500ms S 499ms s        ", v);
      // No transcript came: 2 s after the turn the bot is asked to continue (R).
      const downOut = "     500ms (SUI) 495ms s 599ms u 1999ms R";
      const upOut = "       B 499ms (UI) 1096ms u   ";
      const out = wire(userTurnProcessor(ctx), vad, up);
      expectObservable(out.up).toBe(upOut);
      expectObservable(out.down).toBe(downOut);
    });
  });

  it("tracks the bot from downstream frames too, and stops interrupting once it stopped", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     B 99ms S 99ms s 699ms b 99ms S         ", v);
      const down = "        B 99ms (SUI) 95ms s 599ms u 99ms b 99ms (SU)";
      expectObservable(wire(userTurnProcessor(ctx, { falseInterruptionTimeoutMs: 0 }), vad).down).toBe(down);
    });
  });

  it("does not interrupt when the bot is silent", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     S 99ms s         ", v);
      const down = "        (SU) 96ms s 599ms u";
      expectObservable(wire(userTurnProcessor(ctx), vad).down).toBe(down);
    });
  });

  it("does not interrupt when allow_interruptions is off (option or StartFrame)", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     B 99ms S        ", v);
      const down = "        B 99ms (SU)     ";
      expectObservable(wire(userTurnProcessor(ctx, { allowInterruptions: false }), vad).down).toBe(down);
    });
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     n B 99ms S      ", v);
      const down = "        0 B 99ms (SU)   ";
      expectObservable(wire(userTurnProcessor(ctx), vad).down).toBe(down);
    });
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     0 B 99ms S      ", v);
      const down = "        0 B 99ms (SUI)  ";
      expectObservable(wire(userTurnProcessor(ctx), vad).down).toBe(down);
    });
  });
});
