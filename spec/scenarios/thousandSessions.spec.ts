// 1,000 sessions on the memory transport run side by side with no shared state: each
// gets back exactly its own frames, in order, and when they have ended every subscription
// and every timer they made has been released.

import { describe, expect, it } from "vitest";
import { asyncScheduler, Observable, timer, type SchedulerAction, type SchedulerLike } from "rxjs";
import { SessionRunner } from "../../lib/pipeline/runner.ts";
import { pipeline } from "../../lib/pipeline/pipeline.ts";
import { processor, type Processor } from "../../lib/pipeline/processor.ts";
import { createContext } from "../../lib/pipeline/context.ts";
import { echoProcessor } from "../../lib/processors/echo.ts";
import { lanes } from "../../lib/operators/lanes.ts";
import { createMemoryTransport } from "../../lib/transports/memory.ts";
import { audioFrame, counterIds, createFrame, type Frame } from "../../lib/frames/index.ts";

/** Counts live subscriptions made through it. */
function liveCounter() {
  let live = 0;
  return {
    get live() {
      return live;
    },
    track(): Processor {
      return processor("probe", () => ({
        down: (source) =>
          new Observable<Frame>((subscriber) => {
            live++;
            const sub = source.subscribe(subscriber);
            return () => {
              live--;
              sub.unsubscribe();
            };
          }),
      }));
    },
  };
}

/** A scheduler that counts actions scheduled and not yet run or cancelled. */
function countingScheduler(inner: SchedulerLike = asyncScheduler) {
  let pending = 0;
  const scheduler: SchedulerLike = {
    now: () => inner.now(),
    schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T) {
      pending++;
      let done = false;
      const finish = () => {
        if (!done) {
          done = true;
          pending--;
        }
      };
      const sub = inner.schedule(function (this: SchedulerAction<T>, s?: T) {
        finish();
        work.call(this, s);
      }, delay, state);
      sub.add(finish);
      return sub;
    },
  };
  return {
    scheduler,
    get pending() {
      return pending;
    },
  };
}

/** A processor with per-session state and a timer: counts text frames, tags them with its count. */
function statefulTagger(ctx: ReturnType<typeof createContext>): Processor {
  let count = 0;
  return processor("tagger", () => ({
    down: lanes({
      data: (f) => {
        if (f.type !== "TextFrame") return f;
        count++;
        // Async work on the session's scheduler, so each session also owns timers.
        return new Observable<Frame>((s) =>
          timer(1, ctx.scheduler).subscribe(() => {
            s.next(createFrame(ctx.ids, "TextFrame", { text: `${f.text}#${count}` }));
            s.complete();
          }),
        );
      },
    }),
  }));
}

describe("1,000 concurrent sessions", () => {
  it("run isolated and release every subscription and timer", async () => {
    const SESSIONS = 1000;
    const FRAMES = 5;
    const probes = liveCounter();
    const clock = countingScheduler();
    const runs: Promise<unknown>[] = [];
    const transports = [];

    for (let s = 0; s < SESSIONS; s++) {
      const ctx = createContext({ scheduler: clock.scheduler, session: { id: `s${s}`, transport: "memory" } });
      const transport = createMemoryTransport(counterIds(10_000_000));
      const chain = pipeline(`session-${s}`, [
        probes.track(),
        echoProcessor(ctx, { source: "input" }),
        statefulTagger(ctx),
        probes.track(),
      ]);
      const runner = new SessionRunner({ transport, pipeline: chain, ctx });
      runs.push(runner.run());
      transports.push({ s, transport, runner, ctx });
    }
    await new Promise((r) => setImmediate(r));
    expect(probes.live).toBe(SESSIONS * 2);

    const ids = counterIds();
    for (let i = 0; i < FRAMES; i++) {
      for (const { s, transport } of transports) {
        transport.client.send(createFrame(ids, "TextFrame", { text: `s${s}-f${i}` }));
        transport.client.send(audioFrame(ids, "InputAudioRawFrame", new Uint8Array([s & 0xff, i, 0, 0]), 16000));
      }
    }
    for (const { runner } of transports) runner.end();
    const results = await Promise.all(runs);

    expect(results.every((r) => (r as { reason: string }).reason === "end")).toBe(true);
    for (const { s, transport } of transports) {
      const texts = transport.client.received.filter((f) => f.type === "TextFrame").map((f) => (f as Frame<"TextFrame">).text);
      expect(texts).toEqual(Array.from({ length: FRAMES }, (_, i) => `s${s}-f${i}#${i + 1}`));
      const echoed = transport.client.received.filter((f) => f.type === "OutputAudioRawFrame");
      expect(echoed.map((f) => (f as Frame<"OutputAudioRawFrame">).audio[0])).toEqual(Array(FRAMES).fill(s & 0xff));
      expect(transport.client.closed).toBe(true);
    }
    expect(probes.live).toBe(0);
    expect(clock.pending).toBe(0);
  });
});
