// server_api_key: X-API-Key or Bearer on protected routes, health/ready/metrics open, /ws
// refused before the upgrade, short-lived tokens for browsers (?token=), and tokens that are
// expired, forged or malformed refused.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkToken, signToken, tokenSecret } from "../../lib/server/auth.ts";
import { bodyOf, connect, startServer, upgradeStatus, type TestServer } from "./harness.ts";

const KEY = "s3cret-key";

describe("API key auth", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ server_api_key: KEY });
    server.http.route("POST", "/start", () => ({ sessionId: "abc" }), { auth: true });
  });
  afterAll(() => server.close());

  it("accepts X-API-Key and Authorization: Bearer (any case)", async () => {
    const a = await fetch(`${server.url}/start`, { method: "POST", headers: { "X-API-Key": KEY } });
    expect(a.status).toBe(200);
    const b = await fetch(`${server.url}/api/v1/start`, { method: "POST", headers: { Authorization: `bearer ${KEY}` } });
    expect(b.status).toBe(200);
  });

  it("refuses a missing or wrong key with 401 UNAUTHORIZED", async () => {
    const variants: Record<string, string>[] = [{}, { "X-API-Key": "wrong" }, { "X-API-Key": `${KEY}x` }, { Authorization: "Bearer nope" }, { Authorization: KEY }];
    for (const headers of variants) {
      const res = await fetch(`${server.url}/start`, { method: "POST", headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      const body = await bodyOf(res);
      expect(body.error.code).toBe("UNAUTHORIZED");
      expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
    }
  });

  it("leaves health, ready and metrics open", async () => {
    for (const path of ["/health", "/ready", "/metrics"]) expect((await fetch(server.url + path)).status, path).toBe(200);
  });

  it("refuses /ws before the upgrade with HTTP 401, and accepts the key in a header", async () => {
    expect(await upgradeStatus(`${server.wsUrl}/ws`)).toBe(401);
    expect(await upgradeStatus(`${server.wsUrl}/ws`, { headers: { "X-API-Key": "wrong" } })).toBe(401);
    expect(await upgradeStatus(`${server.wsUrl}/ws`, { headers: { "X-API-Key": KEY } })).toBe("open");
    expect(await upgradeStatus(`${server.wsUrl}/ws`, { headers: { Authorization: `Bearer ${KEY}` } })).toBe("open");
    expect(server.sessions.size).toBeLessThanOrEqual(2);
  });

  it("POST /api/v1/token needs the key and gives a 300 s token usable as /ws?token=", async () => {
    expect((await fetch(`${server.url}/api/v1/token`, { method: "POST" })).status).toBe(401);
    const res = await fetch(`${server.url}/api/v1/token`, { method: "POST", headers: { "X-API-Key": KEY } });
    expect(res.status).toBe(200);
    const { data } = await bodyOf(res);
    expect(data.expiresIn).toBe(300);
    expect(typeof data.token).toBe("string");
    const client = await connect(`${server.wsUrl}/ws?token=${encodeURIComponent(data.token)}`);
    client.close();
    await client.closed;
    // A token is for the socket only: it does not open the HTTP API.
    expect((await fetch(`${server.url}/start`, { method: "POST", headers: { Authorization: `Bearer ${data.token}` } })).status).toBe(401);
  });

  it("refuses expired, forged and malformed tokens", async () => {
    const secret = tokenSecret(KEY);
    const expired = signToken(secret, Date.now() / 1000 - 1);
    const forged = signToken(tokenSecret("another key"), Date.now() / 1000 + 300);
    const fresh = signToken(secret, Date.now() / 1000 + 300);
    const tampered = fresh.replace(/^\d+/, (exp) => String(Number(exp) + 1000));
    for (const token of [expired, forged, tampered, "garbage", ""]) {
      expect(await upgradeStatus(`${server.wsUrl}/ws?token=${encodeURIComponent(token)}`), token).toBe(401);
    }
    expect(await upgradeStatus(`${server.wsUrl}/ws?token=${encodeURIComponent(fresh)}`)).toBe("open");
  });
});

describe("token checks", () => {
  const secret = tokenSecret("k");
  it("classifies tokens", () => {
    const now = 1_000_000;
    expect(checkToken(secret, signToken(secret, now + 300), now)).toBe("ok");
    expect(checkToken(secret, signToken(secret, now), now)).toBe("expired");
    expect(checkToken(tokenSecret("other"), signToken(secret, now + 300), now)).toBe("forged");
    expect(checkToken(secret, "a.b", now)).toBe("malformed");
    expect(checkToken(secret, "x.y.z", now)).toBe("malformed");
  });
});

describe("without server_api_key", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({});
  });
  afterAll(() => server.close());

  it("everything is open", async () => {
    expect(await upgradeStatus(`${server.wsUrl}/ws`)).toBe("open");
    expect((await fetch(`${server.url}/api/v1/token`, { method: "POST" })).status).toBe(200);
  });
});
