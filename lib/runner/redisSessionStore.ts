// The Redis session store: sessions as JSON under `voxray:session:<id>` with a TTL of
// `session_ttl_secs`, idempotency replies under `voxray:idem:<key>` for 24 h, so several
// servers behind one balancer share /start sessions.
//
// Failure policy: when Redis is down every call fails within about a second with a
// SessionStoreUnavailableError (routes answer 503) instead of queueing behind a dead
// socket: the offline queue is off, and a call made while the client reconnects waits at
// most `unavailableAfterMs` for it. Sessions already running in this process do not touch
// Redis until they end, so they keep running; the client reconnects by itself (backoff
// 100 ms per attempt, capped at 1 s) and the next call after Redis is back succeeds.

import { Redis, ReplyError } from "ioredis";
import type { Logger } from "../pipeline/context.ts";
import { silentLogger } from "../pipeline/context.ts";
import {
  DEFAULT_SESSION_TTL_SECS,
  IDEMPOTENCY_TTL_SECS,
  SessionStoreUnavailableError,
  type IdempotencyRecord,
  type SessionState,
  type SessionStore,
  type StoredSession,
} from "./sessionStore.ts";

export interface RedisSessionStoreOptions {
  /** redis://[user:password@]host:port[/db] */
  readonly url: string;
  /** @defaultValue 3600 */
  readonly sessionTtlSecs?: number;
  /** Key prefix; tests use a random one. @defaultValue "voxray:" */
  readonly keyPrefix?: string;
  /** How long a call waits for a reconnecting client before failing. @defaultValue 1000 */
  readonly unavailableAfterMs?: number;
  /** Upper bound on one command. @defaultValue 2000 */
  readonly commandTimeoutMs?: number;
  readonly log?: Logger;
}

export class RedisSessionStore implements SessionStore {
  readonly kind = "redis";
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly ttlSecs: number;
  private readonly unavailableAfterMs: number;
  private readonly where: string;
  private readonly log: Logger;
  private lastError = "";

  constructor(options: RedisSessionStoreOptions) {
    this.prefix = options.keyPrefix ?? "voxray:";
    this.ttlSecs = options.sessionTtlSecs ?? DEFAULT_SESSION_TTL_SECS;
    this.unavailableAfterMs = options.unavailableAfterMs ?? 1000;
    this.where = redactUrl(options.url);
    this.log = options.log ?? silentLogger;
    this.redis = new Redis(options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 2000,
      connectTimeout: 2000,
      retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    });
    // Without a listener ioredis prints every reconnect failure; log each new cause once.
    this.redis.on("error", (error: Error) => {
      if (error.message === this.lastError) return;
      this.lastError = error.message;
      this.log.warn({ err: error, redis: this.where }, "session store connection error");
    });
    this.redis.on("ready", () => {
      if (this.lastError) this.log.info({ redis: this.where }, "session store reconnected");
      this.lastError = "";
    });
  }

  async create(session: StoredSession): Promise<void> {
    await this.call("create a session", (r) => r.set(this.sessionKey(session.id), JSON.stringify(session), "EX", this.ttlSecs));
  }

  async get(id: string): Promise<StoredSession | undefined> {
    const json = await this.call("read a session", (r) => r.get(this.sessionKey(id)));
    return parseJson<StoredSession>(json, (e) => this.log.warn({ err: e, id }, "unreadable session record"));
  }

  async setState(id: string, state: SessionState): Promise<boolean> {
    const current = await this.get(id);
    if (!current) return false;
    const key = this.sessionKey(id);
    // XX: only if it still exists; KEEPTTL: a state change does not extend the session's life.
    const ok = await this.call("update a session", (r) => r.set(key, JSON.stringify({ ...current, state }), "KEEPTTL", "XX"));
    return ok === "OK";
  }

  async delete(id: string): Promise<void> {
    await this.call("delete a session", (r) => r.del(this.sessionKey(id)));
  }

  async ping(): Promise<void> {
    await this.call("ping", (r) => r.ping());
  }

  async getIdempotent(key: string): Promise<IdempotencyRecord | undefined> {
    const json = await this.call("read an idempotency record", (r) => r.get(this.idemKey(key)));
    return parseJson<IdempotencyRecord>(json, (e) => this.log.warn({ err: e }, "unreadable idempotency record"));
  }

  async putIdempotent(key: string, record: IdempotencyRecord): Promise<IdempotencyRecord> {
    const redisKey = this.idemKey(key);
    const ok = await this.call("store an idempotency record", (r) =>
      r.set(redisKey, JSON.stringify(record), "EX", IDEMPOTENCY_TTL_SECS, "NX"),
    );
    if (ok === "OK") return record;
    return (await this.getIdempotent(key)) ?? record;
  }

  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  /** Full key of a session (exposed for specs that check the TTL). */
  sessionKey(id: string): string {
    return `${this.prefix}session:${id}`;
  }

  idemKey(key: string): string {
    return `${this.prefix}idem:${key}`;
  }

  private async call<T>(what: string, command: (redis: Redis) => Promise<T>): Promise<T> {
    await this.whenReady(what);
    try {
      return await command(this.redis);
    } catch (error) {
      // A reply error is Redis refusing the command: a bug here, not an outage.
      if (error instanceof ReplyError) throw error;
      throw this.unavailable(what, error);
    }
  }

  private async whenReady(what: string): Promise<void> {
    const redis = this.redis;
    if (redis.status === "ready") return;
    if (redis.status === "end") throw this.unavailable(what, new Error("the store is closed"));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        redis.off("ready", onReady);
        reject(this.unavailable(what, new Error(this.lastError || `not connected (${redis.status})`)));
      }, this.unavailableAfterMs);
      const onReady = (): void => {
        clearTimeout(timer);
        resolve();
      };
      redis.once("ready", onReady);
    });
  }

  private unavailable(what: string, cause: unknown): SessionStoreUnavailableError {
    const detail = cause instanceof Error ? cause.message : String(cause);
    return new SessionStoreUnavailableError(
      `session store unavailable: could not ${what} in Redis at ${this.where} (${detail})`,
      { cause },
    );
  }
}

function parseJson<T>(json: string | null, onBad: (error: unknown) => void): T | undefined {
  if (json === null) return undefined;
  try {
    return JSON.parse(json) as T;
  } catch (error) {
    onBad(error);
    return undefined;
  }
}

/** The URL without its password, for messages and logs. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "<unparseable redis_url>";
  }
}
