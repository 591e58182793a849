// The HTTP surface of a real server on a loopback port: envelopes with the request id in
// body and header, 404/405, /api/v1 mirrors, health/ready/metrics, CORS variants, the body
// limit, and routes added by other parts of the server.

import { request } from "node:http";
import { connect as tcpConnect } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { HttpError } from "../../lib/server/envelope.ts";
import { bodyOf, startServer, upgradeStatus, type TestServer } from "./harness.ts";

describe("HTTP routes and envelopes", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ max_request_body_bytes: 1024 });
    server.http
      .route("POST", "/echo-body", async (ctx) => ({ got: await ctx.json() }))
      .route("GET", "/sessions/{id}/peek", (ctx) => ({ id: ctx.params["id"] }))
      .route("GET", "/boom", () => {
        throw new Error("kaboom");
      })
      .route("GET", "/teapot", () => {
        throw new HttpError(422, "VALIDATION_ERROR", "bad field", [{ field: "x", message: "required" }]);
      });
  });
  afterAll(() => server.close());

  it("GET /health answers the success envelope, with the request id in body and header", async () => {
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
    const body = await bodyOf(res);
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body).toEqual({ data: { status: "ok" }, meta: { requestId: id } });
  });

  it("echoes a client's X-Request-ID", async () => {
    const res = await fetch(`${server.url}/api/v1/health`, { headers: { "X-Request-ID": "trace-123" } });
    expect(res.headers.get("x-request-id")).toBe("trace-123");
    expect((await bodyOf(res)).meta.requestId).toBe("trace-123");
  });

  it("replaces an unusable X-Request-ID with a fresh one", async () => {
    const res = await fetch(`${server.url}/health`, { headers: { "X-Request-ID": "x".repeat(300) } });
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("mounts every route under /api/v1 too", async () => {
    for (const path of ["/ready", "/api/v1/ready", "/api/v1/metrics"]) {
      expect((await fetch(server.url + path)).status, path).toBe(200);
    }
  });

  it("404 NOT_FOUND with the error envelope for unknown paths", async () => {
    const res = await fetch(`${server.url}/no/such/thing`);
    expect(res.status).toBe(404);
    const body = await bodyOf(res);
    expect(body.error).toMatchObject({ code: "NOT_FOUND", requestId: res.headers.get("x-request-id") });
    expect(typeof body.error.message).toBe("string");
  });

  it("405 with code BAD_REQUEST and an Allow header for a wrong method", async () => {
    const res = await fetch(`${server.url}/health`, { method: "DELETE" });
    expect(res.status).toBe(405);
    expect((await bodyOf(res)).error.code).toBe("BAD_REQUEST");
    expect(res.headers.get("allow")).toContain("GET");
  });

  it("routes with named segments get decoded params", async () => {
    const res = await fetch(`${server.url}/api/v1/sessions/a%20b/peek`);
    expect((await bodyOf(res)).data).toEqual({ id: "a b" });
  });

  it("a handler's HttpError becomes its envelope; any other throw is a 500 INTERNAL_ERROR", async () => {
    const teapot = await fetch(`${server.url}/teapot`);
    expect(teapot.status).toBe(422);
    expect((await bodyOf(teapot)).error).toMatchObject({ code: "VALIDATION_ERROR", details: [{ field: "x", message: "required" }] });
    const boom = await fetch(`${server.url}/boom`);
    expect(boom.status).toBe(500);
    const body = await bodyOf(boom);
    expect(body.error.code).toBe("INTERNAL_ERROR");
    expect(body.error.message).not.toContain("kaboom");
  });

  it("reads JSON bodies; malformed JSON is 400 BAD_REQUEST", async () => {
    const ok = await fetch(`${server.url}/echo-body`, { method: "POST", body: JSON.stringify({ a: 1 }) });
    expect((await bodyOf(ok)).data).toEqual({ got: { a: 1 } });
    const bad = await fetch(`${server.url}/echo-body`, { method: "POST", body: "{nope" });
    expect(bad.status).toBe(400);
    expect((await bodyOf(bad)).error.code).toBe("BAD_REQUEST");
  });

  it("413 with an envelope for a body over max_request_body_bytes (declared length)", async () => {
    const res = await fetch(`${server.url}/echo-body`, { method: "POST", body: JSON.stringify({ s: "x".repeat(5000) }) });
    expect(res.status).toBe(413);
    expect((await bodyOf(res)).error.code).toBe("BAD_REQUEST");
  });

  it("413 for a chunked body that grows past the limit, and the server keeps serving", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}/echo-body`, { method: "POST", headers: { "Transfer-Encoding": "chunked" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      for (let i = 0; i < 8; i++) req.write("x".repeat(512));
      req.end();
    });
    expect(status).toBe(413);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it("survives garbage on the wire: bad request lines, bad upgrades, half-sent requests", async () => {
    const { port } = new URL(server.url);
    const garbage = [
      "NOT HTTP AT ALL\r\n\r\n",
      "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
      "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: nope\r\n\r\n",
      "POST /echo-body HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\":",
      `GET /${"%".repeat(50)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    ];
    await Promise.all(
      garbage.map(
        (text) =>
          new Promise<void>((resolve) => {
            const socket = tcpConnect(Number(port), "127.0.0.1", () => socket.end(text));
            socket.on("error", () => resolve());
            socket.on("close", () => resolve());
            socket.resume();
            setTimeout(() => socket.destroy(), 300);
          }),
      ),
    );
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it("/ready turns 503 SERVICE_UNAVAILABLE when a readiness check fails, naming it", async () => {
    let healthy = true;
    server.http.addReadinessCheck("store", () => {
      if (!healthy) throw new Error("ping failed");
    });
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    healthy = false;
    const res = await fetch(`${server.url}/ready`);
    expect(res.status).toBe(503);
    const body = await bodyOf(res);
    expect(body.error.code).toBe("SERVICE_UNAVAILABLE");
    expect(body.error.details).toEqual([{ field: "store", message: "ping failed" }]);
    healthy = true;
  });

  it("/metrics serves the Prometheus families", async () => {
    await fetch(`${server.url}/health`);
    const res = await fetch(`${server.url}/metrics`);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    for (const name of [
      "http_requests_total",
      "http_request_duration_seconds",
      "http_active_connections",
      "http_errors_total",
      "stt_time_to_first_token_seconds",
      "llm_time_to_first_token_seconds",
      "tts_time_to_first_audio_chunk_seconds",
      "webrtc_peer_connections_total",
      "voxray_active_sessions",
      "voxray_sessions_total",
      "voxray_user_bot_latency_seconds",
      "pipeline_input_queue_depth",
      "pipeline_input_queue_high_water",
      "pipeline_input_dropped_total",
      "pipeline_input_pauses_total",
      "process_cpu_user_seconds_total",
      "nodejs_eventloop_lag_seconds",
    ]) {
      expect(text, name).toContain(`# TYPE ${name} `);
    }
    expect(text).toMatch(/http_requests_total\{method="GET",route="health",status_code="200"\} [1-9]/);
    expect(text).toMatch(/http_errors_total\{method="GET",route="not_found",error_type="4xx"\} [1-9]/);
  });
});

describe("metrics disabled", () => {
  let server: TestServer;
  afterEach(() => server.close());

  it("/metrics answers 204 and HTTP metrics are not recorded", async () => {
    server = await startServer({ metrics_enabled: false });
    await fetch(`${server.url}/health`);
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    expect(await server.metrics.registry.getSingleMetricAsString("http_requests_total")).not.toContain("route=");
  });
});

describe("CORS", () => {
  let server: TestServer;
  afterEach(() => server.close());
  const from = (origin: string) => ({ headers: { Origin: origin } });

  it('absent (or "*"): Access-Control-Allow-Origin: *', async () => {
    server = await startServer({});
    const res = await fetch(`${server.url}/health`, from("https://a.example"));
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("[]: no CORS headers at all", async () => {
    server = await startServer({ cors_allowed_origins: [] });
    const res = await fetch(`${server.url}/health`, from("https://a.example"));
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("a list: the request Origin is reflected only when listed", async () => {
    server = await startServer({ cors_allowed_origins: ["https://app.example"] });
    const ok = await fetch(`${server.url}/health`, from("https://app.example"));
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(ok.headers.get("vary")).toContain("Origin");
    const other = await fetch(`${server.url}/health`, from("https://evil.example"));
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("a list also guards WebSocket upgrades: listed origins, the server's own host, or no Origin", async () => {
    server = await startServer({ cors_allowed_origins: ["https://app.example"] });
    const host = new URL(server.url).host;
    expect(await upgradeStatus(`${server.wsUrl}/ws`, { headers: { Origin: "https://evil.example" } })).toBe(403);
    expect(await upgradeStatus(`${server.wsUrl}/ws`, { headers: { Origin: "https://app.example" } })).toBe("open");
    expect(await upgradeStatus(`${server.wsUrl}/ws`, { headers: { Origin: `http://${host}` } })).toBe("open");
    expect(await upgradeStatus(`${server.wsUrl}/ws`)).toBe("open");
  });

  it("OPTIONS preflight: 204 with methods and the allowed headers", async () => {
    server = await startServer({});
    server.http.route("POST", "/start", () => ({ sessionId: "x" }), { auth: true });
    const res = await fetch(`${server.url}/api/v1/start`, {
      method: "OPTIONS",
      headers: { Origin: "https://a.example", "Access-Control-Request-Method": "POST" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    const headers = res.headers.get("access-control-allow-headers") ?? "";
    for (const h of ["Content-Type", "Authorization", "X-API-Key", "Idempotency-Key"]) expect(headers).toContain(h);
  });
});
