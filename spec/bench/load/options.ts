// Flags (and BENCH_* environment variables) of `npm run bench`. A flag wins over its variable.
//
//   --levels 1,50,100,200     concurrency levels, in order (default 1,50,100, then +100 up to 1000;
//                             the run stops at the first level that breaks a limit)
//   --window-secs 40          measurement window per level
//   --bisect 2                after a level breaks, measure halfway to the last one that held, this often
//   --ramp-secs 10            new sessions of a level are spread over this long
//   --settle-secs 5           wait after the ramp before measuring
//   --budget-secs 540         no new level starts when its end would pass this (whole run < 10 min)
//   --format protobuf|json    wire format of the callers (default protobuf)
//   --barge-in 0.3            share of bot answers the caller interrupts
//   --idle-sessions 300       sessions opened (no audio) to measure memory per idle session
//   --stt-ms 100 --ttft-ms 150 --tts-ms 80 --inter-token-ms 20 --tts-chunk-ms 20   stand-in latencies
//   --turn-stop-secs 0.2      silence that ends a user turn (server config turn_stop_secs)
//   --no-pin                  do not pin the server to core 0 and the generator to core 1
//   --json FILE               also write every figure as JSON
//   --server-prof DIR         write a CPU profile and an allocation profile of the server over each measurement window to DIR
//   --server-node-flags=…     node flags for the server after those `voxray serve` picks for one core
//                             (lib/server/nodeFlags.ts; VOXRAY_NODE_FLAGS= turns those off), e.g. "--max-semi-space-size=32"

import { parseArgs } from "node:util";
import type { WireFormat } from "./wire.ts";

export interface BenchOptions {
  readonly levels: readonly number[];
  readonly windowSecs: number;
  readonly bisect: number;
  readonly rampSecs: number;
  readonly settleSecs: number;
  readonly budgetSecs: number;
  readonly format: WireFormat;
  readonly bargeInRatio: number;
  readonly idleSessions: number;
  readonly sttMs: number;
  readonly ttftMs: number;
  readonly ttsMs: number;
  readonly interTokenMs: number;
  readonly ttsChunkMs: number;
  readonly turnStopSecs: number;
  readonly pin: boolean;
  readonly json: string | undefined;
  readonly serverProfDir: string | undefined;
  readonly serverNodeFlags: readonly string[];
}

const DEFAULT_LEVELS = [1, 50, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000];

export class OptionsError extends Error {}

export function benchOptions(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      levels: { type: "string" },
      "window-secs": { type: "string" },
      bisect: { type: "string" },
      "ramp-secs": { type: "string" },
      "settle-secs": { type: "string" },
      "budget-secs": { type: "string" },
      format: { type: "string" },
      "barge-in": { type: "string" },
      "idle-sessions": { type: "string" },
      "stt-ms": { type: "string" },
      "ttft-ms": { type: "string" },
      "tts-ms": { type: "string" },
      "inter-token-ms": { type: "string" },
      "tts-chunk-ms": { type: "string" },
      "turn-stop-secs": { type: "string" },
      "no-pin": { type: "boolean" },
      json: { type: "string" },
      "server-prof": { type: "string" },
      "server-node-flags": { type: "string" },
    },
    strict: true,
  });
  const pick = (flag: keyof typeof values, variable: string): string | undefined => {
    const v = values[flag];
    return typeof v === "string" ? v : env[variable];
  };
  const num = (flag: keyof typeof values, variable: string, fallback: number, min = 0): number => {
    const raw = pick(flag, variable);
    if (raw === undefined || raw === "") return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min) throw new OptionsError(`--${flag} (${variable}) must be a number ≥ ${min}, got ${JSON.stringify(raw)}`);
    return n;
  };
  const levelsRaw = pick("levels", "BENCH_LEVELS");
  const levels = levelsRaw ? levelsRaw.split(",").map((s) => Number(s.trim())) : DEFAULT_LEVELS;
  if (levels.length === 0 || levels.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new OptionsError(`--levels (BENCH_LEVELS) must be whole numbers ≥ 1, got ${JSON.stringify(levelsRaw)}`);
  }
  const format = (pick("format", "BENCH_FORMAT") ?? "protobuf").toLowerCase();
  if (format !== "protobuf" && format !== "json") throw new OptionsError(`--format must be protobuf or json, got ${JSON.stringify(format)}`);
  return {
    levels: [...levels].sort((a, b) => a - b),
    windowSecs: num("window-secs", "BENCH_WINDOW_SECS", 40, 1),
    bisect: Math.round(num("bisect", "BENCH_BISECT", 2)),
    rampSecs: num("ramp-secs", "BENCH_RAMP_SECS", 10),
    settleSecs: num("settle-secs", "BENCH_SETTLE_SECS", 5),
    budgetSecs: num("budget-secs", "BENCH_BUDGET_SECS", 540, 10),
    format,
    bargeInRatio: Math.min(1, num("barge-in", "BENCH_BARGE_IN", 0.3)),
    idleSessions: Math.round(num("idle-sessions", "BENCH_IDLE_SESSIONS", 300)),
    sttMs: num("stt-ms", "BENCH_STT_MS", 100),
    ttftMs: num("ttft-ms", "BENCH_TTFT_MS", 150),
    ttsMs: num("tts-ms", "BENCH_TTS_MS", 80),
    interTokenMs: num("inter-token-ms", "BENCH_INTER_TOKEN_MS", 20),
    ttsChunkMs: num("tts-chunk-ms", "BENCH_TTS_CHUNK_MS", 20),
    turnStopSecs: num("turn-stop-secs", "BENCH_TURN_STOP_SECS", 0.2),
    pin: values["no-pin"] !== true && env["BENCH_NO_PIN"] !== "1",
    json: pick("json", "BENCH_JSON"),
    serverProfDir: pick("server-prof", "BENCH_SERVER_PROF"),
    serverNodeFlags: (pick("server-node-flags", "BENCH_SERVER_NODE_FLAGS") ?? "").split(/\s+/).filter(Boolean),
  };
}
