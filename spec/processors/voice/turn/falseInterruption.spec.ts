// False-interruption recovery: an interruption of the bot while it was speaking whose user turn
// brings no transcript (interim or final) within false_interruption_timeout_secs (2 s) of the
// turn's end was noise. The turn has ended normally (UserStoppedSpeaking, nothing for the LLM),
// and one LLMMessagesAppendFrame with a system note and run_llm asks the assistant to continue.
// Any transcript in time (downstream, or upstream from the STT behind turn taking), the bot
// speaking again, or a cancel prevents it. A turn that opens while the bot is silent interrupts
// too: if the user's previous turn had not been answered yet (the bot has not spoken since), the
// answer may have been on its way, and a noise turn asks for it again with an LLMRunFrame
// marked only_if_unanswered (the user context runs it only if the answer is really missing).

import { describe, expect, it } from "vitest";
import { Subject, VirtualTimeScheduler } from "rxjs";
import type { Frame } from "../../../../lib/frames/index.ts";
import { createContext } from "../../../../lib/pipeline/context.ts";
import { FALSE_INTERRUPTION_NOTE } from "../../../../lib/processors/voice/turn/falseInterruption.ts";
import { userTurnProcessor } from "../../../../lib/processors/voice/turn/userTurnProcessor.ts";
import { inputs, marbles, wire } from "./support.ts";

const v = inputs();

describe("false interruption recovery", () => {
  it("asks the bot to continue 2 s after a turn that interrupted it and brought no transcript", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     B 99ms S 299ms s                    ", v);
      const down = "        B 99ms (SUI) 295ms s 599ms u 1999ms R";
      expectObservable(wire(userTurnProcessor(ctx), vad).down).toBe(down);
    });
  });

  it("arms nothing for a turn that opened while the bot was silent, though it interrupted", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     S 299ms s                ", v);
      const down = "        (SUI) 295ms s 599ms u 9999ms -";
      expectObservable(wire(userTurnProcessor(ctx), vad).down).toBe(down);
    });
    marbles(({ hot, expectObservable }, ctx) => {
      // The bot had stopped before the user spoke.
      const vad = hot("     B 99ms b 99ms S 299ms s                 ", v);
      const down = "        B 99ms b 99ms (SUI) 295ms s 599ms u 9999ms -";
      expectObservable(wire(userTurnProcessor(ctx), vad).down).toBe(down);
    });
  });

  it("does not recover when a transcript arrives during the turn or within the timeout", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     B 99ms S 99ms t 199ms s             ", v);
      const down = "        B 99ms (SUI) 95ms t 199ms s 599ms u ";
      expectObservable(wire(userTurnProcessor(ctx), vad).down).toBe(down);
    });
    marbles(({ hot, expectObservable }, ctx) => {
      // A batch STT's transcript 1.9 s after the turn ended: in time.
      const vad = hot("     B 99ms S 299ms s 599ms 1899ms T         ", v);
      const down = "        B 99ms (SUI) 295ms s 599ms u 1898ms T   ";
      expectObservable(wire(userTurnProcessor(ctx), vad).down).toBe(down);
    });
  });

  it("does not recover when the STT behind turn taking sends a transcript back upstream in time", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      // The turn ends at 1000; a file-based STT's transcript comes back up at 1800.
      const vad = hot("     B 99ms S 299ms s                 ", v);
      const up = hot("      - 1799ms T                       ", v);
      const down = "        B 99ms (SUI) 295ms s 599ms u 9999ms -";
      const out = wire(userTurnProcessor(ctx), vad, up);
      out.up.subscribe();
      expectObservable(out.down).toBe(down);
    });
  });

  it("asks for the answer again (r) after a noise turn that cut the user's unanswered turn", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     S 99ms s 999ms S 99ms s                                  ", v);
      const down = "        (SUI) 95ms s 599ms u 399ms (SUI) 95ms s 599ms u 1999ms r";
      expectObservable(wire(userTurnProcessor(ctx), vad).down).toBe(down);
    });
    marbles(({ hot, expectObservable }, ctx) => {
      // The second turn's transcript comes back upstream: it was speech, nothing to recover.
      const vad = hot("     S 99ms s 999ms S 99ms s                                ", v);
      const up = hot("      - 1999ms T                                             ", v);
      const down = "        (SUI) 95ms s 599ms u 399ms (SUI) 95ms s 599ms u 9999ms -";
      const out = wire(userTurnProcessor(ctx), vad, up);
      out.up.subscribe();
      expectObservable(out.down).toBe(down);
    });
    marbles(({ hot, expectObservable }, ctx) => {
      // The bot answered (B … b) before the second turn: nothing was on its way.
      const vad = hot("     S 99ms s 699ms B 99ms b 99ms S 99ms s                                ", v);
      const down = "        (SUI) 95ms s 599ms u 99ms B 99ms b 99ms (SUI) 95ms s 599ms u 9999ms -";
      expectObservable(wire(userTurnProcessor(ctx), vad).down).toBe(down);
    });
  });

  it("does not recover when the bot speaks again first, or after a cancel", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     B 99ms S 299ms s 999ms B           ", v);
      const down = "        B 99ms (SUI) 295ms s 599ms u 399ms B";
      expectObservable(wire(userTurnProcessor(ctx), vad).down).toBe(down);
    });
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     B 99ms S 299ms s 999ms C           ", v);
      const down = "        B 99ms (SUI) 295ms s 599ms u 399ms C";
      expectObservable(wire(userTurnProcessor(ctx), vad).down).toBe(down);
    });
  });

  it("is off with a 0 timeout and follows a configured one", () => {
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     B 99ms S 299ms s              ", v);
      const down = "        B 99ms (SUI) 295ms s 599ms u  ";
      expectObservable(wire(userTurnProcessor(ctx, { falseInterruptionTimeoutMs: 0 }), vad).down).toBe(down);
    });
    marbles(({ hot, expectObservable }, ctx) => {
      const vad = hot("     B 99ms S 299ms s                    ", v);
      const down = "        B 99ms (SUI) 295ms s 599ms u 499ms R ";
      expectObservable(wire(userTurnProcessor(ctx, { falseInterruptionTimeoutMs: 500 }), vad).down).toBe(down);
    });
  });

  it("the resume frame appends a system note and runs the LLM", () => {
    const [resume] = recoveryFrames(["B", "S", "s"]);
    expect(resume).toMatchObject({ run_llm: true, messages: [{ role: "system", content: FALSE_INTERRUPTION_NOTE }] });
  });

  it("the frame that asks for a cut answer is an LLMRunFrame marked only_if_unanswered", () => {
    expect(recoveryFrames(["S", "s"], ["S", "s"])).toEqual([expect.objectContaining({ type: "LLMRunFrame", only_if_unanswered: true })]);
  });
});

/** Feeds each group of input letters and lets every timer run after it; returns the recovery frames pushed downstream. */
function recoveryFrames(...groups: readonly string[][]): Frame[] {
  const scheduler = new VirtualTimeScheduler();
  const down = new Subject<Frame>();
  const seen: Frame[] = [];
  userTurnProcessor(createContext({ scheduler }), { stop: [], stopTimeoutMs: 10 })
    .link({ down, up: new Subject<Frame>() })
    .down.subscribe((f) => seen.push(f));
  for (const group of groups) {
    for (const letter of group) down.next(v[letter]!);
    scheduler.flush();
  }
  return seen.filter((f) => f.type === "LLMRunFrame" || f.type === "LLMMessagesAppendFrame");
}
