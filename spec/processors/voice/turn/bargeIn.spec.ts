// Barge-in: every user turn a start strategy opens interrupts: an InterruptionFrame goes
// downstream AND upstream in the same instant, right after UserStartedSpeakingFrame, whether or
// not the bot is speaking (a new turn makes an answer to the previous one, still on its way,
// stale). Bot state comes from Bot*SpeakingFrame in either direction; only a reply that was
// being heard is resumed after a false interruption. No interruption when interruptions are
// disallowed by the options or by StartFrame.allow_interruptions, bot speaking or not.

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

  it("tracks the bot from downstream frames too, and still interrupts once it stopped", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      // The first turn cut a reply being heard: no transcript came, so it is resumed (R) and the
      // bot speaks again. The second opens after the bot stopped: it interrupts too, but there
      // is nothing to resume.
      const vad = hot("     B 99ms S 99ms s 2649ms B 49ms b 99ms S 99ms s                        ", v);
      const down = "        B 99ms (SUI) 95ms s 599ms u 1999ms R 49ms B 49ms b 99ms (SUI) 95ms s 599ms u 9999ms -";
      expectObservable(wire(userTurnProcessor(ctx), vad).down).toBe(down);
    });
  });

  it("interrupts both ways when the bot is silent too, and arms no false-interruption recovery", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      // An answer to the previous turn may still be generated: the new turn cuts it. Nothing was
      // being heard, so no R follows 2 s after the turn.
      const vad = hot("     S 99ms s         ", v);
      const down = "        (SUI) 95ms s 599ms u";
      const up = "          (UI) 696ms u     ";
      const out = wire(userTurnProcessor(ctx), vad);
      expectObservable(out.up).toBe(up);
      expectObservable(out.down).toBe(down);
    });
  });

  it("does not interrupt when allow_interruptions is off (option or StartFrame), bot speaking or not", () => {
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
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     S 99ms s         ", v);
      const down = "        (SU) 96ms s 599ms u";
      const up = "          U 699ms u        ";
      const out = wire(userTurnProcessor(ctx, { allowInterruptions: false }), vad);
      expectObservable(out.up).toBe(up);
      expectObservable(out.down).toBe(down);
    });
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     n S          ", v);
      const down = "        0 (SU)       ";
      expectObservable(wire(userTurnProcessor(ctx), vad).down).toBe(down);
    });
  });
});
