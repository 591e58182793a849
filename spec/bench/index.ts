// `npm run bench`: sessions per core, latency under load, barge-in and memory, against the real
// server in a child process. README.md ("How to read the table") says what each column means.
//
//   core 0: the server child (serverChild.ts: serve() + the voice session stage + probes)
//   core 1: this process (the callers: real-time 16 kHz speech over loopback WebSocket,
//           protobuf by default) and the OpenAI stand-in child (fixed STT/LLM/TTS latencies)
//
// Phases: warm-up (5 callers, loads Silero) → memory per idle session (N sockets, no audio)
// → concurrency levels, each ramped in, settled and measured over a window → the table.
// The run stops at the first level that breaks a limit: server CPU > 70 % of its core,
// event-loop delay p99 > 10 ms, or failures (a dropped session or an unanswered turn).
// It exits non-zero only when the harness itself fails; the figures are informational.

import { cpus, totalmem } from "node:os";
import { writeFileSync } from "node:fs";
import { serverNodeFlags } from "../../lib/server/nodeFlags.ts";
import { canPin, pinSelf, spawnChild } from "./load/children.ts";
import { Collector } from "./load/collector.ts";
import { CPU_LIMIT_PCT, ELD_P99_LIMIT_MS, measureLevel } from "./load/level.ts";
import { benchOptions, OptionsError } from "./load/options.ts";
import type { ServerReply, StandInReply } from "./load/protocol.ts";
import { idleMemory, log, memory, newCaller, prng, promEldP99, sleep, type Rig } from "./load/rig.ts";
import { loadUtterances, noiseFloor } from "./load/speech.ts";
import { fmt, kib } from "./load/stats.ts";
import { renderTable, type LevelRow } from "./load/table.ts";
import { LEGS } from "./load/turnLegs.ts";
import { checkProtobufEncoder } from "./load/wire.ts";
import { missingPrograms } from "../support/programs.ts";

async function main(): Promise<void> {
  const opts = benchOptions();
  const runStarted = performance.now();
  const cpuList = cpus();
  const pin = opts.pin && canPin(cpuList.length);
  if (pin) pinSelf(1);
  // What `voxray serve` would run under on the server's CPUs (one core when pinned), then --server-node-flags.
  const serverFlags = [...serverNodeFlags(pin ? 1 : undefined), ...opts.serverNodeFlags];

  console.log("# Voxray load benchmark");
  console.log(`date ${new Date().toISOString()} · node ${process.version} · ${cpuList.length} × ${cpuList[0]?.model ?? "?"} · ${(totalmem() / 2 ** 30).toFixed(0)} GiB`);
  console.log(
    `server ${pin ? "pinned to core 0" : "NOT pinned"}, generator + stand-in ${pin ? "on core 1" : "unpinned"} · wire ${opts.format} · ` +
      `stand-in STT ${opts.sttMs} / LLM first token ${opts.ttftMs} / TTS first audio ${opts.ttsMs} ms · turn_stop_secs ${opts.turnStopSecs} · ` +
      `barge-in ${Math.round(opts.bargeInRatio * 100)} % of answers · window ${opts.windowSecs} s · session stage as serve() builds it` +
      ` · server node flags ${serverFlags.join(" ") || "none"}`,
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
    nodeFlags: serverFlags,
    env: {
      BENCH_SERVER_OPTIONS: JSON.stringify({
        baseURL,
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
        `max ${fmt(r.gcPause.max, 1)} ms, ${fmt((r.gcTotalMs / (opts.windowSecs * 1000)) * 100, 1)} % of the window (` +
        Object.entries(r.gcKinds)
          .map(([kind, k]) => `${kind} ${k.count}, max ${fmt(k.maxMs, 1)} ms`)
          .join("; ") +
        `) · frame age p50/p99/max ` +
        `${fmt(r.frameAge.p50, 2)}/${fmt(r.frameAge.p99, 2)}/${fmt(r.frameAge.max, 1)} ms · server-side barge-in ` +
        `(decision → transport) p50/p99 ${fmt(r.cutoffServer.p50, 2)}/${fmt(r.cutoffServer.p99, 2)} ms · missed turns ${r.missedTurns} · ` +
        `generator CPU ${fmt(r.generatorCpuPct, 0)} %, send lateness p50/p99 ${fmt(r.generatorLate.p50, 1)}/${fmt(r.generatorLate.p99, 1)} ms · ` +
        `stand-in CPU ${fmt(r.standInCpuPct, 0)} %, first-byte lateness p99 ${fmt(r.standInLateP99, 1)} ms · ` +
        `server run-queue wait ${fmt(r.runQueuePct, 1)} % of the window · Silero: ${sileroLine(r.silero, opts.windowSecs * 1000)}`,
    );
  }
  if (rows.length > 0) {
    console.log("");
    console.log("where a turn's time goes, median (p99) ms, per level:");
    const cells = rows.map((r) => r.legs.map((s) => `${fmt(s.p50)} (${fmt(s.p99)})`));
    const widths = rows.map((r, j) => Math.max(`${r.level} sessions`.length, ...cells[j]!.map((c) => c.length)));
    const legWidth = Math.max(...LEGS.map(([leg]) => leg.length));
    console.log(`  ${"".padEnd(legWidth)}  ${rows.map((r, j) => `${r.level} sessions`.padStart(widths[j]!)).join("  ")}`);
    for (const [i, [leg, what]] of LEGS.entries()) {
      console.log(`  ${leg.padEnd(legWidth)}  ${cells.map((c, j) => c[i]!.padStart(widths[j]!)).join("  ")}   ${what}`);
    }
    console.log(`  turns matched to their requests and writes: ${rows.map((r) => `${r.turnAdded.count}/${r.turnWire.count}`).join(", ")}`);
    console.log(`  requests to the stand-in that waited for a new connection: ${rows.map((r) => `${r.standInConnecting}/${r.standInRequests}`).join(", ")}`);
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
  if (opts.json) writeFileSync(opts.json, JSON.stringify({ date: new Date().toISOString(), node: process.version, opts, idle, rows }, null, 2));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof OptionsError) log(`bench: ${error.message}`);
    else log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);

/** How much of the audio Silero ran on, in what batches, at what cost. */
function sileroLine(s: LevelRow["silero"], windowMs: number): string {
  const analysed = s.windows - s.warmUps + s.skipped;
  if (analysed === 0) return "no windows";
  return (
    `${fmt((100 * s.skipped) / analysed, 0)} % of windows skipped by the volume gate, ${fmt((100 * s.warmUps) / analysed, 0)} % replayed for warm-up, ` +
    `${fmt(s.windows / Math.max(1, s.batches), 1)} windows per inference, ${fmt((1000 * s.inferenceMs) / Math.max(1, s.windows), 0)} µs per window, ` +
    `${fmt((100 * s.inferenceMs) / windowMs, 1)} % of the core`
  );
}
