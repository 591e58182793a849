// The logic of POST /start for the WebRTC transport: register a session, return its id and
// the ICE servers the browser should use. The route maps errors onto the HTTP envelope:
// StartSessionError carries the envelope code and status; SessionStoreUnavailableError is 503.
//
// With an `Idempotency-Key` header the first reply is kept for 24 h and a repeat of the
// same request gets that reply again (same sessionId, nothing new created). A repeat that
// carries a different request under the same key is a client bug and gets 409 CONFLICT.

import { createHash, randomUUID } from "node:crypto";
import { DEFAULT_ICE_SERVERS, type IceServer } from "../config/iceServers.ts";
import type { IceConfig, IdempotencyRecord, SessionStore, StoredSession } from "./sessionStore.ts";

export interface StartRequest {
  /** Only "webrtc" (the default) is started here. */
  readonly transport?: string;
  /** Opaque app data, passed to the bot as `request_data` when the offer arrives. */
  readonly body?: unknown;
  /** Adds Google's public STUN server to the returned iceConfig. */
  readonly enableDefaultIceServers?: boolean;
}

export interface StartResponse {
  readonly sessionId: string;
  readonly iceConfig?: IceConfig;
}

export interface StartResult {
  /** 201 Created, for the first reply and for replays alike. */
  readonly status: 201;
  readonly body: StartResponse;
  /** True when the body is a stored reply to an earlier request with the same key. */
  readonly replayed: boolean;
}

export interface StartSessionDeps {
  readonly store: SessionStore;
  /** Configured `webrtc_ice_servers` (TURN credentials included), always returned. */
  readonly iceServers?: readonly IceServer[];
  readonly newId?: () => string;
  readonly now?: () => Date;
}

export type StartErrorCode = "VALIDATION_ERROR" | "CONFLICT";

export class StartSessionError extends Error {
  readonly status: number;
  constructor(
    readonly code: StartErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "StartSessionError";
    this.status = code === "CONFLICT" ? 409 : 422;
  }
}

/** Longest Idempotency-Key accepted (the common limit of payment APIs). */
const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

export async function startSession(deps: StartSessionDeps, request: unknown, idempotencyKey?: string): Promise<StartResult> {
  const start = parseStartRequest(request);
  const key = idempotencyKey === undefined ? undefined : checkIdempotencyKey(idempotencyKey);
  const fingerprint = fingerprintOf(start);
  if (key !== undefined) {
    const earlier = await deps.store.getIdempotent(key);
    if (earlier) return replay(earlier, fingerprint);
  }

  const session: StoredSession = {
    id: (deps.newId ?? randomUUID)(),
    createdAt: (deps.now?.() ?? new Date()).toISOString(),
    ...(start.body !== undefined && { body: start.body }),
    ...iceConfigField(start, deps.iceServers ?? []),
    state: "created",
  };
  await deps.store.create(session);
  const body: StartResponse = { sessionId: session.id, ...(session.iceConfig && { iceConfig: session.iceConfig }) };
  if (key === undefined) return { status: 201, body, replayed: false };

  const record: IdempotencyRecord = { status: 201, body, fingerprint, createdAt: session.createdAt };
  const kept = await deps.store.putIdempotent(key, record);
  if (kept === record) return { status: 201, body, replayed: false };
  // A concurrent request with the same key won the race: its session is the one.
  await deps.store.delete(session.id);
  return replay(kept, fingerprint);
}

/** The ICE servers a browser gets: Google STUN when asked, then the configured ones, no repeats. */
export function iceServersFor(enableDefault: boolean, configured: readonly IceServer[]): IceServer[] {
  const out: IceServer[] = [];
  const seen = new Set<string>();
  for (const server of [...(enableDefault ? DEFAULT_ICE_SERVERS : []), ...configured]) {
    const id = JSON.stringify([server.urls, server.username ?? null, server.credential ?? null]);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ ...server, urls: [...server.urls] });
  }
  return out;
}

function iceConfigField(start: StartRequest, configured: readonly IceServer[]): { iceConfig?: IceConfig } {
  const iceServers = iceServersFor(start.enableDefaultIceServers === true, configured);
  return iceServers.length > 0 ? { iceConfig: { iceServers } } : {};
}

function replay(record: IdempotencyRecord, fingerprint: string): StartResult {
  if (record.fingerprint !== fingerprint) {
    throw new StartSessionError(
      "CONFLICT",
      "this Idempotency-Key was already used for a different /start request; use a new key",
      "Idempotency-Key",
    );
  }
  return { status: 201, body: record.body as StartResponse, replayed: true };
}

function parseStartRequest(request: unknown): StartRequest {
  if (request === undefined || request === null) return {};
  if (typeof request !== "object" || Array.isArray(request)) {
    throw new StartSessionError("VALIDATION_ERROR", "the /start request body must be a JSON object");
  }
  const r = request as Record<string, unknown>;
  if (r.transport !== undefined && r.transport !== "webrtc") {
    throw new StartSessionError(
      "VALIDATION_ERROR",
      `transport ${JSON.stringify(r.transport)} is not started by /start here; only "webrtc" is`,
      "transport",
    );
  }
  if (r.enableDefaultIceServers !== undefined && typeof r.enableDefaultIceServers !== "boolean") {
    throw new StartSessionError("VALIDATION_ERROR", "enableDefaultIceServers must be true or false", "enableDefaultIceServers");
  }
  return {
    ...(r.body !== undefined && { body: r.body }),
    ...(r.enableDefaultIceServers !== undefined && { enableDefaultIceServers: r.enableDefaultIceServers as boolean }),
  };
}

function checkIdempotencyKey(key: string): string {
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
    throw new StartSessionError(
      "VALIDATION_ERROR",
      `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters`,
      "Idempotency-Key",
    );
  }
  return key;
}

function fingerprintOf(start: StartRequest): string {
  return createHash("sha256").update(stableJson(start)).digest("hex");
}

/** JSON with object keys sorted, so {a,b} and {b,a} fingerprint alike. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
