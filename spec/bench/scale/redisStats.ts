// What Redis itself says about the work it did: INFO commandstats (calls and µs per command)
// and INFO cpu (used_cpu_user + used_cpu_sys of the whole redis-server process), read in one
// INFO call so a snapshot costs the server one command.

import type { Redis } from "ioredis";

export interface CommandStat {
  readonly calls: number;
  /** µs Redis spent executing these calls (command execution only, not network I/O). */
  readonly usec: number;
}

export interface RedisSnapshot {
  readonly commands: Readonly<Record<string, CommandStat>>;
  /** used_cpu_user + used_cpu_sys, µs. */
  readonly cpuUs: number;
  /** performance.now() when the reply came. */
  readonly at: number;
}

export async function snapshot(redis: Redis): Promise<RedisSnapshot> {
  const text = (await redis.call("INFO", "cpu", "commandstats")) as string;
  const at = performance.now();
  const commands: Record<string, CommandStat> = {};
  let cpuSecs = 0;
  for (const line of text.split("\r\n")) {
    const stat = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line);
    if (stat) {
      commands[stat[1]!.toLowerCase()] = { calls: Number(stat[2]), usec: Number(stat[3]) };
      continue;
    }
    const cpu = /^used_cpu_(?:user|sys):([\d.]+)$/.exec(line);
    if (cpu) cpuSecs += Number(cpu[1]);
  }
  return { commands, cpuUs: Math.round(cpuSecs * 1e6), at };
}

export interface RedisDelta {
  readonly commands: Record<string, CommandStat>;
  readonly cpuUs: number;
  readonly wallMs: number;
}

/** What happened between two snapshots, less the INFO that took `before` (it counts in `after`). */
export function delta(before: RedisSnapshot, after: RedisSnapshot): RedisDelta {
  const commands: Record<string, CommandStat> = {};
  for (const [name, now] of Object.entries(after.commands)) {
    const then = before.commands[name] ?? { calls: 0, usec: 0 };
    const own = name === "info" ? 1 : 0;
    const calls = now.calls - then.calls - own;
    if (calls <= 0) continue;
    // The INFO's µs are not known apart from other INFOs': take the average per call off.
    const usec = now.usec - then.usec - (own && now.calls > 0 ? now.usec / now.calls : 0);
    commands[name] = { calls, usec: Math.max(0, usec) };
  }
  return { commands, cpuUs: after.cpuUs - before.cpuUs, wallMs: after.at - before.at };
}

export function addDeltas(a: RedisDelta, b: RedisDelta): RedisDelta {
  const commands: Record<string, CommandStat> = { ...a.commands };
  for (const [name, s] of Object.entries(b.commands)) {
    const t = commands[name] ?? { calls: 0, usec: 0 };
    commands[name] = { calls: t.calls + s.calls, usec: t.usec + s.usec };
  }
  return { commands, cpuUs: a.cpuUs + b.cpuUs, wallMs: a.wallMs + b.wallMs };
}

export const EMPTY_DELTA: RedisDelta = { commands: {}, cpuUs: 0, wallMs: 0 };

/** Round-trip times of `n` PINGs one after another, ms. */
export async function pingRtts(redis: Redis, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await redis.ping();
    out.push(performance.now() - t);
  }
  return out;
}

/** How many keys match `pattern` (SCAN: the run's own keys, never the whole db). */
export async function countKeys(redis: Redis, pattern: string): Promise<number> {
  let cursor = "0";
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 500);
    n += keys.length;
    cursor = next;
  } while (cursor !== "0");
  return n;
}

/** Mean MEMORY USAGE of up to `sample` keys matching `pattern`, bytes (NaN when none). */
export async function meanKeyBytes(redis: Redis, pattern: string, sample = 20): Promise<number> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 500);
    keys.push(...found);
    cursor = next;
  } while (cursor !== "0" && keys.length < sample);
  const sizes = await Promise.all(keys.slice(0, sample).map(async (k) => Number((await redis.call("MEMORY", "USAGE", k)) ?? Number.NaN)));
  const known = sizes.filter(Number.isFinite);
  return known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : Number.NaN;
}
