// Runner mode for WebRTC (registered when `transport` is smallwebrtc or both): a client first
// registers a session, then sends its offer for that session, possibly to another instance.
//
//   POST  /start                       {transport?:"webrtc", body?, enableDefaultIceServers?}
//                                      → 201 {sessionId, iceConfig?}; Idempotency-Key replays
//   POST  /sessions/{id}/api/offer     an offer (JSON as for /api/offer, or raw SDP)
//                                      → 200 {sdp, type:"answer", pc_id}
//   PATCH /sessions/{id}/api/offer     trickled candidates → 200 {status:"success"}
//   (each also under /api/v1)
//   POST  /api/v1/sessions/{id}/offer  the Go original's path → 200 {data:{answer, type, pc_id}}
//   PATCH /api/v1/sessions/{id}/offer  → 204
//
// Two clients read these answers. Pipecat's client-js / small-webrtc-transport read the fields
// at the top level (startBot() hands the parsed body to the transport, which looks for
// `sessionId` and `iceConfig`; the offer answer goes to setRemoteDescription). Clients of the Go
// original read the `data` envelope. So the Pipecat paths answer both at once: the Pipecat
// fields at the top, and `data` + `meta` beside them. Both kinds of client ignore what they do
// not know (Pipecat's transport logs "Unrecognized connection parameter" for data and meta).
//
// The session lives in the session store (memory, or Redis shared by every instance), so the
// offer may reach any instance: the one that answers it runs the media and the bot. The stored
// /start `body` becomes the session's `body` in the pipeline; the session is deleted from the
// store when its peer connection closes. Errors: 400 non-UUID id, 404 unknown or ended session,
// 409 an Idempotency-Key reused for another request, 422 a bad /start body, 503 store down.

import { MemorySessionStore } from "../runner/memorySessionStore.ts";
import { RedisSessionStore } from "../runner/redisSessionStore.ts";
import { offerForSession, patchForSession, type SessionOfferDeps } from "../runner/sessionOffer.ts";
import type { SessionStore } from "../runner/sessionStore.ts";
import { startSession, StartSessionError } from "../runner/startSession.ts";
import type { VoxrayConfig } from "../config/schema.ts";
import { HttpError } from "./envelope.ts";
import type { RouteContext } from "./routes.ts";
import type { ServerExtension, ServerParts } from "./serve.ts";
import { asHttpError, offerBody, refuseWhileDraining, sendJson, serverSignaller, webrtcEnabled } from "./webrtcRoutes.ts";

export interface RunnerExtensionOptions {
  /** Use this store (the caller closes it) instead of one built from config. */
  readonly store?: SessionStore;
  /** Key prefix for the Redis store built from config. @defaultValue "voxray:" */
  readonly redisKeyPrefix?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The store `session_store` names. */
export function sessionStoreFor(config: VoxrayConfig, parts: Pick<ServerParts, "log">, keyPrefix?: string): SessionStore {
  if (config.session_store === "redis") {
    if (!config.redis_url) throw new Error('session_store is "redis" but redis_url is not set');
    return new RedisSessionStore({
      url: config.redis_url,
      sessionTtlSecs: config.session_ttl_secs,
      log: parts.log.child({ component: "session_store" }),
      ...(keyPrefix !== undefined && { keyPrefix }),
    });
  }
  return new MemorySessionStore({ sessionTtlSecs: config.session_ttl_secs });
}

/** Pipecat's fields at the top level, the Go envelope beside them. */
function sendBoth(ctx: RouteContext, status: number, pipecat: Record<string, unknown>, data: unknown): void {
  sendJson(ctx.res, status, { ...pipecat, data, meta: { requestId: ctx.requestId } });
}

function sessionIdOf(ctx: RouteContext): string {
  const id = ctx.params.id ?? "";
  if (!UUID.test(id)) {
    throw new HttpError(400, "VALIDATION_ERROR", "the session id must be a UUID", [{ field: "sessionId", message: "not a UUID" }]);
  }
  return id;
}

function headerOf(ctx: RouteContext, name: string): string | undefined {
  const value = ctx.req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function createRunnerExtension(options: RunnerExtensionOptions = {}): ServerExtension {
  return (parts) => {
    const { config, http, sessions, log } = parts;
    if (!webrtcEnabled(config)) return;
    const store = options.store ?? sessionStoreFor(config, parts, options.redisKeyPrefix);
    if (!options.store) {
      // Close the store once every session has ended (their ends delete their records).
      http.server.once("close", () => {
        void Promise.all(sessions.all().map((s) => s.done)).then(() => store.close().catch(() => undefined));
      });
    }
    if (store.kind === "redis") http.addReadinessCheck("session_store", () => store.ping());
    const deps = (): SessionOfferDeps => ({ store, signaller: serverSignaller(parts), log });

    const start = async (ctx: RouteContext): Promise<void> => {
      const raw = await ctx.body();
      const request = raw.length === 0 ? undefined : await ctx.json();
      try {
        const result = await startSession({ store, iceServers: config.webrtc_ice_servers }, request, headerOf(ctx, "idempotency-key"));
        if (result.replayed) ctx.res.setHeader("Idempotency-Replayed", "true");
        sendBoth(ctx, result.status, { ...result.body }, result.body);
      } catch (error) {
        if (error instanceof StartSessionError) {
          throw new HttpError(error.status, error.code, error.message, error.field ? [{ field: error.field, message: error.message }] : undefined);
        }
        throw asHttpError(error, ctx);
      }
    };

    const offer = async (ctx: RouteContext): Promise<{ sdp: string; type: "answer"; pc_id: string }> => {
      refuseWhileDraining(parts);
      const id = sessionIdOf(ctx);
      const body = await offerBody(ctx);
      try {
        return await offerForSession(deps(), id, body);
      } catch (error) {
        throw asHttpError(error, ctx);
      }
    };

    const patch = async (ctx: RouteContext): Promise<{ status: "success" }> => {
      const id = sessionIdOf(ctx);
      const body = await ctx.json();
      try {
        return await patchForSession(deps(), id, body);
      } catch (error) {
        throw asHttpError(error, ctx);
      }
    };

    http
      .route("POST", "/start", start, { auth: true, name: "start" })
      .route(
        "POST",
        "/sessions/{id}/api/offer",
        async (ctx) => {
          const answer = await offer(ctx);
          sendBoth(ctx, 200, { ...answer }, { answer: answer.sdp, type: answer.type, pc_id: answer.pc_id });
        },
        { auth: true, name: "session_offer" },
      )
      .route(
        "PATCH",
        "/sessions/{id}/api/offer",
        async (ctx) => {
          const result = await patch(ctx);
          sendBoth(ctx, 200, { ...result }, result);
        },
        { auth: true, name: "session_offer" },
      )
      .route(
        "POST",
        "/api/v1/sessions/{id}/offer",
        async (ctx) => {
          const answer = await offer(ctx);
          ctx.res.setHeader("Cache-Control", "no-store");
          ctx.send(200, { answer: answer.sdp, type: answer.type, pc_id: answer.pc_id });
        },
        { auth: true, name: "session_offer" },
      )
      .route(
        "PATCH",
        "/api/v1/sessions/{id}/offer",
        async (ctx) => {
          await patch(ctx);
          ctx.res.statusCode = 204;
          ctx.res.end();
        },
        { auth: true, name: "session_offer" },
      );
  };
}

/** /start and /sessions/{id}/… with the store `session_store` names. */
export const runnerExtension: ServerExtension = createRunnerExtension();
