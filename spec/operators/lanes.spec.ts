// lanes(): system frames never wait behind data work; data work is ordered and is torn
// down by an interruption, except uninterruptible frames.

import { describe, expect, it } from "vitest";
import { mergeMap, of, Subject, type Observable } from "rxjs";
import { lanes } from "../../lib/operators/lanes.ts";
import type { Frame } from "../../lib/frames/index.ts";
import { frame, testScheduler, text } from "../support/marbles.ts";

const a = text("a");
const b = text("b");
const x = text("x");
const y = text("y");
const s = frame("UserStartedSpeakingFrame", {});
const I = frame("InterruptionFrame", {});
const C = frame("CancelFrame", { reason: "test" });
const E = frame("EndFrame", {});
const R = frame("FunctionCallResultFrame", { function_name: "f", tool_call_id: "1", result: 1 });
const values = { a, b, x, y, s, I, C, E, R };

describe("lanes", () => {
  it("passes frames through with their timing and completion", () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot("  -a-b-s-|", values);
      const e1subs = "  ^------!";
      const expected = "-a-b-s-|";
      expectObservable(e1.pipe(lanes({}))).toBe(expected, values);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it("propagates errors, empty and never", () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold("-a-#", values).pipe(lanes({}))).toBe("-a-#", values);
      expectObservable(cold<Frame>("|").pipe(lanes({}))).toBe("|");
      expectObservable(cold<Frame>("-").pipe(lanes({}))).toBe("-");
    });
  });

  it("runs async data work one frame at a time, in order, and completes after it", () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const work: Record<string, Observable<Frame>> = {
        a: cold("--x|", values),
        b: cold("--y|", values),
      };
      const source = hot("-a-b----|", values);
      // a's work runs 1–4; b waits for it, then runs 4–7.
      const expected = "  ---x--y-|";
      const result = source.pipe(lanes({ data: (f) => work[(f as Frame<"TextFrame">).text]! }));
      expectObservable(result).toBe(expected, values);
    });
  });

  it("waits for in-flight work before completing", () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const source = hot("-a|", values);
      const expected = "  -----(x|)";
      expectObservable(source.pipe(lanes({ data: () => cold("----(x|)", values) }))).toBe(expected, values);
    });
  });

  it("lets system frames overtake in-flight data work", () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const source = hot("-a-s-----|", values);
      const work = cold(" -----x|", values);
      const expected = "  ---s--x--|";
      expectObservable(source.pipe(lanes({ data: () => work }))).toBe(expected, values);
    });
  });

  it("tears down in-flight work and drops queued frames on an InterruptionFrame", () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const source = hot("-a-b-I--a--|", values);
      const work = cold(" -----x|", values);
      const worksubs = [" -^---!", " --------^-----!"];
      // a's work is cut at 5 (x never comes); b was queued and is dropped; the second a runs.
      const expected = "  -----I-------x|";
      const result = source.pipe(lanes({ data: (f) => (f === a ? work : null) }));
      expectObservable(result).toBe(expected, values);
      expectSubscriptions(work.subscriptions).toBe(worksubs);
    });
  });

  it("keeps uninterruptible frames: an EndFrame queued behind interrupted work still passes", () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const source = hot("-a-E-I---|", values);
      const work = cold(" -----x|", values);
      const expected = "  -----(IE)|";
      expectObservable(source.pipe(lanes({ data: (f) => (f === a ? work : f) }))).toBe(expected, values);
    });
  });

  it("does not cancel work on an uninterruptible frame", () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const source = hot("-R-I-----|", values);
      const work = cold(" -----y|", values);
      const expected = "  ---I--y--|";
      expectObservable(source.pipe(lanes({ data: () => work }))).toBe(expected, values);
    });
  });

  it("drops everything, uninterruptible frames included, on a CancelFrame", () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const source = hot("-R-E-C--|", values);
      const work = cold(" -------y|", values);
      const expected = "  -----C--|";
      expectObservable(source.pipe(lanes({ data: (f) => (f === R ? work : f) }))).toBe(expected, values);
    });
  });

  it("calls onInterrupt so processors can reset their own state", () => {
    const seen: string[] = [];
    testScheduler().run(({ hot, expectObservable }) => {
      const result = hot("-I-C-|", values).pipe(lanes({ onInterrupt: (f) => seen.push(f.type) }));
      expectObservable(result).toBe("-I-C-|", values);
    });
    expect(seen).toEqual(["InterruptionFrame", "CancelFrame"]);
  });

  it("turns handler errors into frames with onError, and keeps going", () => {
    const errors: Record<string, Frame> = { boom: text("boom"), late: text("late") };
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const source = hot("-a-b-|", values);
      const result = source.pipe(
        lanes(
          {
            data: (f) => {
              if (f === a) throw new Error("boom");
              return cold("-#", values, new Error("late"));
            },
          },
          { onError: (e) => errors[(e as Error).message] },
        ),
      );
      expectObservable(result).toBe("-e--l|", { e: errors.boom, l: errors.late });
    });
  });

  it("errors the stream when a handler throws and there is no onError", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const result = hot("-a-|", values).pipe(
        lanes({
          data: () => {
            throw new Error("boom");
          },
        }),
      );
      expectObservable(result).toBe("-#", values, new Error("boom"));
    });
  });

  it("releases in-flight work on early unsubscribe", () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const source = hot("-a-------|", values);
      const work = cold(" ------x|", values);
      const unsub = "     ----!";
      expectObservable(source.pipe(lanes({ data: () => work })), unsub).toBe("-----", values);
      expectSubscriptions(work.subscriptions).toBe(" -^--!");
    });
  });

  it("does not break unsubscription chains", () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot("-a-b-s-|", values);
      const subs = "      ^---!";
      const result = source.pipe(
        mergeMap((f) => of(f)),
        lanes({}),
        mergeMap((f) => of(f)),
      );
      expectObservable(result, "^---!").toBe("-a-b", values);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it("queues data frames that arrive re-entrantly while a frame is being handled", () => {
    const out: string[] = [];
    const source = new Subject<Frame>();
    const reenter = (f: Frame): void => source.next(f);
    source
      .pipe(
        lanes({
          data: (f) => {
            const t = (f as Frame<"TextFrame">).text;
            if (t === "a") reenter(b); // arrives while a is being handled
            out.push(`handle ${t}`);
            return f;
          },
        }),
      )
      .subscribe((f) => out.push(`emit ${(f as Frame<"TextFrame">).text}`));
    source.next(a);
    expect(out).toEqual(["handle a", "emit a", "handle b", "emit b"]);
  });
});
