// userBotLatency: UserStoppedSpeaking (downstream) → BotStartedSpeaking (upstream), measured
// on the session scheduler, so virtual milliseconds in a marble test are exact.

import { Subject } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import { describe, expect, it } from "vitest";
import { counterIds, createFrame, type Frame } from "../../lib/frames/index.ts";
import { createContext, type SessionMetrics } from "../../lib/pipeline/context.ts";
import { userBotLatencyObserver, USER_BOT_LATENCY_METRIC } from "../../lib/observers/userBotLatency.ts";

function recorder(): SessionMetrics & { seen: [string, number][] } {
  const seen: [string, number][] = [];
  return { seen, inc() {}, set() {}, observe: (name, v) => void seen.push([name, v]) };
}

describe("userBotLatencyObserver", () => {
  it("observes the wait from the user's stop to the bot's first audio, in seconds", () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    const metrics = recorder();
    const ids = counterIds();
    scheduler.run(({ cold, expectObservable }) => {
      const ctx = createContext({ scheduler, metrics, ids });
      const stop = createFrame(ids, "UserStoppedSpeakingFrame", {});
      const start = createFrame(ids, "UserStartedSpeakingFrame", {});
      const bot = createFrame(ids, "BotStartedSpeakingFrame", {});
      //                     user stops at 10, bot starts at 730: 720 ms
      const down = cold<Frame>("10ms s 1s u 500ms s", { s: stop, u: start });
      const up = cold<Frame>("  730ms b 2s b", { b: bot });
      const ends = userBotLatencyObserver(ctx).link({ down, up });
      // Frames pass through unchanged in both directions.
      expectObservable(ends.down).toBe("10ms s 1s u 500ms s", { s: stop, u: start });
      expectObservable(ends.up).toBe("730ms b 2s b", { b: bot });
    });
    // Second bot start (2731 ms) follows the stop at 1512 ms: 1219 ms.
    expect(metrics.seen).toEqual([
      [USER_BOT_LATENCY_METRIC, 0.72],
      [USER_BOT_LATENCY_METRIC, 1.219],
    ]);
  });

  it("ignores bot speech with no user turn before it, and a turn the user resumed", () => {
    const metrics = recorder();
    const ids = counterIds();
    const ctx = createContext({ metrics, ids });
    const down = new Subject<Frame>();
    const up = new Subject<Frame>();
    const ends = userBotLatencyObserver(ctx).link({ down, up });
    ends.up.subscribe();
    ends.down.subscribe();
    up.next(createFrame(ids, "BotStartedSpeakingFrame", {}));
    down.next(createFrame(ids, "UserStoppedSpeakingFrame", {}));
    down.next(createFrame(ids, "UserStartedSpeakingFrame", {}));
    up.next(createFrame(ids, "BotStartedSpeakingFrame", {}));
    expect(metrics.seen).toEqual([]);
  });
});
