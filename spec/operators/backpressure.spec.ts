// backpressure(): input is bounded; past capacity the named policy applies; system frames
// are never dropped.

import { describe, expect, it } from "vitest";
import { mergeMap, of, Subject } from "rxjs";
import {
  backpressure,
  BackpressureOverflowError,
  createBackpressureStats,
} from "../../lib/operators/backpressure.ts";
import type { Frame } from "../../lib/frames/index.ts";
import { frame, testScheduler, text } from "../support/marbles.ts";

const a = text("a");
const b = text("b");
const c = text("c");
const d = text("d");
const e = text("e");
const s = frame("UserStartedSpeakingFrame", {});
const m = frame("InputAudioRawFrame", { audio: new Uint8Array(2), sample_rate: 16000, num_channels: 1, num_frames: 1 });
const values: Record<string, Frame> = { a, b, c, d, e, s, m };
const gate = { t: true, f: false };

describe("backpressure", () => {
  it("passes frames straight through while the consumer is ready", () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot("-a-b-c-|", values);
      expectObservable(source.pipe(backpressure({ capacity: 2 }))).toBe("-a-b-c-|", values);
      expectSubscriptions(source.subscriptions).toBe("^------!");
    });
  });

  it("propagates errors, empty and never", () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold("-a-#", values).pipe(backpressure())).toBe("-a-#", values);
      expectObservable(cold<Frame>("|").pipe(backpressure())).toBe("|");
      expectObservable(cold<Frame>("-").pipe(backpressure())).toBe("-");
    });
  });

  it("queues while not ready and drains in order when ready", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const source = hot("-a-b-c---------|", values);
      const ready = hot(" f-------t-------", gate);
      const expected = "  --------(abc)--|";
      expectObservable(source.pipe(backpressure({ ready$: ready }))).toBe(expected, values);
    });
  });

  it("completes only after the queue has drained", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const source = hot("-a-|", values);
      const ready = hot(" f----t", gate);
      expectObservable(source.pipe(backpressure({ ready$: ready }))).toBe("-----(a|)", values);
    });
  });

  it("drop_oldest drops the oldest non-system frames and counts them", () => {
    const stats = createBackpressureStats();
    const dropped: string[] = [];
    testScheduler().run(({ hot, expectObservable }) => {
      const source = hot("-a-s-b-c-d----|", values);
      const ready = hot(" f---------t----", gate);
      // capacity 2: at b the queue [a,s] is full → a dropped; at c → b dropped (s is system); at d → c dropped.
      const expected = "  ----------(sd)|";
      const result = source.pipe(
        backpressure({
          capacity: 2,
          overflow: "drop_oldest",
          ready$: ready,
          stats,
          onDrop: (f) => dropped.push((f as { text: string }).text),
        }),
      );
      expectObservable(result).toBe(expected, values);
    });
    expect(dropped).toEqual(["a", "b", "c"]);
    expect(stats.dropped).toBe(3);
    expect(stats.highWater).toBe(2);
  });

  it("drops stale input audio like data frames", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const source = hot("-m-a-m-s-m------|", values);
      const ready = hot(" f---------t------", gate);
      // capacity 2: the first m goes when the second arrives, then a when the third does;
      // s is queued past capacity rather than dropped.
      expectObservable(source.pipe(backpressure({ capacity: 2, overflow: "drop_oldest", ready$: ready }))).toBe(
        "----------(msm)-|",
        values,
      );
    });
  });

  it("never drops other system frames, even past capacity", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const source = hot("-s-s-s-----|", values);
      const ready = hot(" f-----t-----", gate);
      expectObservable(source.pipe(backpressure({ capacity: 1, overflow: "drop_oldest", ready$: ready }))).toBe(
        "------(sss)|",
        values,
      );
    });
  });

  it("error fails the stream when the queue overflows", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const source = hot("-a-b-c-|", values);
      const ready = hot(" f-------", gate);
      expectObservable(source.pipe(backpressure({ capacity: 2, overflow: "error", ready$: ready }))).toBe(
        "-----#",
        values,
        new BackpressureOverflowError(2),
      );
    });
  });

  it("pause asks the source to stop reading at capacity and to resume at half", () => {
    const stats = createBackpressureStats();
    const calls: string[] = [];
    testScheduler().run(({ hot, expectObservable, flush }) => {
      const source = hot("-a-b-c-d-e------|", values);
      const ready = hot(" f--------t----", gate);
      const result = source.pipe(
        backpressure({
          capacity: 4,
          overflow: "pause",
          ready$: ready,
          stats,
          pause: () => calls.push("pause"),
          resume: () => calls.push("resume"),
        }),
      );
      // Nothing is lost: the frame that arrives after the pause request is still queued.
      expectObservable(result).toBe("---------(abcde)|", values);
      flush();
    });
    expect(calls).toEqual(["pause", "resume"]);
    expect(stats).toMatchObject({ depth: 0, highWater: 5, dropped: 0, pauses: 1, paused: false });
  });

  it("releases the queue on early unsubscribe", () => {
    const stats = createBackpressureStats();
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot("-a-b-c-|", values);
      const ready = hot(" f-------", gate);
      expectObservable(source.pipe(backpressure({ ready$: ready, stats })), "^----!").toBe("-", values);
      expectSubscriptions(source.subscriptions).toBe("^----!");
      expectSubscriptions(ready.subscriptions).toBe("^----!");
    });
    expect(stats.depth).toBe(0);
  });

  it("does not break unsubscription chains", () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot("-a-b-c-|", values);
      const result = source.pipe(
        mergeMap((f) => of(f)),
        backpressure({ capacity: 2 }),
        mergeMap((f) => of(f)),
      );
      expectObservable(result, "^--!").toBe("-a-", values);
      expectSubscriptions(source.subscriptions).toBe("^--!");
    });
  });

  it("keeps order when a frame arrives re-entrantly during a drain", () => {
    const source = new Subject<Frame>();
    const ready = new Subject<boolean>();
    const out: string[] = [];
    source.pipe(backpressure({ ready$: ready })).subscribe((f) => {
      const t = (f as { text: string }).text;
      out.push(t);
      if (t === "a") source.next(e); // arrives while b and c are still queued
    });
    ready.next(false);
    source.next(a);
    source.next(b);
    source.next(c);
    ready.next(true);
    expect(out).toEqual(["a", "b", "c", "e"]);
  });
});
