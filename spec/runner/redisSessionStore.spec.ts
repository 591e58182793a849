// RedisSessionStore against a real Redis: sessions are JSON under `<prefix>session:<id>` with
// the session TTL, deleted when the session ends; idempotency replies live 24 h under
// `<prefix>idem:<key>` and are replayed, then forgotten when they expire; ping answers.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "ioredis";
import { RedisSessionStore } from "../../lib/runner/redisSessionStore.ts";
import { offerForSession } from "../../lib/runner/sessionOffer.ts";
import { IDEMPOTENCY_TTL_SECS } from "../../lib/runner/sessionStore.ts";
import { startSession } from "../../lib/runner/startSession.ts";
import { FakeBrowser, sleep } from "../transports/webrtc/fakeBrowser.ts";
import { loopbackSignaller } from "../transports/webrtc/harness.ts";
import { deleteKeys, inspector, REDIS_URL, redisUnavailable, testPrefix } from "./redisHarness.ts";

const skip = await redisUnavailable();

describe.skipIf(skip)(`RedisSessionStore (${skip ?? REDIS_URL})`, () => {
  const prefix = testPrefix();
  let redis: Redis;
  let store: RedisSessionStore;

  beforeAll(() => {
    redis = inspector();
    store = new RedisSessionStore({ url: REDIS_URL, keyPrefix: prefix, sessionTtlSecs: 600 });
  });
  afterAll(async () => {
    await deleteKeys(redis, prefix);
    await store.close();
    redis.disconnect();
  });

  it("answers ping", async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it("stores a session as JSON with the session TTL; a state change keeps the TTL; delete removes it", async () => {
    const { body } = await startSession({ store }, { body: { lang: "de" } });
    const key = `${prefix}session:${body.sessionId}`;
    expect(store.sessionKey(body.sessionId)).toBe(key);
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
    expect(JSON.parse((await redis.get(key)) ?? "null")).toMatchObject({ id: body.sessionId, body: { lang: "de" }, state: "created" });
    await redis.expire(key, 500);
    expect(await store.setState(body.sessionId, "connected")).toBe(true);
    expect(await redis.ttl(key)).toBeLessThanOrEqual(500);
    expect((await store.get(body.sessionId))?.state).toBe("connected");
    await store.delete(body.sessionId);
    expect(await redis.exists(key)).toBe(0);
    expect(await store.get(body.sessionId)).toBeUndefined();
    expect(await store.setState(body.sessionId, "connected")).toBe(false);
  });

  it("forgets a session when its TTL runs out", async () => {
    const shortLived = new RedisSessionStore({ url: REDIS_URL, keyPrefix: prefix, sessionTtlSecs: 1 });
    try {
      const { body } = await startSession({ store: shortLived }, {});
      expect(await shortLived.get(body.sessionId)).toBeDefined();
      await sleep(1100);
      expect(await shortLived.get(body.sessionId)).toBeUndefined();
    } finally {
      await shortLived.close();
    }
  });

  it("replays an Idempotency-Key reply for 24 h, and starts afresh once the record has expired", async () => {
    const key = `order-${Date.now()}`;
    const first = await startSession({ store }, { body: { n: 1 } }, key);
    const again = await startSession({ store }, { body: { n: 1 } }, key);
    expect(again).toEqual({ ...first, replayed: true });
    const idemKey = `${prefix}idem:${key}`;
    const ttl = await redis.ttl(idemKey);
    expect(ttl).toBeGreaterThan(IDEMPOTENCY_TTL_SECS - 10);
    expect(ttl).toBeLessThanOrEqual(IDEMPOTENCY_TTL_SECS);
    await redis.pexpire(idemKey, 20); // fast-forward the 24 h
    await sleep(60);
    const later = await startSession({ store }, { body: { n: 1 } }, key);
    expect(later.replayed).toBe(false);
    expect(later.body.sessionId).not.toBe(first.body.sessionId);
  });

  it("deletes the session when the WebRTC session that used it ends, after handing its body to the bot", async () => {
    const { signaller, started } = loopbackSignaller();
    const browser = new FakeBrowser();
    try {
      const { body } = await startSession({ store }, { body: { persona: "helper" } });
      const { sdp } = await browser.offer();
      const answer = await offerForSession({ store, signaller }, body.sessionId, { sdp, type: "offer" });
      expect(started[0]?.context).toEqual({ pcId: answer.pc_id, sessionId: body.sessionId, requestData: { persona: "helper" } });
      expect((await store.get(body.sessionId))?.state).toBe("connected");
      await started[0]?.transport.close("session over");
      const key = store.sessionKey(body.sessionId);
      const until = performance.now() + 2000;
      while ((await redis.exists(key)) === 1 && performance.now() < until) await sleep(10);
      expect(await redis.exists(key)).toBe(0);
    } finally {
      await browser.close();
      await signaller.closeAll();
    }
  });
});
