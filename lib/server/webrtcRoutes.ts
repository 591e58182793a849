// SmallWebRTC signalling over HTTP (registered when `transport` is smallwebrtc or both):
//
//   POST  /webrtc/offer   the Go contract: {"offer": "<JSON string of {type,sdp}>" | "<raw SDP>"}
//                         → 200 {data:{answer:"<JSON string of {type:'answer',sdp}>"}}
//                         (also /api/v1/webrtc/offer)
//   POST  /api/offer      Pipecat's contract: {sdp, type, pc_id?, restart_pc?, request_data?}, or
//                         raw SDP text → 200 {sdp, type:"answer", pc_id}, NOT enveloped: Pipecat's
//                         small-webrtc client hands the parsed body to setRemoteDescription and
//                         reads `pc_id` from it
//   PATCH /api/offer      {pc_id, candidates:[…]} → 200 {status:"success"}; unknown pc_id 404
//
// Errors use the error envelope: 400 BAD_REQUEST (bad JSON, bad SDP), 404 NOT_FOUND (pc_id not
// live), 422 VALIDATION_ERROR (a missing or mistyped field, named in `details`), 413 (body over
// max_request_body_bytes), 503 while the server shuts down. Every route needs the API key when
// one is configured.
//
// Each new peer connection becomes one session in the SessionManager, with the offer's
// `request_data` (or the stored /start body, see runnerRoutes.ts) as the session's `body`.
// One signaller per server holds the live peers; runnerRoutes.ts reaches it through
// `serverSignaller(parts)`, so the two extensions may be installed in either order.

import type { ServerResponse } from "node:http";
import type { VoxrayConfig } from "../config/schema.ts";
import { SessionStoreUnavailableError } from "../runner/sessionStore.ts";
import { SignallingError } from "../transports/webrtc/offerRequest.ts";
import type { PeerOptions } from "../transports/webrtc/peer.ts";
import { WebRTCSignaller, type TransportContext } from "../transports/webrtc/signalling.ts";
import type { WebRTCTransport, WebRTCTransportOptions } from "../transports/webrtc/webrtcTransport.ts";
import { parseJson } from "./body.ts";
import { HttpError } from "./envelope.ts";
import type { RouteContext } from "./routes.ts";
import type { ServerExtension, ServerParts } from "./serve.ts";

export interface WebrtcExtensionOptions {
  /**
   * Server-side peer settings. @defaultValue `{ iceServers: config.webrtc_ice_servers }`.
   * Same-host setups and specs pass `{ loopbackOnly: true }`.
   */
  readonly peer?: PeerOptions;
  /** Longest wait for our ICE candidates before answering (non-trickle). @defaultValue 10000 */
  readonly iceGatheringTimeoutMs?: number;
  /** Per-session transport settings (keepalive, pacing…). */
  readonly transport?: Omit<WebRTCTransportOptions, "ids" | "log">;
}

/** Whether the WebRTC routes are offered: `transport` is smallwebrtc or both. */
export function webrtcEnabled(config: Pick<VoxrayConfig, "transport">): boolean {
  return config.transport === "smallwebrtc" || config.transport === "both";
}

const signallers = new WeakMap<ServerParts["sessions"], WebRTCSignaller>();

/**
 * The server's one signaller, made on first use. The first caller's options win: the WebRTC
 * extension calls this while the server is set up, the runner routes only when a request comes.
 */
export function serverSignaller(parts: ServerParts, options: WebrtcExtensionOptions = {}): WebRTCSignaller {
  const existing = signallers.get(parts.sessions);
  if (existing) return existing;
  const { config, log } = parts;
  const signaller = new WebRTCSignaller({
    peer: options.peer ?? { iceServers: config.webrtc_ice_servers },
    iceGatheringTimeoutMs: options.iceGatheringTimeoutMs ?? 10_000,
    log: log.child({ component: "webrtc" }),
    transportOptions: (context) => ({ ...options.transport, log: log.child({ pc_id: context.pcId }) }),
    onTransport: (transport, context) => startWebrtcSession(parts, transport, context),
  });
  signallers.set(parts.sessions, signaller);
  // serve() has no shutdown hook for extensions. The listener's "close" can come while the
  // sessions still drain their EndFrame, so the peers left over (still negotiating, or whose
  // session failed to start) are closed once every session has ended.
  parts.http.server.once("close", () => {
    void Promise.all(parts.sessions.all().map((s) => s.done))
      .then(() => signaller.closeAll())
      .catch(() => undefined);
  });
  return signaller;
}

/** One session per new peer connection; the /start session id is kept when it is free. */
function startWebrtcSession(parts: ServerParts, transport: WebRTCTransport, context: TransportContext): void {
  const { sessions, config } = parts;
  const id = context.sessionId !== undefined && sessions.get(context.sessionId) === undefined ? context.sessionId : undefined;
  const handle = sessions.start("webrtc", () => transport, {
    ...(id !== undefined && { id }),
    ...(context.requestData !== undefined && { body: context.requestData }),
  });
  handle.log.info({ event: "webrtc_connected", pc_id: context.pcId, start_session: context.sessionId }, "webrtc session");
  const limitMs = config.rtc_max_duration_secs * 1000;
  if (limitMs > 0) {
    // Counted from the answer (the WebSocket transport counts from the first audio; here the
    // media starts within the connect timeout anyway).
    const timer = setTimeout(() => handle.runner.cancel("max_duration"), limitMs);
    void handle.done.then(() => clearTimeout(timer));
  }
}

/**
 * The body of an offer route: raw SDP (Content-Type application/sdp, or text starting with
 * "v=") as a string, anything else parsed as JSON (400 when it is not).
 */
export async function offerBody(ctx: RouteContext): Promise<unknown> {
  const body = await ctx.body();
  const type = String(ctx.req.headers["content-type"] ?? "").toLowerCase();
  const text = body.toString("utf8");
  if (type.startsWith("application/sdp") || /^\s*v=/.test(text)) return text;
  return parseJson(body);
}

/**
 * Maps what the signalling and runner code throws onto the HTTP envelope; anything else is
 * returned as it is (a 500). `fieldNames` renames fields in `details` (the Go route calls the
 * SDP "offer").
 */
export function asHttpError(error: unknown, ctx: RouteContext, fieldNames: Readonly<Record<string, string>> = {}): unknown {
  if (error instanceof SignallingError) {
    const field = error.field === undefined ? undefined : (fieldNames[error.field] ?? error.field);
    return new HttpError(error.status, error.code, error.message, field === undefined ? undefined : [{ field, message: error.message }]);
  }
  if (error instanceof SessionStoreUnavailableError) {
    // The detail names the Redis host: it goes to the log, not to the client.
    ctx.log.warn({ err: error, requestId: ctx.requestId }, "session store unavailable");
    ctx.res.setHeader("Retry-After", "1");
    return new HttpError(503, "SERVICE_UNAVAILABLE", "the session store is unavailable; try again shortly");
  }
  return error;
}

/** 503 for new offers once the server is shutting down. */
export function refuseWhileDraining(parts: ServerParts): void {
  if (parts.http.isDraining) throw new HttpError(503, "SERVICE_UNAVAILABLE", "the server is shutting down");
}

/** A JSON body that is not enveloped (Pipecat's contracts), never cached. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("Content-Length", Buffer.byteLength(text));
  res.end(text);
}

function requestDataOf(body: unknown): unknown {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return undefined;
  const o = body as Record<string, unknown>;
  return o.request_data ?? o.requestData ?? undefined;
}

export function createWebrtcExtension(options: WebrtcExtensionOptions = {}): ServerExtension {
  return (parts) => {
    if (!webrtcEnabled(parts.config)) return;
    const signaller = serverSignaller(parts, options);
    const { http } = parts;

    http.route(
      "POST",
      "/webrtc/offer",
      async (ctx) => {
        refuseWhileDraining(parts);
        const body = await offerBody(ctx);
        const offer = typeof body === "string" ? body : body !== null && typeof body === "object" ? (body as Record<string, unknown>).offer : undefined;
        if (offer === undefined || offer === null) {
          throw new HttpError(422, "VALIDATION_ERROR", "offer is required", [
            { field: "offer", message: 'send {"offer": "<JSON string of {type, sdp}>"}' },
          ]);
        }
        try {
          const requestData = requestDataOf(body);
          const answer = await signaller.legacyOffer(offer, requestData === undefined ? {} : { requestData });
          ctx.res.setHeader("Cache-Control", "no-store");
          ctx.send(200, { answer });
        } catch (error) {
          throw asHttpError(error, ctx, { sdp: "offer" });
        }
      },
      { auth: true, name: "webrtc_offer" },
    );

    http.route(
      "POST",
      "/api/offer",
      async (ctx) => {
        refuseWhileDraining(parts);
        const body = await offerBody(ctx);
        try {
          sendJson(ctx.res, 200, await signaller.offer(body));
        } catch (error) {
          throw asHttpError(error, ctx);
        }
      },
      { auth: true, name: "api_offer" },
    );

    http.route(
      "PATCH",
      "/api/offer",
      async (ctx) => {
        const body = await ctx.json();
        try {
          sendJson(ctx.res, 200, await signaller.patch(body));
        } catch (error) {
          throw asHttpError(error, ctx);
        }
      },
      { auth: true, name: "api_offer" },
    );
  };
}

/** The WebRTC signalling routes with default settings (the configured ICE servers). */
export const webrtcExtension: ServerExtension = createWebrtcExtension();
