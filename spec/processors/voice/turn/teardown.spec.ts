// Teardown: unsubscribing, a CancelFrame or an EndFrame stops every timer of the user-turn
// controller (stop strategies, watchdog, max duration, idle, false-interruption recovery):
// nothing is emitted afterwards, no turn ends with a UserStoppedSpeakingFrame, and no new turn
// starts.

import { describe, expect, it } from "vitest";
import { userTurnProcessor } from "../../../../lib/processors/voice/turn/userTurnProcessor.ts";
import { eventLog, inputs, marbles, wire } from "./support.ts";

const v = inputs();
const everything = { userIdleTimeoutMs: 1000, maxDurationMs: 3000 };

describe("user turn teardown", () => {
  it("emits nothing and runs nothing after an early unsubscribe", () => {
    const { log, events } = eventLog();
    marbles(({ hot, expectObservable, expectSubscriptions }, ctx) => {
      const vad = hot("     B 99ms S 99ms s 99ms b   ", v);
      const subs = "        ^ 249ms !                ";
      const unsub = "       ^ 249ms !                ";
      const down = "        B 99ms (SUI) 95ms s      ";
      expectObservable(wire(userTurnProcessor({ ...ctx, log }, everything), vad).down, unsub).toBe(down);
      expectSubscriptions(vad.subscriptions).toBe(subs);
    });
    // The turn was dropped at the unsubscription; its timers never fired afterwards.
    expect(events).toEqual(["user_turn_started", "user_turn_stopped", "user_turn_closed"]);
  });

  it("a CancelFrame ends the turn silently and stops all timers", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     B 99ms S 99ms s 99ms C 9999ms S", v);
      const down = "        B 99ms (SUI) 95ms s 99ms C 9999ms S";
      expectObservable(wire(userTurnProcessor(ctx, everything), vad).down).toBe(down);
    });
  });

  it("an EndFrame stops the idle timer and the turn in progress", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     b 99ms S 99ms E 9999ms -", v);
      const down = "        b 99ms (SUI) 95ms E  ";
      expectObservable(wire(userTurnProcessor(ctx, everything), vad).down).toBe(down);
    });
  });

  it("completes and errors with its source", () => {
    marbles(({ cold, expectObservable }, ctx) => {
      expectObservable(wire(userTurnProcessor(ctx), cold("S 9ms |", v)).down).toBe("(SUI) 5ms |");
    });
    marbles(({ cold, expectObservable }, ctx) => {
      expectObservable(wire(userTurnProcessor(ctx), cold("S 9ms #", v)).down).toBe("(SUI) 5ms #");
    });
  });
});
