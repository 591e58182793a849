// Redis for the runner specs: the shared server at redis://127.0.0.1:6379 (CI starts one),
// a random key prefix per run, and cleanup of every key under it.

import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";

export const REDIS_URL = process.env.VOXRAY_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** Why the Redis specs cannot run here, or null. Under CI=true an unreachable Redis throws. */
export async function redisUnavailable(url = REDIS_URL): Promise<string | null> {
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on("error", () => {});
  try {
    await probe.connect();
    await probe.ping();
    return null;
  } catch (error) {
    const reason = `needs a Redis server at ${url} (${(error as Error).message}); start one with: redis-server --port 6379 --save '' --appendonly no`;
    if (process.env.CI === "true") throw new Error(`CI has no Redis: ${reason}`);
    return reason;
  } finally {
    probe.disconnect();
  }
}

export function testPrefix(): string {
  return `voxray-test-${randomUUID()}:`;
}

/** A plain client for looking at keys (TTL, EXISTS) and for cleanup. */
export function inspector(url = REDIS_URL): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on("error", () => {});
  return client;
}

export async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}
