// The scale-out rig as the orchestrator holds it: instances A and B (child processes), the
// Redis inspector, and the measured steps — a batch of whole sessions between two Redis
// snapshots, and a quiet stretch with sessions up.

import type { Redis } from "ioredis";
import { serverNodeFlags } from "../../../lib/server/nodeFlags.ts";
import { spawnChild, type Child } from "../load/children.ts";
import { addDeltas, delta, EMPTY_DELTA, meanKeyBytes, snapshot, type RedisDelta } from "./redisStats.ts";
import type { CommandCounts, InstanceReply, InstanceStatus, RouteTimings } from "./protocol.ts";
import { openSession, pool, runSession, type OpenSession, type SessionTimes } from "./session.ts";
import type { ScaleOptions } from "./options.ts";

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const log = (line: string): void => void process.stderr.write(`${line}\n`);

export interface Instance {
  readonly name: string;
  readonly child: Child<InstanceReply>;
  readonly url: string;
}

export interface Rig {
  readonly opts: ScaleOptions;
  readonly a: Instance;
  readonly b: Instance;
  readonly redis: Redis;
  /** Where the instances keep this run's records. */
  readonly keyPrefix: string;
  /** Idempotency keys are unique per run. */
  readonly runId: string;
  nextKey: number;
}

export async function startInstance(name: string, redisUrl: string, keyPrefix: string, core: number | undefined): Promise<Instance> {
  const child = spawnChild<InstanceReply>({
    module: "../scale/instanceChild.ts",
    env: { SCALE_INSTANCE_OPTIONS: JSON.stringify({ name, redisUrl, keyPrefix }) },
    nodeFlags: serverNodeFlags(core !== undefined ? 1 : undefined),
    ...(core !== undefined ? { core } : {}),
  });
  const ready = await child.first<Extract<InstanceReply, { type: "ready" }>>("ready");
  return { name, child, url: ready.url };
}

export async function stopInstance(instance: Instance): Promise<void> {
  try {
    await instance.child.ask({ cmd: "stop" }, 10_000);
  } catch (error) {
    log(`instance ${instance.name} did not stop cleanly: ${(error as Error).message}`);
  }
  const exited = await Promise.race([instance.child.exited.then(() => true), sleep(5_000).then(() => false)]);
  if (!exited) instance.child.process.kill("SIGKILL");
}

export async function status(instance: Instance): Promise<InstanceStatus> {
  const reply = await instance.child.ask<Extract<InstanceReply, { type: "status" }>>({ cmd: "status" });
  return reply.status;
}

/** The instance's own request durations since the last call. */
export async function timings(instance: Instance): Promise<RouteTimings> {
  const reply = await instance.child.ask<Extract<InstanceReply, { type: "timings" }>>({ cmd: "timings" });
  return reply.timings;
}

export function subtractCounts(after: CommandCounts, before: CommandCounts): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, n] of Object.entries(after)) {
    const d = n - (before[name] ?? 0);
    if (d > 0) out[name] = d;
  }
  return out;
}

export function addCounts(...all: CommandCounts[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const counts of all) for (const [name, n] of Object.entries(counts)) out[name] = (out[name] ?? 0) + n;
  return out;
}

export type Mode = "cross" | "same";

/** Figures of one mode, summed over its batches. */
export interface ModeFigures {
  readonly mode: Mode;
  sessions: number;
  readonly failures: string[];
  readonly times: SessionTimes[];
  /** The instances' own durations of POST /start and of the offer, ms. */
  readonly serverStartMs: number[];
  readonly serverOfferMs: number[];
  /** Redis commands, sent → reply, as the instances' client saw them, ms. */
  readonly redisMs: number[];
  redis: RedisDelta;
  /** Commands the instances' own clients sent (A + B). */
  client: Record<string, number>;
  cpuAUs: number;
  cpuBUs: number;
  /** Answered sessions with no DEL of their record within 10 s of the batch's end (should be none). */
  undeleted: number;
}

export function emptyFigures(mode: Mode): ModeFigures {
  return {
    mode,
    sessions: 0,
    failures: [],
    times: [],
    serverStartMs: [],
    serverOfferMs: [],
    redisMs: [],
    redis: EMPTY_DELTA,
    client: {},
    cpuAUs: 0,
    cpuBUs: 0,
    undeleted: 0,
  };
}

const SETTLE_TIMEOUT_MS = 10_000;

const delsOf = (statuses: readonly InstanceStatus[]): number => statuses.reduce((n, s) => n + (s.commands["del"] ?? 0), 0);

/**
 * Waits until both instances have no session and have sent one DEL per session that got an
 * answer (the record is deleted when the session's transport closes). Returns how many DELs
 * are missing after SETTLE_TIMEOUT_MS (0 when all came).
 */
async function settle(rig: Rig, delsBefore: number, answered: number): Promise<{ after: [InstanceStatus, InstanceStatus]; missing: number }> {
  const deadline = performance.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const after: [InstanceStatus, InstanceStatus] = await Promise.all([status(rig.a), status(rig.b)]);
    const dels = delsOf(after) - delsBefore;
    const idle = after[0].sessions === 0 && after[1].sessions === 0;
    if ((idle && dels >= answered) || performance.now() > deadline) return { after, missing: Math.max(0, answered - dels) };
    await sleep(25);
  }
}

/** `count` whole sessions (/start on A, offer on B or A), measured between two Redis snapshots. */
export async function measuredBatch(rig: Rig, figures: ModeFigures, count: number): Promise<void> {
  const offerUrl = figures.mode === "cross" ? rig.b.url : rig.a.url;
  await Promise.all([timings(rig.a), timings(rig.b)]);
  const before = await Promise.all([status(rig.a), status(rig.b)]);
  const redisBefore = await snapshot(rig.redis);
  const results = await pool(count, rig.opts.concurrency, () =>
    runSession({ startUrl: rig.a.url, offerUrl, idempotencyKey: `${rig.runId}-${rig.nextKey++}` }, rig.opts.holdMs),
  );
  const delsBefore = delsOf(before);
  const answered = results.filter((r) => r.status === "fulfilled").length;
  const { after, missing } = await settle(rig, delsBefore, answered);
  const redisAfter = await snapshot(rig.redis);
  for (const t of await Promise.all([timings(rig.a), timings(rig.b)])) {
    figures.serverStartMs.push(...t.start);
    figures.serverOfferMs.push(...t.offer);
    figures.redisMs.push(...t.redis);
  }

  figures.sessions += count;
  for (const r of results) {
    if (r.status === "fulfilled") figures.times.push(r.value);
    else figures.failures.push(r.reason instanceof Error ? r.reason.message : String(r.reason));
  }
  figures.redis = addDeltas(figures.redis, delta(redisBefore, redisAfter));
  figures.client = addCounts(figures.client, subtractCounts(after[0].commands, before[0].commands), subtractCounts(after[1].commands, before[1].commands));
  figures.cpuAUs += after[0].cpuUs - before[0].cpuUs;
  figures.cpuBUs += after[1].cpuUs - before[1].cpuUs;
  figures.undeleted += missing;
}

/** Unmeasured sessions on both paths: JIT, werift and the Redis connections warm. */
export async function warmUp(rig: Rig, perMode: number): Promise<void> {
  const before = await Promise.all([status(rig.a), status(rig.b)]);
  for (const offerUrl of [rig.b.url, rig.a.url]) {
    const results = await pool(perMode, rig.opts.concurrency, () =>
      runSession({ startUrl: rig.a.url, offerUrl, idempotencyKey: `${rig.runId}-warm-${rig.nextKey++}` }, 50),
    );
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw new Error(`warm-up session failed: ${(failed as PromiseRejectedResult).reason}`);
  }
  await settle(rig, delsOf(before), 2 * perMode);
}

export interface QuietFigures {
  readonly up: number;
  readonly onA: number;
  readonly onB: number;
  readonly failures: string[];
  /** Sessions still connected at the end of the stretch, as the clients see it. */
  readonly stillUp: number;
  /** Sessions live in A + B at the end of the stretch. */
  readonly liveAtEnd: number;
  /** MEMORY USAGE of a live session's record, bytes (read after the stretch). */
  readonly sessionKeyBytes: number;
  readonly secs: number;
  readonly readyProbes: number;
  readonly readyFailures: number;
  readonly redis: RedisDelta;
  readonly client: { readonly a: Record<string, number>; readonly b: Record<string, number> };
}

/**
 * `quietSessions` sessions up (half /start on A + offer on B, half /start on B + offer on A),
 * then a stretch of `quietSecs` in which nothing but a balancer's GET /ready reaches the
 * instances. Every Redis command in it is counted.
 */
export async function quietStretch(rig: Rig): Promise<QuietFigures> {
  const { quietSessions: m, concurrency, quietSecs, readyEveryMs } = rig.opts;
  const results = await pool(m, concurrency, (i) => {
    const [start, offer] = i % 2 === 0 ? [rig.a, rig.b] : [rig.b, rig.a];
    return openSession({ startUrl: start.url, offerUrl: offer.url, idempotencyKey: `${rig.runId}-quiet-${rig.nextKey++}` });
  });
  const open = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failures = results.flatMap((r) => (r.status === "rejected" ? [String(r.reason instanceof Error ? r.reason.message : r.reason)] : []));
  // Let every offer's answer and state update land before the stretch starts.
  await sleep(200);
  const [a0, b0] = await Promise.all([status(rig.a), status(rig.b)]);
  const before = await snapshot(rig.redis);

  let readyProbes = 0;
  let readyFailures = 0;
  const until = performance.now() + quietSecs * 1000;
  while (performance.now() < until) {
    if (readyEveryMs > 0) {
      const replies = await Promise.all([rig.a, rig.b].map((i) => fetch(`${i.url}/ready`).then((r) => (void r.arrayBuffer(), r.status))));
      readyProbes += replies.length;
      readyFailures += replies.filter((s) => s !== 200).length;
    }
    await sleep(Math.min(readyEveryMs > 0 ? readyEveryMs : quietSecs * 1000, Math.max(0, until - performance.now())));
  }

  const after = await snapshot(rig.redis);
  const [a1, b1] = await Promise.all([status(rig.a), status(rig.b)]);
  const stillUp = open.filter((s) => s.connected()).length;
  const sessionKeyBytes = await meanKeyBytes(rig.redis, `${rig.keyPrefix}session:*`);
  await hangUpAll(rig, open);
  return {
    up: open.length,
    onA: a0.sessions,
    onB: b0.sessions,
    failures,
    stillUp,
    liveAtEnd: a1.sessions + b1.sessions,
    sessionKeyBytes,
    secs: (after.at - before.at) / 1000,
    readyProbes,
    readyFailures,
    redis: delta(before, after),
    client: { a: subtractCounts(a1.commands, a0.commands), b: subtractCounts(b1.commands, b0.commands) },
  };
}

async function hangUpAll(rig: Rig, open: readonly OpenSession[]): Promise<void> {
  const before = await Promise.all([status(rig.a), status(rig.b)]);
  await Promise.all(open.map((s) => s.hangUp()));
  await settle(rig, delsOf(before), open.length);
}

/** The idle rate of Redis CPU (cron, other clients), µs of CPU per ms of wall time. */
export async function idleCpuRate(rig: Rig, ms: number): Promise<{ rate: number; commands: number }> {
  const before = await snapshot(rig.redis);
  await sleep(ms);
  const d = delta(before, await snapshot(rig.redis));
  return { rate: d.cpuUs / d.wallMs, commands: Object.values(d.commands).reduce((n, c) => n + c.calls, 0) };
}
