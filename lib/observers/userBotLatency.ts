// userBotLatency: how long the user waits for an answer, from UserStoppedSpeakingFrame to
// the BotStartedSpeakingFrame the transport reports once the first bot audio is written.
//
// It passes every frame through and watches both directions: the user-turn frames travel
// downstream from the turn processor, BotStartedSpeaking travels upstream from the sink. Put
// it last in the session pipeline so it sees both. Time comes from the session scheduler, so
// marble tests measure virtual milliseconds.

import { tap, type MonoTypeOperatorFunction } from "rxjs";
import type { Frame } from "../frames/index.ts";
import type { ProcessorContext } from "../pipeline/context.ts";
import { processor, type Processor } from "../pipeline/processor.ts";

export const USER_BOT_LATENCY_METRIC = "voxray_user_bot_latency_seconds";

export function userBotLatencyObserver(ctx: ProcessorContext): Processor {
  let stoppedAt: number | null = null;
  const watch = (frame: Frame): void => {
    switch (frame.type) {
      case "UserStoppedSpeakingFrame":
        stoppedAt = ctx.scheduler.now();
        return;
      case "UserStartedSpeakingFrame":
        // The user spoke again before any answer: the next stop starts a new wait.
        stoppedAt = null;
        return;
      case "BotStartedSpeakingFrame":
        if (stoppedAt !== null) {
          const ms = ctx.scheduler.now() - stoppedAt;
          stoppedAt = null;
          ctx.metrics.observe(USER_BOT_LATENCY_METRIC, ms / 1000);
          ctx.log.debug({ event: "user_bot_latency", ms }, "user to bot latency");
        }
        return;
      default:
        return;
    }
  };
  const observe: MonoTypeOperatorFunction<Frame> = tap(watch);
  return processor("user_bot_latency", () => ({ down: observe, up: observe }));
}
