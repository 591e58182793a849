// MemorySessionStore: sessions and idempotency records live until deleted or expired, and
// expired ones are really gone from memory (the Go store grew forever).

import { describe, expect, it } from "vitest";
import { MemorySessionStore } from "../../lib/runner/memorySessionStore.ts";
import type { IdempotencyRecord, StoredSession } from "../../lib/runner/sessionStore.ts";

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const session = (id: string): StoredSession => ({ id, createdAt: "2026-01-01T00:00:00.000Z", body: { a: 1 }, state: "created" });
const record = (n: number): IdempotencyRecord => ({ status: 201, body: { sessionId: `s${n}` }, fingerprint: `f${n}`, createdAt: "x" });

describe("MemorySessionStore", () => {
  it("creates, reads, updates the state of and deletes a session", async () => {
    const store = new MemorySessionStore();
    await store.create(session("a"));
    expect(await store.get("a")).toEqual(session("a"));
    expect(await store.setState("a", "connected")).toBe(true);
    expect((await store.get("a"))?.state).toBe("connected");
    await store.delete("a");
    expect(await store.get("a")).toBeUndefined();
    expect(await store.setState("a", "connected")).toBe(false);
    await expect(store.delete("never")).resolves.toBeUndefined();
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it("expires a session after its TTL; a state change does not extend it", async () => {
    const c = clock();
    const store = new MemorySessionStore({ sessionTtlSecs: 10, now: c.now });
    await store.create(session("a"));
    c.advance(9_000);
    await store.setState("a", "connected");
    expect(await store.get("a")).toBeDefined();
    c.advance(1_000);
    expect(await store.get("a")).toBeUndefined();
  });

  it("keeps the first idempotency record for a key and expires it after 24 h", async () => {
    const c = clock();
    const store = new MemorySessionStore({ now: c.now });
    expect(await store.putIdempotent("k", record(1))).toEqual(record(1));
    expect(await store.putIdempotent("k", record(2))).toEqual(record(1));
    c.advance(24 * 3600 * 1000 - 1);
    expect(await store.getIdempotent("k")).toEqual(record(1));
    c.advance(1);
    expect(await store.getIdempotent("k")).toBeUndefined();
    expect(await store.putIdempotent("k", record(3))).toEqual(record(3));
  });

  it("evicts expired entries nobody reads again, so memory stays bounded", async () => {
    const c = clock();
    const store = new MemorySessionStore({ sessionTtlSecs: 60, idempotencyTtlSecs: 120, now: c.now });
    for (let n = 0; n < 1000; n++) {
      await store.create(session(`s${n}`));
      await store.putIdempotent(`k${n}`, record(n));
    }
    expect(store.size).toEqual({ sessions: 1000, idempotency: 1000 });
    c.advance(61_000);
    await store.create(session("fresh")); // a write sweeps (at most once a minute)
    expect(store.size).toEqual({ sessions: 1, idempotency: 1000 });
    c.advance(60_000);
    expect(store.size).toEqual({ sessions: 0, idempotency: 0 });
  });
});
