// Flags of the scale-out bench (spec/bench/scaleOut.ts):
//
//   --sessions 200          sessions per mode (offer on B, offer on A)
//   --concurrency 10        sessions being set up at once
//   --hold-ms 300           how long each session stays connected before it hangs up
//   --rounds 4              the modes alternate in this many rounds (B,A then A,B …) so both
//                           see the same machine; Redis is read between batches
//   --quiet-sessions 50     sessions kept up during the quiet stretch (half offered to each instance)
//   --quiet-secs 5          length of the quiet stretch
//   --ready-every-ms 1000   a balancer's readiness probe: GET /ready on each instance this often
//                           during the quiet stretch (0: none)
//   --redis-url redis://127.0.0.1:6379
//   --no-pin                do not pin instance A to core 0 and B to core 1

import { parseArgs } from "node:util";

export interface ScaleOptions {
  readonly sessions: number;
  readonly concurrency: number;
  readonly holdMs: number;
  readonly rounds: number;
  readonly quietSessions: number;
  readonly quietSecs: number;
  readonly readyEveryMs: number;
  readonly redisUrl: string;
  readonly pin: boolean;
}

export function scaleOptions(argv: readonly string[] = process.argv.slice(2)): ScaleOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      sessions: { type: "string" },
      concurrency: { type: "string" },
      "hold-ms": { type: "string" },
      rounds: { type: "string" },
      "quiet-sessions": { type: "string" },
      "quiet-secs": { type: "string" },
      "ready-every-ms": { type: "string" },
      "redis-url": { type: "string" },
      "no-pin": { type: "boolean" },
    },
    strict: true,
  });
  const num = (flag: keyof typeof values, fallback: number, min: number, whole = true): number => {
    const raw = values[flag];
    if (typeof raw !== "string") return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || (whole && !Number.isInteger(n))) {
      throw new Error(`--${flag} must be a ${whole ? "whole " : ""}number ≥ ${min}, got ${JSON.stringify(raw)}`);
    }
    return n;
  };
  const sessions = num("sessions", 200, 1);
  return {
    sessions,
    concurrency: num("concurrency", 10, 1),
    holdMs: num("hold-ms", 300, 0),
    rounds: Math.min(sessions, num("rounds", 4, 1)),
    quietSessions: num("quiet-sessions", 50, 0),
    quietSecs: num("quiet-secs", 5, 0.5, false),
    readyEveryMs: num("ready-every-ms", 1000, 0),
    redisUrl: typeof values["redis-url"] === "string" ? values["redis-url"] : "redis://127.0.0.1:6379",
    pin: values["no-pin"] !== true,
  };
}
