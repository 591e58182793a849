// parallelPipeline(): frames multicast to every branch, merged back once per frame id;
// lifecycle frames held at a barrier until every branch has passed them.

import { describe, expect, it } from "vitest";
import { delay, filter, map, mergeMap, NEVER, of, Subject, tap } from "rxjs";
import { parallelPipeline } from "../../lib/pipeline/parallel.ts";
import { processor, type Processor } from "../../lib/pipeline/processor.ts";
import { serviceSwitcher } from "../../lib/pipeline/serviceSwitcher.ts";
import { isLifecycleFrame, type Frame } from "../../lib/frames/index.ts";
import { frame, testScheduler, text } from "../support/marbles.ts";

const S = frame("StartFrame", {
  audio_in_sample_rate: 16000,
  audio_out_sample_rate: 24000,
  allow_interruptions: true,
  enable_metrics: false,
  enable_usage_metrics: false,
});
const E = frame("EndFrame", {});
const a = text("a");
const x = text("x");
const y = text("y");
const values = { S, E, a, x, y };

describe("parallelPipeline", () => {
  it("emits a frame passed by several branches once, and lifecycle frames once every branch passed them", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const source = hot("-S-a-E-|", values);
      // Branch 2 delays lifecycle frames by 3 frames (a slow drain).
      const slow = processor("slow", () => ({
        down: mergeMap((f: Frame) => (isLifecycleFrame(f) ? of(f).pipe(delay(3)) : of(f))),
      }));
      const fast = processor("fast", () => ({}));
      const ends = parallelPipeline("par", [fast, slow]).link({ down: source, up: NEVER });
      expectObservable(ends.down).toBe("---aS---(E|)", values);
    });
  });

  it("merges what each branch produces", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const source = hot("-a----|", values);
      const toX = processor("x", () => ({ down: map((f: Frame) => (f === a ? x : f)) }));
      const toY = processor("y", () => ({ down: map((f: Frame) => (f === a ? y : f)) }));
      const ends = parallelPipeline("par", [toX, toY]).link({ down: source, up: NEVER });
      expectObservable(ends.down).toBe("-(xy)-|", values);
    });
  });

  it("does not emit a lifecycle frame that a branch swallowed", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const source = hot("-S-a-|", values);
      const swallow = processor("swallow", () => ({ down: filter((f: Frame) => f.type !== "StartFrame") }));
      const ends = parallelPipeline("par", [processor("pass", () => ({})), swallow]).link({ down: source, up: NEVER });
      expectObservable(ends.down).toBe("---a-|", values);
    });
  });

  it("passes upstream frames from any branch, once", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const fromBelow = hot("--y--", values);
      const raise = processor("raise", (ports) => ({ down: tap((f: Frame) => f === a && ports.pushUp(x)) }));
      const ends = parallelPipeline("par", [raise, processor("pass", () => ({}))]).link({
        down: hot("-a--|", values),
        up: fromBelow,
      });
      expectObservable(ends.up).toBe("-xy--", values);
      expectObservable(ends.down).toBe("-a--|", values);
    });
  });

  it("runs setup and cleanup of every branch", async () => {
    const calls: string[] = [];
    const p = (n: string): Processor =>
      processor(n, () => ({ setup: () => void calls.push(`setup ${n}`), cleanup: () => void calls.push(`cleanup ${n}`) }));
    const par = parallelPipeline("par", [p("1"), p("2")]);
    await par.setup?.();
    await par.cleanup?.();
    expect(calls).toEqual(["setup 1", "setup 2", "cleanup 1", "cleanup 2"]);
  });
});

describe("serviceSwitcher", () => {
  const service = (name: string): Processor =>
    processor(name, () => ({ down: map((f: Frame) => (f.type === "TextFrame" ? text(`${name}:${f.text}`) : f)) }));

  it("routes frames to the active service and switches on the next frame", () => {
    const switcher = serviceSwitcher("stt", [service("one"), service("two")]);
    const down = new Subject<Frame>();
    const ends = switcher.link({ down, up: NEVER });
    const out: string[] = [];
    ends.up.subscribe();
    ends.down.subscribe((f) => out.push(f.type === "TextFrame" ? f.text : f.type));
    down.next(S);
    down.next(text("a"));
    switcher.switchTo("two");
    down.next(text("b"));
    down.next(frame("ManuallySwitchServiceFrame", { service_name: "one" }));
    down.next(text("c"));
    down.next(E);
    expect(out).toEqual(["StartFrame", "one:a", "two:b", "one:c", "EndFrame"]);
    expect(switcher.active).toBe("one");
  });

  it("rejects unknown services and duplicate names", () => {
    const switcher = serviceSwitcher("llm", [service("one")]);
    expect(() => switcher.switchTo("three")).toThrow(/no service "three"/);
    expect(() => serviceSwitcher("llm", [service("one"), service("one")])).toThrow(/unique/);
    expect(() => serviceSwitcher("llm", [])).toThrow(/at least one/);
  });
});
