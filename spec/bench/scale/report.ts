// The scale-out bench's one table (a row per figure, a column per mode) and the lines that
// turn it into the inputs of the write-up.

import { fmt, summarize } from "../load/stats.ts";
import type { RedisDelta } from "./redisStats.ts";
import type { ModeFigures, QuietFigures } from "./rig.ts";

export interface Context {
  /** Idle Redis CPU, µs per ms of wall time (cron and whatever else uses this Redis). */
  readonly idleCpuRate: number;
  /** Round trips to Redis from this machine, ms. */
  readonly rtts: readonly number[];
  /** MEMORY USAGE of one idempotency record, bytes. */
  idemKeyBytes?: number;
}

const totalCalls = (d: RedisDelta): number => Object.values(d.commands).reduce((n, c) => n + c.calls, 0);
const totalUsec = (d: RedisDelta): number => Object.values(d.commands).reduce((n, c) => n + c.usec, 0);
const totalCounts = (c: Readonly<Record<string, number>>): number => Object.values(c).reduce((n, x) => n + x, 0);

/** Redis CPU of a mode less the idle rate over the same wall time, µs per session. */
export function netCpuPerSession(f: ModeFigures, ctx: Context): number {
  return (f.redis.cpuUs - ctx.idleCpuRate * f.redis.wallMs) / f.sessions;
}

function pair(values: readonly number[], digits = 1): string {
  const s = summarize(values);
  return `${fmt(s.p50, digits)} / ${fmt(s.p99, digits)}`;
}

export function renderTable(modes: readonly ModeFigures[], ctx: Context): string {
  const names = [...new Set(modes.flatMap((f) => Object.keys(f.redis.commands)))].sort();
  const rows: [string, (f: ModeFigures) => string][] = [
    ["sessions connected / failed", (f) => `${f.times.length} / ${f.failures.length}`],
    ["Redis commands per session", (f) => fmt(totalCalls(f.redis) / f.sessions, 2)],
    ...names.map((name): [string, (f: ModeFigures) => string] => [
      `  ${name.toUpperCase()} per session (µs per call)`,
      (f) => {
        const c = f.redis.commands[name];
        return c ? `${fmt(c.calls / f.sessions, 2)} (${fmt(c.usec / c.calls, 2)})` : "0";
      },
    ]),
    ["Redis command µs per session (commandstats)", (f) => fmt(totalUsec(f.redis) / f.sessions, 1)],
    ["Redis CPU µs per session, gross / net of idle", (f) => `${fmt(f.redis.cpuUs / f.sessions, 1)} / ${fmt(netCpuPerSession(f, ctx), 1)}`],
    ["/start ms p50 / p99, client", (f) => pair(f.times.map((t) => t.startMs), 2)],
    ["/start ms p50 / p99, in the instance", (f) => pair(f.serverStartMs, 2)],
    ["offer ms p50 / p99, client", (f) => pair(f.times.map((t) => t.offerMs), 2)],
    ["offer ms p50 / p99, in the instance", (f) => pair(f.serverOfferMs, 2)],
    ["Redis command ms p50 / p99, in the instance", (f) => pair(f.redisMs, 2)],
    ["offer → connected ms p50 / p99", (f) => pair(f.times.map((t) => t.connectMs), 1)],
    ["instance CPU ms per session, A / B", (f) => `${fmt(f.cpuAUs / 1000 / f.sessions, 2)} / ${fmt(f.cpuBUs / 1000 / f.sessions, 2)}`],
    ["commands from other Redis clients", (f) => String(Math.max(0, totalCalls(f.redis) - totalCounts(f.client)))],
    ["sessions with no DEL of their record", (f) => String(f.undeleted)],
  ];
  const heads = ["", ...modes.map((f) => (f.mode === "cross" ? "/start on A, offer on B" : "/start on A, offer on A"))];
  const cells = rows.map(([label, cell]) => [label, ...modes.map(cell)]);
  const widths = heads.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (v: readonly string[]): string => `| ${v.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join(" | ")} |`;
  return [line(heads), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...cells.map(line)].join("\n");
}

export function quietLines(q: QuietFigures, ctx: Context): string[] {
  const redisCalls = totalCalls(q.redis);
  const fromInstances = addAll(q.client.a, q.client.b);
  const pings = fromInstances["ping"] ?? 0;
  const others = Object.entries(fromInstances).filter(([name]) => name !== "ping");
  const idleUs = ctx.idleCpuRate * q.redis.wallMs;
  return [
    `quiet stretch: ${q.up} sessions up (A ${q.onA}, B ${q.onB}) for ${fmt(q.secs, 1)} s, ${q.readyProbes} GET /ready probes (${q.readyFailures} not 200); ` +
      `${q.stillUp}/${q.up} connected at the end as the clients see it, ${q.liveAtEnd} live in the instances${q.failures.length > 0 ? `; ${q.failures.length} failed to connect` : ""}`,
    `  Redis commands from the instances: ${totalCounts(fromInstances)} = PING ${pings} (the /ready probes: one PING each)` +
      `${others.length > 0 ? ` + OTHER ${others.map(([n, c]) => `${n.toUpperCase()} ${c}`).join(", ")}` : " + nothing else"}; ` +
      `Redis saw ${redisCalls} (${Object.entries(q.redis.commands).map(([n, c]) => `${n.toUpperCase()} ${c.calls}`).join(", ") || "none"})`,
    `  Redis CPU over the stretch: ${fmt(q.redis.cpuUs / 1000, 2)} ms (idle rate would give ${fmt(idleUs / 1000, 2)} ms)`,
  ];
}

function addAll(...all: Readonly<Record<string, number>>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of all) for (const [k, v] of Object.entries(c)) out[k] = (out[k] ?? 0) + v;
  return out;
}

export function interpretationLines(modes: readonly ModeFigures[], q: QuietFigures | undefined, ctx: Context): string[] {
  const all = modes.reduce((n, f) => n + f.sessions, 0);
  const calls = modes.reduce((n, f) => n + totalCalls(f.redis), 0) / all;
  const usec = modes.reduce((n, f) => n + totalUsec(f.redis), 0) / all;
  const net = modes.reduce((n, f) => n + netCpuPerSession(f, ctx) * f.sessions, 0) / all;
  const instanceMs = modes.reduce((n, f) => n + f.cpuAUs + f.cpuBUs, 0) / 1000 / all;
  const rtt = summarize(ctx.rtts);
  const perCommand = [...new Set(modes.flatMap((f) => Object.keys(f.redis.commands)))]
    .sort()
    .map((name) => `${name.toUpperCase()} ${fmt(modes.reduce((n, f) => n + (f.redis.commands[name]?.calls ?? 0), 0) / all, 2)}`)
    .join(", ");
  const lines = [
    `commands/session: ${fmt(calls, 2)} (${perCommand}); the same whichever instance answers the offer`,
    `Redis µs/session: ${fmt(net, 1)} µs of Redis CPU net of idle (${fmt(usec, 1)} µs executing commands, the rest network I/O and system calls)`,
    `set-up rate one Redis core could serve: ≈ ${fmt(1e6 / net, 0)} sessions/s from CPU (≈ ${fmt(1e6 / usec, 0)}/s counting command execution only)`,
    `instance CPU per session set-up (A + B: /start, offer, ICE/DTLS, the held session, hang-up): ${fmt(instanceMs, 2)} ms ⇒ ≈ ${fmt(1000 / instanceMs, 0)} set-ups/s per instance core; ` +
      `Redis is ≈ ${fmt((instanceMs * 1000) / net, 0)}× cheaper per set-up than the instances`,
    `Redis round trip from here: p50 ${fmt(rtt.p50, 3)} ms / p99 ${fmt(rtt.p99, 3)} ms; a session waits on 6 in a row (3 in /start, 3 in the offer) ≈ ${fmt(6 * rtt.p50, 2)} ms of its set-up`,
  ];
  if (ctx.idemKeyBytes !== undefined && Number.isFinite(ctx.idemKeyBytes)) {
    const perDayMiB = (ctx.idemKeyBytes * 10 * 86_400) / 2 ** 20;
    lines.push(`Redis memory: ${fmt(ctx.idemKeyBytes, 0)} B per idempotency record kept 24 h ⇒ ≈ ${fmt(perDayMiB, 0)} MiB at a steady 10 set-ups/s; session records go when sessions end`);
  }
  if (q) {
    const cmds = totalCounts(addAll(q.client.a, q.client.b)) - (addAll(q.client.a, q.client.b)["ping"] ?? 0);
    lines.push(`running sessions: ${cmds} Redis commands from ${q.up} sessions over ${fmt(q.secs, 1)} s besides the /ready PINGs ⇒ capacity adds up per instance; Redis only bounds the set-up rate`);
  }
  return lines;
}
