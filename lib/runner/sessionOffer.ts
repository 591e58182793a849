// The logic of `/sessions/{id}/api/offer` (POST and PATCH): the offer of a session that
// POST /start registered. The stored /start body becomes the bot's `request_data` (the Go
// original resolved it and then dropped it), the session is marked connected, and it is
// deleted from the store when its transport closes (the Go original never deleted one).

import type { Logger } from "../pipeline/context.ts";
import { silentLogger } from "../pipeline/context.ts";
import { SignallingError } from "../transports/webrtc/offerRequest.ts";
import type { OfferAnswer, WebRTCSignaller } from "../transports/webrtc/signalling.ts";
import type { WebRTCTransport } from "../transports/webrtc/webrtcTransport.ts";
import type { SessionStore } from "./sessionStore.ts";

export interface SessionOfferDeps {
  readonly store: SessionStore;
  readonly signaller: WebRTCSignaller;
  readonly log?: Logger;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Transports already set to delete their session on close (restart_pc reuses one). */
const watched = new WeakSet<WebRTCTransport>();

/**
 * POST /sessions/{id}/api/offer. Throws SignallingError (VALIDATION_ERROR for a malformed
 * id, NOT_FOUND for an unknown or expired session, and the offer's own errors) and
 * SessionStoreUnavailableError when the store is down.
 */
export async function offerForSession(deps: SessionOfferDeps, sessionId: string, body: unknown): Promise<OfferAnswer> {
  const session = await liveSession(deps.store, sessionId);
  const answer = await deps.signaller.offer(body, { sessionId, requestData: session.body });
  const transport = deps.signaller.transportOf(answer.pc_id);
  if (transport && !watched.has(transport)) {
    watched.add(transport);
    void transport.closed.then(() => forgetSession(deps.store, sessionId, deps.log));
    if (session.state !== "connected") {
      await deps.store.setState(sessionId, "connected").catch((error: unknown) =>
        (deps.log ?? silentLogger).warn({ err: error, sessionId }, "could not mark the session connected"),
      );
    }
  }
  return answer;
}

/** PATCH /sessions/{id}/api/offer: trickled candidates for a session's peer. */
export async function patchForSession(deps: SessionOfferDeps, sessionId: string, body: unknown): Promise<{ status: "success" }> {
  await liveSession(deps.store, sessionId);
  return deps.signaller.patch(body);
}

/** Deletes an ended session. Never rejects: a store outage is logged, and the TTL cleans up. */
export async function forgetSession(store: SessionStore, sessionId: string, log: Logger = silentLogger): Promise<void> {
  try {
    await store.delete(sessionId);
  } catch (error) {
    log.warn({ err: error, sessionId }, "could not delete the ended session; it expires with its TTL");
  }
}

async function liveSession(store: SessionStore, sessionId: string) {
  if (!UUID.test(sessionId)) throw new SignallingError("VALIDATION_ERROR", "the session id must be a UUID", "sessionId");
  const session = await store.get(sessionId);
  if (!session) throw new SignallingError("NOT_FOUND", `no session ${sessionId} (unknown, ended or expired)`, "sessionId");
  return session;
}
