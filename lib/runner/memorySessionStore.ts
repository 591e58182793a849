// The in-process session store: one server, nothing shared. Unlike the Go original's map,
// nothing here lives forever: sessions expire after their TTL and idempotency records after
// 24 h, checked on every read and swept at most once a minute on writes, so a server that
// runs for weeks holds only what is live.

import {
  DEFAULT_SESSION_TTL_SECS,
  IDEMPOTENCY_TTL_SECS,
  type IdempotencyRecord,
  type SessionState,
  type SessionStore,
  type StoredSession,
} from "./sessionStore.ts";

export interface MemorySessionStoreOptions {
  /** @defaultValue 3600 */
  readonly sessionTtlSecs?: number;
  /** @defaultValue 86400 */
  readonly idempotencyTtlSecs?: number;
  /** Milliseconds clock (tests pass a fake one). @defaultValue Date.now */
  readonly now?: () => number;
}

/** Sweeps of the whole map run at most this often (ms); reads check expiry themselves. */
const SWEEP_INTERVAL_MS = 60_000;

interface Expiring<T> {
  readonly value: T;
  readonly expiresAt: number;
}

export class MemorySessionStore implements SessionStore {
  readonly kind = "memory";
  private readonly sessions = new Map<string, Expiring<StoredSession>>();
  private readonly idempotency = new Map<string, Expiring<IdempotencyRecord>>();
  private readonly sessionTtlMs: number;
  private readonly idempotencyTtlMs: number;
  private readonly now: () => number;
  private lastSweep: number;

  constructor(options: MemorySessionStoreOptions = {}) {
    this.sessionTtlMs = (options.sessionTtlSecs ?? DEFAULT_SESSION_TTL_SECS) * 1000;
    this.idempotencyTtlMs = (options.idempotencyTtlSecs ?? IDEMPOTENCY_TTL_SECS) * 1000;
    this.now = options.now ?? Date.now;
    this.lastSweep = this.now();
  }

  /** Live entries (sessions, idempotency records): what a leak check looks at. */
  get size(): { readonly sessions: number; readonly idempotency: number } {
    this.sweep(true);
    return { sessions: this.sessions.size, idempotency: this.idempotency.size };
  }

  async create(session: StoredSession): Promise<void> {
    this.sweep(false);
    this.sessions.set(session.id, { value: session, expiresAt: this.now() + this.sessionTtlMs });
  }

  async get(id: string): Promise<StoredSession | undefined> {
    return this.live(this.sessions, id)?.value;
  }

  async setState(id: string, state: SessionState): Promise<boolean> {
    const entry = this.live(this.sessions, id);
    if (!entry) return false;
    this.sessions.set(id, { value: { ...entry.value, state }, expiresAt: entry.expiresAt });
    return true;
  }

  async delete(id: string): Promise<void> {
    this.sessions.delete(id);
  }

  async ping(): Promise<void> {}

  async getIdempotent(key: string): Promise<IdempotencyRecord | undefined> {
    return this.live(this.idempotency, key)?.value;
  }

  async putIdempotent(key: string, record: IdempotencyRecord): Promise<IdempotencyRecord> {
    this.sweep(false);
    const existing = this.live(this.idempotency, key);
    if (existing) return existing.value;
    this.idempotency.set(key, { value: record, expiresAt: this.now() + this.idempotencyTtlMs });
    return record;
  }

  async close(): Promise<void> {
    this.sessions.clear();
    this.idempotency.clear();
  }

  private live<T>(map: Map<string, Expiring<T>>, key: string): Expiring<T> | undefined {
    const entry = map.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(force: boolean): void {
    const now = this.now();
    if (!force && now - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = now;
    for (const map of [this.sessions, this.idempotency] as Map<string, Expiring<unknown>>[]) {
      for (const [key, entry] of map) if (entry.expiresAt <= now) map.delete(key);
    }
  }
}
