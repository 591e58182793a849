// Scale-out: what a second instance plus Redis adds. Two real serve() instances (A and B, one
// child process each, pinned to cores 0 and 1 when taskset exists) share /start sessions
// through Redis; this process plays the clients (werift peers on loopback).
//
//   npx tsx spec/bench/scaleOut.ts [--sessions 200] [--concurrency 10] …   (flags: scale/options.ts)
//
// Phases: warm-up → Redis round trip and idle CPU → N sessions with the offer on B and N with
// the offer on A, alternating in rounds (POST /start on A with an Idempotency-Key, the offer,
// connected + data channel open, held, hung up; Redis INFO read between batches) → a quiet
// stretch with M sessions up in which only a balancer's GET /ready reaches the instances →
// the table and the interpretation inputs. Keys live under a random prefix and are deleted at
// the end; nothing is flushed. Exits non-zero only when the harness fails, and a session that
// never connects is such a failure.

import { randomUUID } from "node:crypto";
import { cpus } from "node:os";
import { canPin } from "./load/children.ts";
import { fmt } from "./load/stats.ts";
import { deleteKeys, inspector, redisUnavailable } from "../runner/redisHarness.ts";
import { scaleOptions } from "./scale/options.ts";
import { countKeys, meanKeyBytes, pingRtts } from "./scale/redisStats.ts";
import { interpretationLines, quietLines, renderTable, type Context } from "./scale/report.ts";
import {
  emptyFigures,
  idleCpuRate,
  log,
  measuredBatch,
  quietStretch,
  startInstance,
  stopInstance,
  warmUp,
  type Instance,
  type ModeFigures,
  type QuietFigures,
  type Rig,
} from "./scale/rig.ts";

/** Length of each idle Redis CPU measurement. */
const IDLE_MS = 3_000;

async function main(): Promise<number> {
  const opts = scaleOptions();
  const began = performance.now();
  const cpuList = cpus();
  const pin = opts.pin && canPin(cpuList.length);
  const why = await redisUnavailable(opts.redisUrl);
  if (why) throw new Error(`the scale-out bench ${why}`);

  const prefix = `voxray-bench-scale-${randomUUID()}:`;
  const redis = inspector(opts.redisUrl);
  const instances: Instance[] = [];
  try {
    const [a, b] = await Promise.all([
      startInstance("A", opts.redisUrl, prefix, pin ? 0 : undefined),
      startInstance("B", opts.redisUrl, prefix, pin ? 1 : undefined),
    ]);
    instances.push(a, b);
    const rig: Rig = { opts, a, b, redis, keyPrefix: prefix, runId: `scale-${randomUUID()}`, nextKey: 0 };
    const version = /redis_version:(\S+)/.exec((await redis.info("server")) as string)?.[1] ?? "?";

    console.log("# Voxray scale-out benchmark: two instances sharing /start sessions through Redis");
    console.log(`date ${new Date().toISOString()} · node ${process.version} · ${cpuList.length} × ${cpuList[0]?.model ?? "?"} · Redis ${version} at ${opts.redisUrl}`);
    console.log(
      `instances A and B: serve(), transport smallwebrtc, session_store redis, echo plugin, loopback peers, ${pin ? "pinned to cores 0 and 1" : "NOT pinned"}; ` +
        `clients (werift) and Redis unpinned · ${opts.sessions} sessions per mode in ${opts.rounds} alternating rounds, ${opts.concurrency} set up at once, held ${opts.holdMs} ms`,
    );

    log("warm-up…");
    await warmUp(rig, Math.min(10, opts.concurrency));
    const rtts = await pingRtts(redis, 200);
    const idleBefore = await idleCpuRate(rig, IDLE_MS);

    const modes: [ModeFigures, ModeFigures] = [emptyFigures("cross"), emptyFigures("same")];
    for (let r = 0; r < opts.rounds; r++) {
      const count = Math.floor(opts.sessions / opts.rounds) + (r < opts.sessions % opts.rounds ? 1 : 0);
      const order = r % 2 === 0 ? modes : [modes[1], modes[0]];
      for (const figures of order) {
        log(`round ${r + 1}/${opts.rounds}: ${count} sessions, offer on ${figures.mode === "cross" ? "B" : "A"}…`);
        await measuredBatch(rig, figures, count);
      }
    }

    // Idle Redis CPU (its cron, other clients) before and after the sessions; the mean is
    // taken off each mode's Redis CPU over the mode's own wall time.
    const idleAfter = await idleCpuRate(rig, IDLE_MS);
    const ctx: Context = { idleCpuRate: (idleBefore.rate + idleAfter.rate) / 2, rtts };

    let quiet: QuietFigures | undefined;
    if (opts.quietSessions > 0) {
      log(`quiet stretch: ${opts.quietSessions} sessions up for ${opts.quietSecs} s…`);
      quiet = await quietStretch(rig);
    }

    const sessionKeys = await countKeys(redis, `${prefix}session:*`);
    const idemKeys = await countKeys(redis, `${prefix}idem:*`);
    const idemBytes = await meanKeyBytes(redis, `${prefix}idem:*`);
    ctx.idemKeyBytes = idemBytes;

    console.log("");
    console.log(renderTable(modes, ctx));
    console.log("");
    console.log(
      `Redis idle: ${fmt(idleBefore.rate * 1000, 0)} µs CPU per s before the sessions, ${fmt(idleAfter.rate * 1000, 0)} after ` +
        `(${idleBefore.commands + idleAfter.commands} commands from other clients in ${(2 * IDLE_MS) / 1000} s) · ` +
        `records left at the end: ${sessionKeys} session, ${idemKeys} idempotency (kept 24 h by design; deleted now)`,
    );
    console.log(
      `Redis memory per record (MEMORY USAGE): idempotency ${fmt(idemBytes, 0)} B, kept 24 h per /start with a key; ` +
        `session ${quiet ? fmt(quiet.sessionKeyBytes, 0) : "—"} B while the session lives`,
    );
    if (quiet) for (const line of quietLines(quiet, ctx)) console.log(line);
    console.log("");
    console.log("## Interpretation inputs");
    for (const line of interpretationLines(modes, quiet, ctx)) console.log(`- ${line}`);
    console.log("");
    console.log(`run took ${fmt((performance.now() - began) / 1000, 0)} s`);

    const failures = [...modes.flatMap((f) => f.failures), ...(quiet?.failures ?? [])];
    const dropped = quiet ? quiet.up - Math.min(quiet.stillUp, quiet.liveAtEnd) : 0;
    for (const f of failures.slice(0, 10)) log(`failed session: ${f}`);
    if (failures.length > 0 || dropped > 0) {
      log(`${failures.length} session(s) failed to connect, ${dropped} dropped during the quiet stretch`);
      return 1;
    }
    return 0;
  } finally {
    await Promise.all(instances.map(stopInstance));
    await deleteKeys(redis, prefix).catch((error: unknown) => log(`could not delete the run's keys under ${prefix}: ${String(error)}`));
    redis.disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`scale-out bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
