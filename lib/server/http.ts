// The HTTP server: node:http (or https), with WebSocket upgrades on the same port through a
// `ws` WebSocketServer in noServer mode.
//
// Every request gets an id (the client's X-Request-ID when sane, else a new uuid), echoed
// in the X-Request-ID header and in every envelope; CORS headers per config; the API-key
// check for routes that ask for it; a bounded body; and HTTP metrics (unless disabled).
// Nothing a client sends can crash the process: handler failures become 500 envelopes,
// socket errors are logged, slow requests hit the timeouts below.
//
// Other parts of the server add their endpoints with
//   server.route("POST", "/start", handler, { auth: true })     → also /api/v1/start
//   server.upgrade("/telephony/ws", onSocket, { auth: false })   → WebSocket endpoint
//   server.addReadinessCheck("redis", async () => { await redis.ping(); })
// (see routes.ts for patterns and the handler contract).

import { randomUUID } from "node:crypto";
import { createServer as createHttpServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { Logger } from "../pipeline/context.ts";
import type { VoxrayMetrics } from "../observers/metrics.ts";
import { Authenticator } from "./auth.ts";
import { parseJson, readBody } from "./body.ts";
import { answerPreflight, applyCors, websocketOriginAllowed, type AllowedOrigins } from "./cors.ts";
import { errorBody, HttpError, sendData, sendError, type ErrorCode } from "./envelope.ts";
import { normalizePath, Router, type Method, type RouteContext, type RouteHandler, type RouteOptions } from "./routes.ts";

/** Largest inbound WebSocket message (1 MiB, as in the Go original); larger ones close with 1009. */
export const WS_MAX_MESSAGE_BYTES = 1 << 20;
/** Headers must arrive within 10 s and a whole request within 30 s (the Go original's limits). */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
const KEEP_ALIVE_TIMEOUT_MS = 60_000;
/** Longest a readiness check may take before it counts as failed. */
const READINESS_TIMEOUT_MS = 2_000;

export interface HttpServerOptions {
  readonly log: Logger;
  readonly metrics: VoxrayMetrics;
  readonly metricsEnabled?: boolean;
  readonly maxBodyBytes?: number;
  readonly corsAllowedOrigins?: AllowedOrigins;
  readonly apiKey?: string;
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
}

export interface UpgradeContext {
  readonly req: IncomingMessage;
  readonly url: URL;
  /** The TCP socket under the WebSocket. */
  readonly socket: Duplex;
  readonly requestId: string;
}

export type UpgradeHandler = (ws: WebSocket, ctx: UpgradeContext) => void;

export interface UpgradeOptions {
  /** Needs the API key or a token, when a key is configured. @defaultValue true */
  readonly auth?: boolean;
  /** Also mount under /api/v1. @defaultValue false */
  readonly v1?: boolean;
}

export type ReadinessCheck = () => unknown;

const REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

function requestIdOf(req: IncomingMessage): string {
  const given = req.headers["x-request-id"];
  const id = Array.isArray(given) ? given[0] : given;
  return id !== undefined && REQUEST_ID.test(id) ? id : randomUUID();
}

function parseUrl(req: IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? "/", "http://localhost");
  } catch {
    return null;
  }
}

export class HttpServer {
  readonly server: Server;
  readonly wss: WebSocketServer;
  readonly auth: Authenticator;
  private readonly router = new Router();
  private readonly upgrades = new Map<string, { handler: UpgradeHandler; auth: boolean }>();
  private readonly readiness = new Map<string, ReadinessCheck>();
  private readonly log: Logger;
  private readonly maxBodyBytes: number;
  private readonly cors: AllowedOrigins;
  private draining = false;

  constructor(private readonly opts: HttpServerOptions) {
    this.log = opts.log;
    this.maxBodyBytes = opts.maxBodyBytes ?? 262_144;
    this.cors = opts.corsAllowedOrigins ?? "*";
    this.auth = new Authenticator({ apiKey: opts.apiKey });
    const listener = (req: IncomingMessage, res: ServerResponse): void => {
      this.handle(req, res).catch((error: unknown) => this.answerFailure(req, res, error, String(res.getHeader("X-Request-ID") ?? "")));
    };
    this.server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, listener) : createHttpServer(listener);
    this.server.headersTimeout = HEADERS_TIMEOUT_MS;
    this.server.requestTimeout = REQUEST_TIMEOUT_MS;
    this.server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    this.server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      try {
        this.handleUpgrade(req, socket, head);
      } catch (error) {
        this.log.error({ err: error }, "websocket upgrade failed");
        socket.destroy();
      }
    });
    this.server.on("error", (error) => this.log.error({ err: error }, "http server error"));
    // perMessageDeflate off: audio does not compress and deflate costs CPU per message.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_MESSAGE_BYTES, perMessageDeflate: false });
    this.wss.on("error", (error) => this.log.error({ err: error }, "websocket server error"));
  }

  /** Adds an HTTP route (see routes.ts). Returns this, for chaining. */
  route(method: Method, path: string, handler: RouteHandler, options?: RouteOptions): this {
    this.router.add(method, path, handler, options);
    return this;
  }

  /** Adds a WebSocket endpoint on the same port. */
  upgrade(path: string, handler: UpgradeHandler, options: UpgradeOptions = {}): this {
    const entry = { handler, auth: options.auth !== false };
    this.upgrades.set(normalizePath(path), entry);
    if (options.v1 === true) this.upgrades.set(normalizePath(`/api/v1${path}`), entry);
    return this;
  }

  /** A check /ready runs; it fails by throwing, rejecting or returning false. */
  addReadinessCheck(name: string, check: ReadinessCheck): this {
    this.readiness.set(name, check);
    return this;
  }

  /** Each check's failure message, or an empty list when the server is ready. */
  async readinessProblems(): Promise<{ field: string; message: string }[]> {
    if (this.draining) return [{ field: "server", message: "shutting down" }];
    const results = await Promise.all(
      [...this.readiness].map(async ([name, check]) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${READINESS_TIMEOUT_MS} ms`)), READINESS_TIMEOUT_MS);
        });
        try {
          const ok = await Promise.race([Promise.resolve().then(check), timeout]);
          return ok === false ? { field: name, message: "not ready" } : null;
        } catch (error) {
          return { field: name, message: error instanceof Error ? error.message : String(error) };
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return results.filter((r): r is { field: string; message: string } => r !== null);
  }

  get isDraining(): boolean {
    return this.draining;
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once("error", onError);
      this.server.listen(port, host === "" ? undefined : host, () => {
        this.server.off("error", onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Stops accepting connections and upgrades; /ready answers 503 from now on. */
  stopAccepting(): void {
    if (this.draining) return;
    this.draining = true;
    this.server.close();
    this.server.closeIdleConnections();
  }

  /** Closes every remaining connection; resolves when the listener has closed. */
  async close(): Promise<void> {
    this.stopAccepting();
    for (const client of this.wss.clients) client.terminate();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => {
      if (!this.server.listening) resolve();
      else this.server.once("close", () => resolve());
    });
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const requestId = requestIdOf(req);
    res.setHeader("X-Request-ID", requestId);
    const originAllowed = applyCors(req, res, this.cors);
    const url = parseUrl(req);
    const method = (req.method ?? "GET").toUpperCase();
    const match = url ? this.router.match(method, url.pathname) : ({ kind: "none" } as const);
    const routeName = match.kind === "found" ? match.route.name : match.kind === "method" ? normalizePath(url!.pathname) : "not_found";
    const recording = this.opts.metricsEnabled !== false;
    if (recording) {
      const leave = this.opts.metrics.http.enter(routeName);
      res.once("close", () => {
        leave();
        this.opts.metrics.http.observe(method, routeName, res.statusCode, (performance.now() - started) / 1000);
      });
    }
    req.on("error", (error) => this.log.debug({ err: error, requestId }, "request stream error"));
    res.on("error", (error) => this.log.debug({ err: error, requestId }, "response stream error"));

    if (url === null) return sendError(res, 400, "BAD_REQUEST", "malformed request URL", requestId);
    if (match.kind === "none") return sendError(res, 404, "NOT_FOUND", `no route for ${url.pathname}`, requestId);
    if (match.kind === "method") {
      if (method === "OPTIONS") return answerPreflight(res, match.allowed, originAllowed);
      res.setHeader("Allow", [...match.allowed, "OPTIONS"].join(", "));
      return sendError(res, 405, "BAD_REQUEST", `method ${method} is not allowed on ${url.pathname}`, requestId);
    }
    const { route, params } = match;
    if (route.auth && !this.auth.allows(req.headers)) {
      res.setHeader("WWW-Authenticate", 'Bearer realm="voxray"');
      return sendError(res, 401, "UNAUTHORIZED", "missing or invalid API key (send X-API-Key or Authorization: Bearer)", requestId);
    }

    let bodyPromise: Promise<Buffer> | null = null;
    const ctx: RouteContext = {
      req,
      res,
      url,
      params,
      requestId,
      log: this.log,
      body: () => (bodyPromise ??= readBody(req, this.maxBodyBytes)),
      json: async <T>() => parseJson(await ctx.body()) as T,
      send: (status, data) => sendData(res, status, data, requestId),
      fail: (status, code, message, details) => sendError(res, status, code, message, requestId, details),
    };
    try {
      const result = await route.handler(ctx);
      if (!res.headersSent && !res.writableEnded) {
        if (result === undefined) {
          res.statusCode = 204;
          res.end();
        } else {
          sendData(res, 200, result, requestId);
        }
      }
    } catch (error) {
      this.answerFailure(req, res, error, requestId);
    }
  }

  private answerFailure(req: IncomingMessage, res: ServerResponse, error: unknown, requestId: string): void {
    if (error instanceof HttpError) {
      if (error.status === 413) res.setHeader("Connection", "close");
      sendError(res, error.status, error.code, error.message, requestId, error.details);
      return;
    }
    this.log.error({ err: error, requestId, method: req.method, url: req.url }, "route handler failed");
    if (res.headersSent) res.destroy();
    else sendError(res, 500, "INTERNAL_ERROR", "internal error", requestId);
  }

  private handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", (error) => this.log.debug({ err: error }, "upgrade socket error"));
    const requestId = requestIdOf(req);
    const url = parseUrl(req);
    const entry = url ? this.upgrades.get(normalizePath(url.pathname)) : undefined;
    if (!url || !entry) return rejectUpgrade(socket, 404, "NOT_FOUND", "no WebSocket endpoint here", requestId);
    if (this.draining) return rejectUpgrade(socket, 503, "SERVICE_UNAVAILABLE", "server is shutting down", requestId);
    if (!websocketOriginAllowed(req.headers.origin, req.headers.host, this.cors)) {
      return rejectUpgrade(socket, 403, "FORBIDDEN", "origin not allowed", requestId);
    }
    if (entry.auth && !this.auth.allowsSocket(req.headers, url.searchParams.get("token"))) {
      return rejectUpgrade(socket, 401, "UNAUTHORIZED", "missing or invalid API key or token", requestId);
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      try {
        entry.handler(ws, { req, url, socket, requestId });
      } catch (error) {
        this.log.error({ err: error, requestId }, "websocket handler failed");
        ws.close(1011, "internal error");
      }
    });
  }
}

/** Answers an upgrade request with a plain HTTP error and drops the socket (no WebSocket). */
function rejectUpgrade(socket: Duplex, status: number, code: ErrorCode, message: string, requestId: string): void {
  const body = errorBody(code, message, requestId);
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}`,
    "Connection: close",
    "Content-Type: application/json; charset=utf-8",
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Request-ID: ${requestId}`,
  ];
  if (status === 401) head.push('WWW-Authenticate: Bearer realm="voxray"');
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(`${head.join("\r\n")}\r\n\r\n${body}`, () => socket.destroy());
}
