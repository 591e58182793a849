// Where `/start` sessions and `Idempotency-Key` replies live between requests.
//
// A session is registered by POST /start and picked up by the offer that follows
// (`/sessions/{id}/api/offer`); it is deleted when the session ends. Two stores implement
// this contract: in process memory (one server) and Redis (`voxray:session:<id>` as JSON
// with a TTL, so several servers behind a balancer see the same sessions). Both expire
// what nobody deletes: sessions after `session_ttl_secs`, idempotency records after 24 h.

import type { IceServer } from "../config/iceServers.ts";

/** "created" by /start; "connected" once an offer has started the bot. */
export type SessionState = "created" | "connected";

export interface IceConfig {
  readonly iceServers: readonly IceServer[];
}

export interface StoredSession {
  /** A UUID. */
  readonly id: string;
  /** ISO-8601 time of the /start request. */
  readonly createdAt: string;
  /** The opaque `body` of the /start request, handed to the bot as `request_data`. */
  readonly body?: unknown;
  readonly iceConfig?: IceConfig;
  readonly state: SessionState;
}

/** A reply kept under an Idempotency-Key, replayed as it is for a repeated request. */
export interface IdempotencyRecord {
  readonly status: number;
  readonly body: unknown;
  /** Identifies the request the reply belongs to: a repeat with another request is a conflict. */
  readonly fingerprint: string;
  readonly createdAt: string;
}

/** How long an Idempotency-Key reply is kept: 24 h, as the Go original and common APIs do. */
export const IDEMPOTENCY_TTL_SECS = 24 * 60 * 60;

/** Default `session_ttl_secs`: a session that never ends cleanly is forgotten after 1 h. */
export const DEFAULT_SESSION_TTL_SECS = 3600;

export interface SessionStore {
  readonly kind: "memory" | "redis";
  /** Registers a new session; it expires after the store's session TTL unless deleted first. */
  create(session: StoredSession): Promise<void>;
  get(id: string): Promise<StoredSession | undefined>;
  /** Changes the state of a live session (the TTL is kept). False when the session is unknown. */
  setState(id: string, state: SessionState): Promise<boolean>;
  /** Forgets a session (it ended). Unknown ids are fine. */
  delete(id: string): Promise<void>;
  /** Resolves when the store answers; rejects with SessionStoreUnavailableError otherwise. */
  ping(): Promise<void>;
  getIdempotent(key: string): Promise<IdempotencyRecord | undefined>;
  /**
   * Keeps a reply for 24 h unless the key already holds one: then that one is returned and
   * nothing is written (two concurrent requests with one key settle on the first reply).
   */
  putIdempotent(key: string, record: IdempotencyRecord): Promise<IdempotencyRecord>;
  close(): Promise<void>;
}

/** The store cannot be reached (Redis down). Routes answer 503 SERVICE_UNAVAILABLE. */
export class SessionStoreUnavailableError extends Error {
  readonly code = "SERVICE_UNAVAILABLE";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SessionStoreUnavailableError";
  }
}
