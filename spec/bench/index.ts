// `npm run bench`: sessions per core, latency under load, barge-in and memory, against the real
// server in a child process. See README.md ("Load table") for how to read the table.
//
//   core 0: the server child (serverChild.ts: serve() + the voice session stage + probes)
//   core 1: this process (the callers: real-time 16 kHz speech over loopback WebSocket,
//           protobuf by default) and the OpenAI stand-in child (fixed STT/LLM/TTS latencies)
//
// Phases: warm-up (one caller, loads Silero) → memory per idle session (N sockets, no audio)
// → concurrency levels, each ramped in, settled and measured over a window → the table.
// The run stops at the first level that breaks a limit: server CPU > 70 % of its core,
// event-loop delay p99 > 10 ms, or failures (a dropped session or an unanswered turn).
// It exits non-zero only when the harness itself fails; the figures are informational.

import { cpus, totalmem } from "node:os";
import { writeFileSync } from "node:fs";
import { Caller } from "./load/caller.ts";
import { canPin, pinSelf, spawnChild, type Child } from "./load/children.ts";
import { Collector } from "./load/collector.ts";
import { benchOptions, OptionsError, type BenchOptions } from "./load/options.ts";
import type { MemoryReport, ServerReply, StandInReply, WindowReport } from "./load/protocol.ts";
import { loadUtterances, noiseFloor, type Utterance } from "./load/speech.ts";
import { fmt, kib, summarize } from "./load/stats.ts";
import { renderTable, type LevelRow } from "./load/table.ts";
import { LEGS, turnLegs } from "./load/turnLegs.ts";
import { checkProtobufEncoder } from "./load/wire.ts";
import { missingPrograms } from "../support/programs.ts";

const CPU_LIMIT_PCT = 70;
const ELD_P99_LIMIT_MS = 10;
/**
 * Above this the generator's frames leave late. Only a warning ("gen late" column): on a shared
 * machine other processes cause it as often as the generator's own load does.
 */
const GENERATOR_LATE_P99_LIMIT_MS = 10;
/** Above this the generator's own core is saturated: the rig, not the server, is the limit. */
const GENERATOR_CPU_LIMIT_PCT = 90;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** Small deterministic PRNG (mulberry32), so runs differ only by timing. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Rig {
  readonly opts: BenchOptions;
  readonly server: Child<ServerReply>;
  readonly standIn: Child<StandInReply>;
  readonly url: string;
  readonly utterances: readonly Utterance[];
  readonly noise: Int16Array;
  readonly collector: Collector;
  readonly callers: Caller[];
  readonly random: () => number;
  /** Level 1's turns split into legs (see turnLegs.ts). */
  legs?: ReturnType<typeof turnLegs>;
}

async function memory(rig: Rig): Promise<MemoryReport> {
  const reply = await rig.server.ask<Extract<ServerReply, { type: "memory" }>>({ cmd: "memory" });
  return reply.report;
}

async function window(rig: Rig, cmd: "window-start" | "window-end"): Promise<WindowReport> {
  const reply = await rig.server.ask<Extract<ServerReply, { type: "window" }>>({ cmd });
  return reply.report;
}

/** prom-client samples the loop every 10 ms (its default eventLoopMonitoringPrecision). */
const PROM_ELD_RESOLUTION_MS = 10;

/**
 * The server's own /metrics event-loop p99 since the last scrape (prom-client resets its
 * histogram on each scrape), in ms of delay: its histogram holds the time between two 10 ms
 * samples, so 10 ms are taken off.
 */
async function promEldP99(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(text);
  return match ? Math.max(0, Number(match[1]) * 1000 - PROM_ELD_RESOLUTION_MS) : Number.NaN;
}

function newCaller(rig: Rig): Caller {
  const { opts } = rig;
  return new Caller({
    url: rig.url.replace(/^http/, "ws"),
    format: opts.format,
    utterances: rig.utterances,
    noise: rig.noise,
    standInMs: opts.sttMs + opts.ttftMs + opts.ttsMs,
    bargeInRatio: opts.bargeInRatio,
    collector: rig.collector,
    random: rig.random,
  });
}

/** Adds callers up to `level`, spread evenly over the ramp, or hangs up the ones above it. */
async function rampTo(rig: Rig, level: number): Promise<void> {
  const add = level - rig.callers.length;
  if (add < 0) await Promise.all(rig.callers.splice(level).map((c) => c.close()));
  if (add <= 0) return;
  const spacingMs = add > 1 ? (rig.opts.rampSecs * 1000) / add : 0;
  const starts: Promise<void>[] = [];
  for (let i = 0; i < add; i++) {
    const caller = newCaller(rig);
    rig.callers.push(caller);
    starts.push(caller.start(3_000));
    if (spacingMs > 0) await sleep(spacingMs);
  }
  await Promise.all(starts);
}

async function idleMemory(rig: Rig): Promise<{ heap: number; rss: number; external: number }> {
  const WebSocket = (await import("ws")).default;
  const before = await memory(rig);
  const sockets: InstanceType<typeof WebSocket>[] = [];
  for (let i = 0; i < rig.opts.idleSessions; i++) {
    const ws = new WebSocket(`${rig.url.replace(/^http/, "ws")}/ws?format=${rig.opts.format}`, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    sockets.push(ws);
  }
  await sleep(1_000);
  const after = await memory(rig);
  if (after.sessions < rig.opts.idleSessions) throw new Error(`only ${after.sessions} of ${rig.opts.idleSessions} idle sessions are live in the server`);
  const n = rig.opts.idleSessions;
  await Promise.all(sockets.map((ws) => new Promise<void>((resolve) => (ws.once("close", () => resolve()), ws.close()))));
  for (let i = 0; i < 50 && (await memory(rig)).sessions > 0; i++) await sleep(100);
  return { heap: (after.heapUsed - before.heapUsed) / n, rss: (after.rss - before.rss) / n, external: (after.external - before.external) / n };
}

async function measureLevel(rig: Rig, level: number, base: MemoryReport): Promise<LevelRow> {
  const { opts, collector } = rig;
  const started = performance.now();
  await rampTo(rig, level);
  await sleep(opts.settleSecs * 1000);
  const windowMs = opts.windowSecs * 1000;

  await rig.standIn.ask({ cmd: "lateness" });
  await rig.standIn.ask({ cmd: "trace" });
  await promEldP99(rig.url);
  collector.reset();
  const genCpu = process.cpuUsage();
  const genWall = performance.now();
  await window(rig, "window-start");
  await sleep(windowMs);
  const report = await window(rig, "window-end");
  const eldPromP99 = await promEldP99(rig.url);
  const genCpuPct = (() => {
    const u = process.cpuUsage(genCpu);
    return ((u.user + u.system) / 1000 / (performance.now() - genWall)) * 100;
  })();
  for (const c of rig.callers) c.settleStale();
  const { lateness, cpuPct: standInCpuPct } = await rig.standIn.ask<Extract<StandInReply, { type: "lateness" }>>({ cmd: "lateness" });
  const mem = await memory(rig);
  const held = rig.callers.filter((c) => c.healthy).length;
  if (level === 1) {
    const { requests } = await rig.standIn.ask<Extract<StandInReply, { type: "trace" }>>({ cmd: "trace" });
    rig.legs = turnLegs(collector.turnRecords, requests);
  }

  const row: Omit<LevelRow, "broke"> = {
    level,
    held,
    serverSessions: report.sessions,
    cpuPct: report.cpuPct,
    runQueuePct: report.runQueuePct,
    eld: report.eld,
    eldPromP99,
    frameAge: report.frameAge,
    gcPause: report.gcPause,
    gcTotalMs: report.gcTotalMs,
    turnWire: summarize(collector.turnWire),
    turnServer: summarize(collector.turnServer),
    cutoffWire: summarize(collector.cutoffWire),
    cutoffServer: summarize(collector.cutoffServer),
    turns: collector.turns,
    failedTurns: collector.failedTurns,
    missedTurns: collector.missedTurns,
    droppedSessions: collector.droppedSessions,
    heapPerSession: (mem.heapUsed - base.heapUsed) / level,
    rssPerSession: (mem.rss - base.rss) / level,
    generatorLate: summarize(collector.sendLate),
    generatorCpuPct: genCpuPct,
    standInLateP99: Math.max(lateness.chat.p99, lateness.transcription.p99, lateness.speech.p99),
    standInCpuPct,
  };
  const broke = [
    row.cpuPct > CPU_LIMIT_PCT ? `CPU>${CPU_LIMIT_PCT}%` : "",
    row.eld.p99 > ELD_P99_LIMIT_MS ? `ELD p99>${ELD_P99_LIMIT_MS}ms` : "",
    row.failedTurns + row.droppedSessions > 0 || held < level ? "failures" : "",
    row.generatorCpuPct + row.standInCpuPct > GENERATOR_CPU_LIMIT_PCT ? "generator core saturated" : "",
  ]
    .filter(Boolean)
    .join(", ");
  log(
    `level ${level}: ${((performance.now() - started) / 1000).toFixed(0)} s, CPU ${fmt(row.cpuPct, 0)} %, ELD p99 ${fmt(row.eld.p99, 2)} ms, ` +
      `turn +${fmt(row.turnWire.p50)}/${fmt(row.turnWire.p99)} ms, ${row.turns} turns, ${row.failedTurns} failed, ` +
      `${row.missedTurns} missed, server run-queue wait ${fmt(row.runQueuePct, 1)} %, generator CPU ${fmt(genCpuPct, 0)} %, stand-in CPU ${fmt(standInCpuPct, 0)} %, late p99 ${fmt(row.standInLateP99)} ms${broke ? ` → ${broke}` : ""}`,
  );
  if (row.generatorLate.p99 > GENERATOR_LATE_P99_LIMIT_MS) {
    log(`  warning: generator frames left up to ${fmt(row.generatorLate.p99, 1)} ms late (p99): turn and age figures include that`);
  }
  return { ...row, broke };
}

async function main(): Promise<void> {
  const opts = benchOptions();
  const runStarted = performance.now();
  const cpuList = cpus();
  const pin = opts.pin && canPin(cpuList.length);
  if (pin) pinSelf(1);

  console.log("# Voxray load benchmark");
  console.log(`date ${new Date().toISOString()} · node ${process.version} · ${cpuList.length} × ${cpuList[0]?.model ?? "?"} · ${(totalmem() / 2 ** 30).toFixed(0)} GiB`);
  console.log(
    `server ${pin ? "pinned to core 0" : "NOT pinned"}, generator + stand-in ${pin ? "on core 1" : "unpinned"} · wire ${opts.format} · ` +
      `stand-in STT ${opts.sttMs} / LLM first token ${opts.ttftMs} / TTS first audio ${opts.ttsMs} ms · turn_stop_secs ${opts.turnStopSecs} · ` +
      `barge-in ${Math.round(opts.bargeInRatio * 100)} % of answers · window ${opts.windowSecs} s · ` +
      `service clients ${opts.sharedServices ? "shared by all sessions" : "per session (as the server builds them)"}`,
  );

  const missing = missingPrograms({ flite: "flite", sox: "sox" });
  if (missing) throw new Error(`the load benchmark ${missing}`);
  checkProtobufEncoder();
  const utterances = await loadUtterances();

  const standIn = spawnChild<StandInReply>({
    module: "./standinChild.ts",
    env: {
      BENCH_STANDIN_OPTIONS: JSON.stringify({
        sttMs: opts.sttMs,
        ttftMs: opts.ttftMs,
        ttsFirstByteMs: opts.ttsMs,
        interTokenMs: opts.interTokenMs,
        ttsChunkIntervalMs: opts.ttsChunkMs,
      }),
    },
    ...(pin ? { core: 1 } : {}),
  });
  const { baseURL } = await standIn.first<Extract<StandInReply, { type: "ready" }>>("ready");
  const server = spawnChild<ServerReply>({
    module: "./serverChild.ts",
    exposeGc: true,
    env: {
      BENCH_SERVER_OPTIONS: JSON.stringify({
        baseURL,
        sharedServices: opts.sharedServices,
        ...(opts.serverProfDir ? { profileDir: opts.serverProfDir } : {}),
        config: { turn_stop_secs: opts.turnStopSecs, ws_session_timeout_secs: 0 },
      }),
    },
    ...(pin ? { core: 0 } : {}),
  });
  const { url } = await server.first<Extract<ServerReply, { type: "ready" }>>("ready");
  const rig: Rig = { opts, server, standIn, url, utterances, noise: noiseFloor(), collector: new Collector(), callers: [], random: prng(0x5eed) };

  const rows: LevelRow[] = [];
  let idle = { heap: Number.NaN, rss: Number.NaN, external: Number.NaN };
  try {
    log("warm-up: 5 callers for 10 s (loads the Silero model, runs every code path once)");
    await promEldP99(rig.url);
    const warm = Array.from({ length: 5 }, () => newCaller(rig));
    await Promise.all(warm.map((c) => c.start(1_000)));
    await sleep(10_000);
    await Promise.all(warm.map((c) => c.close()));
    for (let i = 0; i < 50 && (await memory(rig)).sessions > 0; i++) await sleep(100);

    if (opts.idleSessions > 0) {
      idle = await idleMemory(rig);
      log(`idle sessions: heap ${kib(idle.heap)} KiB, RSS ${kib(idle.rss)} KiB, external ${kib(idle.external)} KiB per session`);
    }
    const base = await memory(rig);

    const fits = (level: number): boolean => {
      const elapsed = (performance.now() - runStarted) / 1000;
      if (elapsed + opts.rampSecs + opts.settleSecs + opts.windowSecs + 5 <= opts.budgetSecs) return true;
      log(`not measuring ${level} sessions: the run would pass its ${opts.budgetSecs} s budget`);
      return false;
    };
    let good = 0;
    let broken = 0;
    for (const level of opts.levels) {
      if (!fits(level)) break;
      const row = await measureLevel(rig, level, base);
      rows.push(row);
      if (row.broke) {
        broken = level;
        break;
      }
      good = level;
    }
    // Between the last level that held and the first that broke: halve the gap a few times.
    for (let step = 0; step < opts.bisect && broken > 0 && good > 0; step++) {
      const level = Math.round((good + broken) / 2);
      if (level === good || level === broken || !fits(level)) break;
      const row = await measureLevel(rig, level, base);
      rows.push(row);
      if (row.broke) broken = level;
      else good = level;
    }
    rows.sort((a, b) => a.level - b.level);
  } finally {
    await Promise.all(rig.callers.map((c) => c.close()));
    await server.ask({ cmd: "stop" }, 15_000).catch(() => server.process.kill());
    await standIn.ask({ cmd: "stop" }, 15_000).catch(() => standIn.process.kill());
  }

  console.log("");
  console.log(renderTable(rows));
  console.log("");
  console.log(
    `memory per idle session (${opts.idleSessions} open sockets, no audio, after gc): heap ${kib(idle.heap)} KiB, ` +
      `RSS ${kib(idle.rss)} KiB, external ${kib(idle.external)} KiB`,
  );
  for (const r of rows) {
    console.log(
      `${r.level} sessions: ELD max ${fmt(r.eld.max, 1)} ms (prom p99 ${fmt(r.eldPromP99, 1)} ms) · GC ${r.gcPause.count} pauses, ` +
        `max ${fmt(r.gcPause.max, 1)} ms, ${fmt((r.gcTotalMs / (opts.windowSecs * 1000)) * 100, 1)} % of the window · frame age p50/p99/max ` +
        `${fmt(r.frameAge.p50, 2)}/${fmt(r.frameAge.p99, 2)}/${fmt(r.frameAge.max, 1)} ms · server-side barge-in ` +
        `(decision → transport) p50/p99 ${fmt(r.cutoffServer.p50, 2)}/${fmt(r.cutoffServer.p99, 2)} ms · missed turns ${r.missedTurns} · ` +
        `generator CPU ${fmt(r.generatorCpuPct, 0)} %, send lateness p50/p99 ${fmt(r.generatorLate.p50, 1)}/${fmt(r.generatorLate.p99, 1)} ms · ` +
        `stand-in CPU ${fmt(r.standInCpuPct, 0)} %, first-byte lateness p99 ${fmt(r.standInLateP99, 1)} ms · ` +
        `server run-queue wait ${fmt(r.runQueuePct, 1)} % of the window`,
    );
  }
  if (rig.legs) {
    console.log("");
    console.log(`where a turn's time goes, 1 session, median (p99) over ${rig.legs.matched} turns, ms:`);
    for (const [i, [leg, what]] of LEGS.entries()) {
      const s = rig.legs.legs[i]!;
      console.log(`  ${leg.padEnd(48)} ${fmt(s.p50).padStart(6)} (${fmt(s.p99)})   ${what}`);
    }
  }
  const best = [...rows].reverse().find((r) => !r.broke);
  console.log("");
  console.log(
    best
      ? `held ${best.level} real-time sessions on ${pin ? "one pinned core" : "this machine"} within every limit ` +
          `(CPU ≤ ${CPU_LIMIT_PCT} %, ELD p99 ≤ ${ELD_P99_LIMIT_MS} ms, no failures)`
      : "no level held within the limits",
  );
  console.log(`total ${((performance.now() - runStarted) / 1000).toFixed(0)} s`);
  if (opts.json) writeFileSync(opts.json, JSON.stringify({ date: new Date().toISOString(), node: process.version, opts, idle, rows, legs: rig.legs }, null, 2));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof OptionsError) log(`bench: ${error.message}`);
    else log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
