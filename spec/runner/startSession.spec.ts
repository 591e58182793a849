// startSession (POST /start for WebRTC): a UUID session with its body stored, the ICE
// servers the browser should use (Google STUN on request, configured TURN with its
// credentials), Idempotency-Key replay of the first reply, and clear errors for bad input.

import { describe, expect, it } from "vitest";
import { MemorySessionStore } from "../../lib/runner/memorySessionStore.ts";
import { iceServersFor, startSession, StartSessionError } from "../../lib/runner/startSession.ts";

const turn = { urls: ["turn:turn.example.com:3478"], username: "u", credential: "p" };

async function failure(promise: Promise<unknown>): Promise<StartSessionError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(StartSessionError);
    return error as StartSessionError;
  }
  throw new Error("expected startSession to fail");
}

describe("startSession", () => {
  it("registers a session under a new UUID with the request body, and answers 201 {sessionId}", async () => {
    const store = new MemorySessionStore();
    const result = await startSession({ store, now: () => new Date("2026-02-03T04:05:06Z") }, { body: { lang: "fr" } });
    expect(result.status).toBe(201);
    expect(result.replayed).toBe(false);
    expect(result.body).toEqual({ sessionId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/) });
    expect(await store.get(result.body.sessionId)).toEqual({
      id: result.body.sessionId,
      createdAt: "2026-02-03T04:05:06.000Z",
      body: { lang: "fr" },
      state: "created",
    });
  });

  it("returns Google STUN when enableDefaultIceServers is set, plus the configured servers with TURN credentials", async () => {
    const store = new MemorySessionStore();
    const withDefault = await startSession({ store, iceServers: [turn] }, { enableDefaultIceServers: true });
    expect(withDefault.body.iceConfig).toEqual({ iceServers: [{ urls: ["stun:stun.l.google.com:19302"] }, turn] });
    const configuredOnly = await startSession({ store, iceServers: [turn] }, {});
    expect(configuredOnly.body.iceConfig).toEqual({ iceServers: [turn] });
    const none = await startSession({ store }, {});
    expect(none.body.iceConfig).toBeUndefined();
    expect((await store.get(withDefault.body.sessionId))?.iceConfig).toEqual(withDefault.body.iceConfig);
  });

  it("lists a server configured and also asked for by default only once", () => {
    expect(iceServersFor(true, [{ urls: ["stun:stun.l.google.com:19302"] }, turn])).toEqual([
      { urls: ["stun:stun.l.google.com:19302"] },
      turn,
    ]);
  });

  it("replays the first reply for a repeated Idempotency-Key and creates nothing new", async () => {
    const store = new MemorySessionStore();
    const first = await startSession({ store }, { body: { a: 1, b: 2 } }, "key-1");
    const again = await startSession({ store }, { body: { b: 2, a: 1 } }, "key-1"); // same request, keys reordered
    expect(again).toEqual({ ...first, replayed: true });
    expect(store.size.sessions).toBe(1);
    const other = await startSession({ store }, { body: { a: 1, b: 2 } }, "key-2");
    expect(other.body.sessionId).not.toBe(first.body.sessionId);
  });

  it("answers CONFLICT when a key is reused for a different request", async () => {
    const store = new MemorySessionStore();
    await startSession({ store }, { body: { a: 1 } }, "key-1");
    const error = await failure(startSession({ store }, { body: { a: 2 } }, "key-1"));
    expect(error.code).toBe("CONFLICT");
    expect(error.status).toBe(409);
    expect(error.message).toMatch(/already used for a different \/start request/);
  });

  it.each([
    [[1], "VALIDATION_ERROR", undefined],
    ["body", "VALIDATION_ERROR", undefined],
    [{ transport: "daily" }, "VALIDATION_ERROR", "transport"],
    [{ enableDefaultIceServers: "yes" }, "VALIDATION_ERROR", "enableDefaultIceServers"],
  ])("rejects the request %j", async (request, code, field) => {
    const error = await failure(startSession({ store: new MemorySessionStore() }, request));
    expect(error.code).toBe(code);
    expect(error.status).toBe(422);
    expect(error.field).toBe(field);
  });

  it("accepts an empty request and an explicit webrtc transport", async () => {
    const store = new MemorySessionStore();
    await expect(startSession({ store }, undefined)).resolves.toMatchObject({ status: 201 });
    await expect(startSession({ store }, { transport: "webrtc" })).resolves.toMatchObject({ status: 201 });
  });

  it.each(["", "a b", "x".repeat(256), "é"])("rejects the Idempotency-Key %j", async (key) => {
    const error = await failure(startSession({ store: new MemorySessionStore() }, {}, key));
    expect(error.field).toBe("Idempotency-Key");
  });
});
