// pipeline(): a chain of processors that is itself a processor. Frames travel downstream
// in order; a frame pushed upstream from deep in the chain reaches the source; setup runs
// in order and cleanup in reverse.

import { describe, expect, it } from "vitest";
import { map, NEVER, Subject, tap } from "rxjs";
import { pipeline } from "../../lib/pipeline/pipeline.ts";
import { processor, type Processor } from "../../lib/pipeline/processor.ts";
import { createFrame, counterIds, type Frame } from "../../lib/frames/index.ts";
import { frame, testScheduler, text } from "../support/marbles.ts";

const a = text("a");
const b = text("b");
const up1 = text("up1");
const values = { a, b, u: up1 };

/** Appends a suffix to text frames flowing down. */
function suffix(tag: string): Processor {
  return processor(tag, () => ({
    down: map((f: Frame) => (f.type === "TextFrame" ? ({ ...f, text: f.text + tag } as Frame) : f)),
  }));
}

describe("pipeline", () => {
  it("composes downstream operators in order", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const source = hot("-a-b-|", values);
      const ends = pipeline("p", [suffix("1"), suffix("2")]).link({ down: source, up: NEVER });
      const out = ends.down.pipe(map((f) => (f as Frame<"TextFrame">).text));
      expectObservable(out).toBe("-x-y-|", { x: "a12", y: "b12" });
    });
  });

  it("carries a frame pushed upstream from deep in the chain to the source, past earlier processors", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const source = hot("-a--|", values);
      const seenUp: string[] = [];
      const first = processor("first", () => ({ up: tap((f: Frame) => seenUp.push(f.type)) }));
      const deep = processor("deep", (ports) => ({
        down: tap((f: Frame) => {
          if (f.type === "TextFrame") ports.pushUp(up1);
        }),
      }));
      const ends = pipeline("p", [first, suffix("x"), deep]).link({ down: source, up: NEVER });
      expectObservable(ends.up).toBe("-u--", values);
      expectObservable(ends.down.pipe(map((f) => (f as Frame<"TextFrame">).text))).toBe("-x--|", { x: "ax" });
    });
  });

  it("lets a processor answer an upstream frame by pushing downstream", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const fromBelow = hot("--u-", values);
      const answering = processor("answering", (ports) => ({
        up: tap((f: Frame) => {
          if (f === up1) ports.pushDown(b);
        }),
      }));
      const ends = pipeline("p", [answering, suffix("!")]).link({ down: hot("----|"), up: fromBelow });
      expectObservable(ends.up).toBe("--u-", values);
      expectObservable(ends.down.pipe(map((f) => (f as Frame<"TextFrame">).text))).toBe("--x-|", { x: "b!" });
    });
  });

  it("nests: a pipeline inside a pipeline behaves like its processors inline", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const source = hot("-a-|", values);
      const inner = pipeline("inner", [suffix("2"), suffix("3")]);
      const ends = pipeline("outer", [suffix("1"), inner, suffix("4")]).link({ down: source, up: NEVER });
      expectObservable(ends.down.pipe(map((f) => (f as Frame<"TextFrame">).text))).toBe("-x-|", { x: "a1234" });
    });
  });

  it("an empty pipeline passes both directions through", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const ends = pipeline("empty", []).link({ down: hot("-a|", values), up: hot("--u|", values) });
      expectObservable(ends.down).toBe("-a|", values);
      expectObservable(ends.up).toBe("--u|", values);
    });
  });

  it("propagates errors downstream and releases everything on unsubscribe", () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot("-a-#", values);
      const ends = pipeline("p", [suffix("1")]).link({ down: source, up: NEVER });
      expectObservable(ends.down.pipe(map((f) => (f as Frame<"TextFrame">).text))).toBe("-x-#", { x: "a1" });
      const other = hot("-a-b-|", values);
      const fromBelow = hot("------", values);
      const ends2 = pipeline("p", [suffix("1"), suffix("2")]).link({ down: other, up: fromBelow });
      expectObservable(ends2.down, "^--!").toBe("-x-", { x: { ...a, text: "a12" } });
      expectSubscriptions(other.subscriptions).toBe("^--!");
      expectSubscriptions(fromBelow.subscriptions).toBe("^--!");
    });
  });

  it("runs setup in order and cleanup in reverse, cleaning up every processor even if one fails", async () => {
    const calls: string[] = [];
    const p = (name: string, failCleanup = false): Processor =>
      processor(name, () => ({
        setup: () => void calls.push(`setup ${name}`),
        cleanup: () => {
          calls.push(`cleanup ${name}`);
          if (failCleanup) throw new Error(`${name} cleanup failed`);
        },
      }));
    const chain = pipeline("p", [p("1"), pipeline("inner", [p("2"), p("3", true)]), p("4")]);
    await chain.setup?.();
    await expect(chain.cleanup?.()).rejects.toThrow("3 cleanup failed");
    expect(calls).toEqual(["setup 1", "setup 2", "setup 3", "setup 4", "cleanup 4", "cleanup 3", "cleanup 2", "cleanup 1"]);
  });

  it("an ErrorFrame raised in a nested pipeline reaches the outer source", () => {
    const ids = counterIds();
    const err = createFrame(ids, "ErrorFrame", { error: "stt failed", fatal: false, processor: "stt" });
    const raising = processor("stt", (ports) => ({ down: tap(() => ports.pushUp(err)) }));
    const chain = pipeline("outer", [suffix("1"), pipeline("inner", [suffix("2"), raising])]);
    const down = new Subject<Frame>();
    const ends = chain.link({ down, up: NEVER });
    const ups: Frame[] = [];
    ends.up.subscribe((f) => ups.push(f));
    ends.down.subscribe();
    down.next(frame("TextFrame", { text: "hello" }));
    expect(ups).toEqual([err]);
  });
});
