// The routes every server has (each also under /api/v1):
//
//   GET  /health    200 {data:{status:"ok"}}: the process answers
//   GET  /ready     200 {data:{status:"ready"}}, or 503 SERVICE_UNAVAILABLE naming the failed checks
//   GET  /metrics   Prometheus text; 204 when metrics_enabled is false
//   POST /token     (API key required) {data:{token, expiresIn}}: a 300 s token for /ws?token=
//   GET  /ws        WebSocket upgrade (API key or token required when a key is configured)

import type { VoxrayMetrics } from "../observers/metrics.ts";
import { HttpError } from "./envelope.ts";
import type { HttpServer } from "./http.ts";
import type { SessionManager } from "./sessions.ts";

export interface CoreRouteDeps {
  readonly metrics: VoxrayMetrics;
  readonly metricsEnabled: boolean;
  readonly sessions: SessionManager;
  /** Whether `/ws` is served: `transport` is "websocket" or "both". @defaultValue true */
  readonly websocket?: boolean;
}

export function registerCoreRoutes(server: HttpServer, deps: CoreRouteDeps): void {
  server
    .route("GET", "/health", () => ({ status: "ok" }), { name: "health" })
    .route(
      "GET",
      "/ready",
      async () => {
        const problems = await server.readinessProblems();
        if (problems.length > 0) {
          throw new HttpError(503, "SERVICE_UNAVAILABLE", `not ready: ${problems.map((p) => p.field).join(", ")}`, problems);
        }
        return { status: "ready", sessions: deps.sessions.size };
      },
      { name: "ready" },
    )
    .route(
      "GET",
      "/metrics",
      async ({ res }) => {
        if (!deps.metricsEnabled) {
          res.statusCode = 204;
          res.end();
          return;
        }
        const text = await deps.metrics.registry.metrics();
        res.statusCode = 200;
        res.setHeader("Content-Type", deps.metrics.registry.contentType);
        res.end(text);
      },
      { name: "metrics" },
    )
    .route("POST", "/token", () => server.auth.issueToken(), { auth: true, name: "token" });
  if (deps.websocket !== false) {
    server.upgrade("/ws", (ws, up) => deps.sessions.acceptWebSocket(ws, up), { auth: true, v1: true });
  }
}
