// One concurrency level: ramp the callers in (or hang some up), let them settle, measure a
// window in the server, the callers and the stand-in, and say which limit it broke.

import type { MemoryReport, ServerReply, StandInReply } from "./protocol.ts";
import { log, memory, promEldP99, rampTo, sleep, window, type Rig } from "./rig.ts";
import { fmt, summarize } from "./stats.ts";
import type { LevelRow } from "./table.ts";
import { turnLegs } from "./turnLegs.ts";

export const CPU_LIMIT_PCT = 70;
export const ELD_P99_LIMIT_MS = 10;
/**
 * Above this the generator's frames leave late. Only a warning ("gen late" column): on a shared
 * machine other processes cause it as often as the generator's own load does.
 */
const GENERATOR_LATE_P99_LIMIT_MS = 10;
/** Above this the generator's own core is saturated: the rig, not the server, is the limit. */
const GENERATOR_CPU_LIMIT_PCT = 90;

export async function measureLevel(rig: Rig, level: number, base: MemoryReport): Promise<LevelRow> {
  const { opts, collector } = rig;
  const started = performance.now();
  await rampTo(rig, level);
  await sleep(opts.settleSecs * 1000);
  const windowMs = opts.windowSecs * 1000;

  await rig.standIn.ask({ cmd: "lateness" });
  await rig.standIn.ask({ cmd: "trace" }); // forget what came before the window
  await rig.server.ask({ cmd: "http-trace" });
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
  const { requests } = await rig.standIn.ask<Extract<StandInReply, { type: "trace" }>>({ cmd: "trace" });
  const http = await rig.server.ask<Extract<ServerReply, { type: "http-trace" }>>({ cmd: "http-trace" });
  const breakdown = turnLegs(collector.turnRecords, requests, http.writes);

  const row: Omit<LevelRow, "broke"> = {
    level,
    held,
    serverSessions: report.sessions,
    cpuPct: report.cpuPct,
    runQueuePct: report.runQueuePct,
    silero: report.silero,
    eld: report.eld,
    eldPromP99,
    frameAge: report.frameAge,
    gcPause: report.gcPause,
    gcTotalMs: report.gcTotalMs,
    gcKinds: report.gcKinds,
    turnAdded: breakdown.added,
    turnAtCaller: breakdown.atCaller,
    legs: breakdown.legs,
    standInRequests: http.writes.length,
    standInConnecting: http.connecting,
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
      `turn +${fmt(row.turnAdded.p50)}/${fmt(row.turnAdded.p99)} ms (${row.turnAdded.count} matched), ${row.turns} turns, ${row.failedTurns} failed, ` +
      `${row.missedTurns} missed, server run-queue wait ${fmt(row.runQueuePct, 1)} %, generator CPU ${fmt(genCpuPct, 0)} %, stand-in CPU ${fmt(standInCpuPct, 0)} %, late p99 ${fmt(row.standInLateP99)} ms${broke ? ` → ${broke}` : ""}`,
  );
  if (row.generatorLate.p99 > GENERATOR_LATE_P99_LIMIT_MS) {
    log(`  warning: generator frames left up to ${fmt(row.generatorLate.p99, 1)} ms late (p99): turn and age figures include that`);
  }
  return { ...row, broke };
}
