// The load rig as the orchestrator holds it (server child, stand-in child, callers) and the
// small steps it is driven with: server memory and windows over IPC, the server's /metrics
// event-loop figure, adding or hanging up callers, memory per idle session.

import WebSocket from "ws";
import { Caller } from "./caller.ts";
import type { Child } from "./children.ts";
import type { Collector } from "./collector.ts";
import type { BenchOptions } from "./options.ts";
import type { MemoryReport, ServerReply, StandInReply, WindowReport } from "./protocol.ts";
import type { Utterance } from "./speech.ts";

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** Small deterministic PRNG (mulberry32), so runs differ only by timing. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Rig {
  readonly opts: BenchOptions;
  readonly server: Child<ServerReply>;
  readonly standIn: Child<StandInReply>;
  readonly url: string;
  readonly utterances: readonly Utterance[];
  readonly noise: Int16Array;
  readonly collector: Collector;
  readonly callers: Caller[];
  readonly random: () => number;
}

export async function memory(rig: Rig): Promise<MemoryReport> {
  const reply = await rig.server.ask<Extract<ServerReply, { type: "memory" }>>({ cmd: "memory" });
  return reply.report;
}

export async function window(rig: Rig, cmd: "window-start" | "window-end"): Promise<WindowReport> {
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
export async function promEldP99(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(text);
  return match ? Math.max(0, Number(match[1]) * 1000 - PROM_ELD_RESOLUTION_MS) : Number.NaN;
}

export function newCaller(rig: Rig): Caller {
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
export async function rampTo(rig: Rig, level: number): Promise<void> {
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

export async function idleMemory(rig: Rig): Promise<{ heap: number; rss: number; external: number }> {
  const before = await memory(rig);
  const sockets: WebSocket[] = [];
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
