// Runner mode on the real server: POST /start registers a session (Idempotency-Key replays
// it), /sessions/{id}/api/offer starts its bot with the /start body, and the record goes away
// when the session ends. Answers carry Pipecat's fields at the top and the Go envelope
// beside them. With the Redis store, two server instances share sessions: /start on one and
// the offer on the other works, and the bot runs where the offer was answered. A store that
// is down gives 503, and /ready says so.

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MemorySessionStore } from "../../lib/runner/memorySessionStore.ts";
import { createRunnerExtension } from "../../lib/server/runnerRoutes.ts";
import { createWebrtcExtension } from "../../lib/server/webrtcRoutes.ts";
import { deleteKeys, inspector, REDIS_URL, redisUnavailable, testPrefix } from "../runner/redisHarness.ts";
import { FakeBrowser } from "../transports/webrtc/fakeBrowser.ts";
import { bodyOf, startServer, type TestServer } from "./harness.ts";

const loopback = createWebrtcExtension({ peer: { loopbackOnly: true } });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function request(server: TestServer, path: string, body?: unknown, headers: Record<string, string> = {}, method = "POST"): Promise<Response> {
  const text = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  return fetch(`${server.url}${path}`, { method, headers: { "Content-Type": "application/json", ...headers }, body: text });
}

const browsers: FakeBrowser[] = [];
afterEach(async () => {
  for (const b of browsers.splice(0)) await b.close();
});

/** A browser connected through /sessions/{id}/api/offer on `server`. */
async function connectSession(server: TestServer, sessionId: string, path = `/sessions/${sessionId}/api/offer`): Promise<{ browser: FakeBrowser; answer: any }> {
  const browser = new FakeBrowser();
  browsers.push(browser);
  const { sdp } = await browser.offer();
  const res = await request(server, path, { sdp, type: "offer", pc_id: null, restart_pc: false });
  expect(res.status).toBe(200);
  const answer = await bodyOf(res);
  await browser.accept(answer.sdp ?? answer.data.answer);
  await browser.connected();
  await browser.chatOpen();
  return { browser, answer };
}

/** Polls an async condition every 20 ms for up to `ms`. */
async function eventually(check: () => Promise<boolean>, ms = 2000): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

const leave = (browser: FakeBrowser): void => browser.chat.send(JSON.stringify({ type: "signalling", message: { type: "peerLeft" } }));

describe("runner routes with the memory store", () => {
  let server: TestServer;
  const store = new MemorySessionStore();
  const bodies: unknown[] = [];

  beforeAll(async () => {
    server = await startServer(
      { transport: "smallwebrtc", webrtc_ice_servers: [{ urls: "turn:turn.example.com:3478", username: "u", credential: "p" }] },
      { extensions: [loopback, createRunnerExtension({ store })], stages: [(ctx) => (bodies.push(ctx.session.body), [])] },
    );
  });
  afterAll(async () => {
    await server.close();
    await store.close();
  });

  it("POST /start answers 201 with Pipecat's fields and the Go envelope, iceConfig from config", async () => {
    const res = await request(server, "/start", { transport: "webrtc", body: { user: "ada" }, enableDefaultIceServers: true });
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await bodyOf(res);
    expect(body.sessionId).toMatch(UUID);
    expect(body.iceConfig.iceServers).toEqual([
      { urls: ["stun:stun.l.google.com:19302"] },
      { urls: ["turn:turn.example.com:3478"], username: "u", credential: "p" },
    ]);
    expect(body.data).toEqual({ sessionId: body.sessionId, iceConfig: body.iceConfig });
    expect(body.meta.requestId).toBe(res.headers.get("x-request-id"));
    expect(await store.get(body.sessionId)).toMatchObject({ state: "created", body: { user: "ada" } });
  });

  it("POST /start with no body at all (Pipecat's startBot without requestData) is fine, also under /api/v1", async () => {
    for (const path of ["/start", "/api/v1/start"]) {
      const res = await fetch(`${server.url}${path}`, { method: "POST" });
      expect(res.status).toBe(201);
      expect((await bodyOf(res)).sessionId).toMatch(UUID);
    }
  });

  it("replays an Idempotency-Key: same session, 201 again; another request under it is 409", async () => {
    const key = `key-${Math.random()}`;
    const first = await bodyOf(await request(server, "/start", { body: { n: 1 } }, { "Idempotency-Key": key }));
    const again = await request(server, "/start", { body: { n: 1 } }, { "Idempotency-Key": key });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotency-replayed")).toBe("true");
    expect((await bodyOf(again)).sessionId).toBe(first.sessionId);

    const other = await request(server, "/start", { body: { n: 2 } }, { "Idempotency-Key": key });
    expect(other.status).toBe(409);
    expect((await bodyOf(other)).error).toMatchObject({ code: "CONFLICT", details: [{ field: "Idempotency-Key" }] });

    const tooLong = await request(server, "/start", {}, { "Idempotency-Key": "k".repeat(256) });
    expect(tooLong.status).toBe(422);
  });

  it("refuses bad /start bodies: 400 bad JSON, 422 wrong shape or transport, 413 too large", async () => {
    expect((await request(server, "/start", "{oops")).status).toBe(400);
    const list = await request(server, "/start", [1, 2]);
    expect(list.status).toBe(422);
    expect((await bodyOf(list)).error.code).toBe("VALIDATION_ERROR");
    const daily = await request(server, "/start", { transport: "daily" });
    expect(daily.status).toBe(422);
    expect((await bodyOf(daily)).error.details).toEqual([expect.objectContaining({ field: "transport" })]);
    const huge = await request(server, "/start", { body: "x".repeat(300_000) });
    expect(huge.status).toBe(413);
    expect((await bodyOf(huge)).error.code).toBe("BAD_REQUEST");
  });

  it("an offer for the session runs the bot with the /start body, as that session, and forgets it at the end", async () => {
    bodies.length = 0;
    const { sessionId } = await bodyOf(await request(server, "/start", { body: { plan: "pro" } }));
    const { browser, answer } = await connectSession(server, sessionId);
    expect(answer).toMatchObject({ type: "answer", data: { answer: answer.sdp, type: "answer", pc_id: answer.pc_id } });
    expect(bodies).toEqual([{ plan: "pro" }]);
    const session = server.sessions.get(sessionId);
    expect(session?.kind).toBe("webrtc");
    expect((await store.get(sessionId))?.state).toBe("connected");

    leave(browser);
    expect((await session!.done).reason).toBe("disconnect");
    expect(await eventually(async () => (await store.get(sessionId)) === undefined)).toBe(true);
    const late = await request(server, `/sessions/${sessionId}/api/offer`, { sdp: "v=0" });
    expect(late.status).toBe(404);
  });

  it("accepts raw SDP and trickled candidates on /sessions/{id}/api/offer", async () => {
    const { sessionId } = await bodyOf(await request(server, "/start", {}));
    const browser = new FakeBrowser();
    browsers.push(browser);
    const { sdp, candidates } = await browser.offer({ trickle: true });
    const res = await request(server, `/sessions/${sessionId}/api/offer`, sdp, { "Content-Type": "text/plain" });
    expect(res.status).toBe(200);
    const answer = await bodyOf(res);
    await browser.accept(answer.sdp);
    const patch = await request(server, `/sessions/${sessionId}/api/offer`, { pc_id: answer.pc_id, candidates }, {}, "PATCH");
    expect(patch.status).toBe(200);
    expect(await bodyOf(patch)).toMatchObject({ status: "success", data: { status: "success" } });
    await browser.connected();

    const unknownPeer = await request(server, `/sessions/${sessionId}/api/offer`, { pc_id: "nope", candidates: [] }, {}, "PATCH");
    expect(unknownPeer.status).toBe(404);
    expect((await bodyOf(unknownPeer)).error.details).toEqual([expect.objectContaining({ field: "pc_id" })]);
  });

  it("the Go paths /api/v1/sessions/{id}/offer answer in the envelope, PATCH with 204", async () => {
    const { sessionId } = await bodyOf(await request(server, "/start", {}));
    const { answer } = await connectSession(server, sessionId, `/api/v1/sessions/${sessionId}/offer`);
    expect(Object.keys(answer).sort()).toEqual(["data", "meta"]);
    expect(answer.data).toMatchObject({ type: "answer", pc_id: expect.any(String) });
    const patch = await request(server, `/api/v1/sessions/${sessionId}/offer`, { pc_id: answer.data.pc_id, candidates: [] }, {}, "PATCH");
    expect(patch.status).toBe(204);
  });

  it("answers CORS preflights for the browser's POST and PATCH with the headers clients send", async () => {
    for (const [path, method] of [["/start", "POST"], ["/sessions/00000000-0000-4000-8000-000000000000/api/offer", "PATCH"]] as const) {
      const res = await fetch(`${server.url}${path}`, {
        method: "OPTIONS",
        headers: { Origin: "https://app.example", "Access-Control-Request-Method": method },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(res.headers.get("access-control-allow-methods")).toContain(method);
      expect(res.headers.get("access-control-allow-headers")).toContain("Idempotency-Key");
    }
  });

  it("a session id that is not a UUID is 400, an unknown one 404, bad SDP 400", async () => {
    const notUuid = await request(server, "/sessions/not-a-uuid/api/offer", { sdp: "v=0" });
    expect(notUuid.status).toBe(400);
    expect((await bodyOf(notUuid)).error).toMatchObject({ code: "VALIDATION_ERROR", details: [{ field: "sessionId" }] });
    expect((await request(server, "/sessions/not-a-uuid/api/offer", { pc_id: "x", candidates: [] }, {}, "PATCH")).status).toBe(400);

    const unknown = await request(server, "/sessions/00000000-0000-4000-8000-000000000000/api/offer", { sdp: "v=0" });
    expect(unknown.status).toBe(404);
    expect((await bodyOf(unknown)).error.code).toBe("NOT_FOUND");

    const { sessionId } = await bodyOf(await request(server, "/start", {}));
    const bad = await request(server, `/sessions/${sessionId}/api/offer`, { sdp: "not sdp" });
    expect(bad.status).toBe(400);
    expect((await bodyOf(bad)).error.details).toEqual([expect.objectContaining({ field: "sdp" })]);
  });
});

describe("runner routes: registration and auth", () => {
  it("are absent for transport websocket", async () => {
    const server = await startServer({ transport: "websocket" }, { extensions: [loopback, createRunnerExtension()] });
    try {
      expect((await request(server, "/start", {})).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it("need the API key when one is configured", async () => {
    const server = await startServer({ transport: "both", server_api_key: "sesame" }, { extensions: [loopback, createRunnerExtension()] });
    try {
      expect((await request(server, "/start", {})).status).toBe(401);
      const ok = await request(server, "/start", {}, { Authorization: "Bearer sesame" });
      expect(ok.status).toBe(201);
      const { sessionId } = await bodyOf(ok);
      expect((await request(server, `/sessions/${sessionId}/api/offer`, { sdp: "v=0" })).status).toBe(401);
    } finally {
      await server.close();
    }
  });

  it("answer 503 SERVICE_UNAVAILABLE while the Redis store is down, and /ready says why", async () => {
    const server = await startServer(
      { transport: "smallwebrtc", session_store: "redis", redis_url: "redis://127.0.0.1:1" },
      { extensions: [loopback, createRunnerExtension()] },
    );
    try {
      const res = await request(server, "/start", {});
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("1");
      const body = await bodyOf(res);
      expect(body.error.code).toBe("SERVICE_UNAVAILABLE");
      expect(body.error.message).not.toContain("127.0.0.1");
      const ready = await fetch(`${server.url}/ready`);
      expect(ready.status).toBe(503);
      expect((await bodyOf(ready)).error.details).toEqual([expect.objectContaining({ field: "session_store" })]);
    } finally {
      await server.close();
    }
  });
});

const noRedis = await redisUnavailable();

describe.skipIf(noRedis)(`two instances sharing Redis (${noRedis ?? REDIS_URL})`, () => {
  const prefix = testPrefix();
  const redis = inspector();
  let a: TestServer;
  let b: TestServer;
  const config = { transport: "smallwebrtc", session_store: "redis", redis_url: REDIS_URL, webrtc_ice_servers: [] };

  beforeAll(async () => {
    a = await startServer(config, { extensions: [loopback, createRunnerExtension({ redisKeyPrefix: prefix })] });
    b = await startServer(config, { extensions: [loopback, createRunnerExtension({ redisKeyPrefix: prefix })] });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it("/ready checks the store", async () => {
    const ready = await fetch(`${a.url}/ready`);
    expect(ready.status).toBe(200);
  });

  it("POST /start on A, the offer on B: B finds the session and runs the bot; it is deleted at the end", async () => {
    const { sessionId } = await bodyOf(await request(a, "/start", { body: { from: "A" } }));
    expect(await redis.exists(`${prefix}session:${sessionId}`)).toBe(1);

    const { browser } = await connectSession(b, sessionId);
    const session = b.sessions.get(sessionId);
    expect(session?.kind).toBe("webrtc");
    expect(a.sessions.size).toBe(0);
    expect(JSON.parse((await redis.get(`${prefix}session:${sessionId}`)) ?? "{}")).toMatchObject({ state: "connected", body: { from: "A" } });

    leave(browser);
    await session!.done;
    expect(await eventually(async () => (await redis.exists(`${prefix}session:${sessionId}`)) === 0)).toBe(true);
    // A no longer knows it either.
    expect((await request(a, `/sessions/${sessionId}/api/offer`, { sdp: "v=0" })).status).toBe(404);
  });

  it("an Idempotency-Key used on A is replayed by B", async () => {
    const key = `shared-${Math.random()}`;
    const first = await bodyOf(await request(a, "/start", { body: { k: 1 } }, { "Idempotency-Key": key }));
    const replay = await request(b, "/start", { body: { k: 1 } }, { "Idempotency-Key": key });
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotency-replayed")).toBe("true");
    expect((await bodyOf(replay)).sessionId).toBe(first.sessionId);
  });
});
