// The server under test, in its own process (pinned to one core by the parent): the real
// serve() with the bench session stage, plus the measurements only the server can make.
//
//   node --expose-gc --import tsx spec/bench/load/serverChild.ts      (spawned by index.ts)
//
// Options come as JSON in BENCH_SERVER_OPTIONS: { baseURL, config, profileDir }.
// Over IPC it answers: window-start / window-end (CPU of the whole process from
// process.cpuUsage, event-loop delay from monitorEventLoopDelay at 1 ms resolution, inbound
// frame age from the input probe, GC pauses, run-queue wait), memory (after global.gc),
// http-trace (when each request to the stand-in went on the wire, httpTrace.ts), stop.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { join } from "node:path";
import { constants as perfConstants, monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram, type RecordableHistogram } from "node:perf_hooks";
import { parseConfig } from "../../../lib/config/load.ts";
import { serve } from "../../../lib/server/serve.ts";
import { sharedSileroBatcher, type SileroBatchStats } from "../../../lib/audio/vad/sileroBatch.ts";
import { benchStage, standInVoiceConfig } from "./benchStage.ts";
import { traceHttp } from "./httpTrace.ts";
import { frameAgeUs } from "./probes.ts";
import type { GcKindReport, MemoryReport, ServerCommand, ServerReply, WindowReport } from "./protocol.ts";
import { summarize, type Summary } from "./stats.ts";

interface ChildOptions {
  readonly baseURL: string;
  readonly config: Record<string, unknown>;
  /** Write a CPU profile of each measurement window here. */
  readonly profileDir?: string;
}

const options = JSON.parse(process.env["BENCH_SERVER_OPTIONS"] ?? "{}") as ChildOptions;
const reply = (message: ServerReply): void => {
  process.send?.(message);
};

// identity_filter: with explicit stages and no plugins the server would add echo, which would
// play the caller's microphone back over the bot.
const config = parseConfig({
  host: "127.0.0.1",
  port: 0,
  log_level: "error",
  plugins: ["identity_filter"],
  ...standInVoiceConfig(options.baseURL),
  ...options.config,
});
const server = await serve(config, {
  handleSignals: false,
  print: () => {},
  shutdownTimeoutMs: 2_000,
  stages: [benchStage(config)],
});

const http = traceHttp();

const ELD_RESOLUTION_MS = 1;
const eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
eld.enable();

// GC pauses, to tell an event-loop stall caused by the collector from one caused by other
// processes taking the core (see runQueueWaitNs).
let gcPauses: number[] = [];
let gcKinds: Record<string, GcKindReport> = {};
const GC_KIND_NAMES: Record<number, string> = {
  [perfConstants.NODE_PERFORMANCE_GC_MINOR]: "scavenge",
  [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: "mark-compact",
  [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
  [perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: "weak callbacks",
};
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcPauses.push(entry.duration);
    const kind = GC_KIND_NAMES[(entry as { detail?: { kind?: number } }).detail?.kind ?? -1] ?? "other";
    const k = (gcKinds[kind] ??= { count: 0, maxMs: 0, totalMs: 0 });
    k.count++;
    k.totalMs += entry.duration;
    k.maxMs = Math.max(k.maxMs, entry.duration);
  }
}).observe({ entryTypes: ["gc"] });

/** Percentiles in ms, less `offsetMs`, never below 0. */
function histogramSummary(h: IntervalHistogram | RecordableHistogram, unitMs: number, offsetMs = 0): Summary {
  if (h.count === 0) return { count: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const ms = (v: number): number => Math.max(0, v * unitMs - offsetMs);
  return { count: h.count, p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) };
}

/**
 * Nanoseconds the main thread has waited on a run queue (runnable, not running): time other
 * processes took from this core. From /proc/self/schedstat (Linux); 0 elsewhere.
 */
function runQueueWaitNs(): number {
  try {
    return Number(readFileSync("/proc/self/schedstat", "utf8").split(" ")[1] ?? 0);
  } catch {
    return 0;
  }
}

// The server's Silero batcher (loaded by the first session's setup; the warm-up has run by the
// first window): windows run, skipped by the volume gate, replayed for warm-up, batches.
const silero = await sharedSileroBatcher();
let windowStart = { wall: performance.now(), cpu: process.cpuUsage(), waitNs: runQueueWaitNs(), silero: silero.stats };
let windowNo = 0;

// Profiles cover the measurement window only (not start-up or warm-up): the inspector's
// sampling profiler, started and stopped with the window.
const inspector = options.profileDir ? new Session() : undefined;
inspector?.connect();
const post = (method: string, params?: object): Promise<unknown> =>
  new Promise((resolve, reject) => inspector!.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));

async function startProfile(): Promise<void> {
  if (!inspector) return;
  await post("Profiler.enable");
  // BENCH_PROF_INTERVAL_US: finer sampling to split a single session's short legs (default 500 µs).
  await post("Profiler.setSamplingInterval", { interval: Number(process.env.BENCH_PROF_INTERVAL_US ?? 500) });
  await post("Profiler.start");
  // Allocations by call stack over the window, collected ones included: what feeds the GC.
  // BENCH_PROF_KEEP=promoted leaves out what scavenges collected (what reaches old space);
  // BENCH_PROF_KEEP=live leaves out everything collected (what is alive at the end of the window).
  const keep = process.env.BENCH_PROF_KEEP;
  await post("HeapProfiler.enable");
  await post("HeapProfiler.startSampling", { samplingInterval: 16384, includeObjectsCollectedByMajorGC: keep === undefined || keep === "promoted", includeObjectsCollectedByMinorGC: keep === undefined });
}

async function stopProfile(sessions: number): Promise<void> {
  if (!inspector || !options.profileDir) return;
  const { profile } = (await post("Profiler.stop")) as { profile: unknown };
  const name = `server-window${windowNo}-${sessions}sessions`;
  mkdirSync(options.profileDir, { recursive: true });
  writeFileSync(join(options.profileDir, `${name}.cpuprofile`), JSON.stringify(profile));
  const { profile: allocations } = (await post("HeapProfiler.stopSampling")) as { profile: unknown };
  writeFileSync(join(options.profileDir, `${name}.heapprofile`), JSON.stringify(allocations));
}

function startWindow(): void {
  windowNo++;
  gcPauses = [];
  gcKinds = {};
  eld.reset();
  frameAgeUs.reset();
  windowStart = { wall: performance.now(), cpu: process.cpuUsage(), waitNs: runQueueWaitNs(), silero: silero.stats };
}

function endWindow(): WindowReport {
  const wallMs = performance.now() - windowStart.wall;
  const cpu = process.cpuUsage(windowStart.cpu);
  return {
    wallMs,
    cpuPct: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
    runQueuePct: ((runQueueWaitNs() - windowStart.waitNs) / 1e6 / wallMs) * 100,
    silero: statsSince(windowStart.silero, silero.stats),
    // The histogram holds the time between two 1 ms ticks: the delay is what exceeds 1 ms.
    eld: histogramSummary(eld, 1e-6, ELD_RESOLUTION_MS),
    frameAge: histogramSummary(frameAgeUs, 1e-3),
    gcPause: summarize(gcPauses),
    gcTotalMs: gcPauses.reduce((a, b) => a + b, 0),
    gcKinds,
    sessions: server.sessions.size,
  };
}

function statsSince(before: SileroBatchStats, now: SileroBatchStats): WindowReport["silero"] {
  return {
    windows: now.windows - before.windows,
    skipped: now.skipped - before.skipped,
    warmUps: now.warmUps - before.warmUps,
    batches: now.batches - before.batches,
    inferenceMs: now.inferenceMs - before.inferenceMs,
  };
}

async function memory(): Promise<MemoryReport> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("the server child needs --expose-gc");
  for (let i = 0; i < 2; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, sessions: server.sessions.size };
}

process.on("message", (raw: unknown) => {
  const command = raw as ServerCommand;
  void (async () => {
    try {
      switch (command.cmd) {
        case "window-start":
          await startProfile();
          startWindow();
          reply({ type: "window", id: command.id, report: endWindow() });
          return;
        case "window-end": {
          const report = endWindow();
          await stopProfile(report.sessions);
          reply({ type: "window", id: command.id, report });
          return;
        }
        case "memory":
          reply({ type: "memory", id: command.id, report: await memory() });
          return;
        case "http-trace":
          reply({ type: "http-trace", id: command.id, ...http.take() });
          return;
        case "stop":
          eld.disable();
          await server.close();
          reply({ type: "stopped", id: command.id });
          process.disconnect?.();
          return;
      }
    } catch (error) {
      reply({ type: "error", message: error instanceof Error ? error.stack ?? error.message : String(error) });
    }
  })();
});

process.on("disconnect", () => {
  void server.close().then(() => process.exit(0));
});

reply({ type: "ready", url: server.url, pid: process.pid });
