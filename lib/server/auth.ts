// Authentication with the optional `server_api_key`.
//
// A request carries the key as `X-API-Key: <key>` or `Authorization: Bearer <key>`. Keys are
// compared as SHA-256 digests with crypto.timingSafeEqual: equal lengths always, so neither
// the key's bytes nor its length leak through timing.
//
// Browsers cannot set headers on a WebSocket, so an authenticated client may ask
// `POST /api/v1/token` for a short-lived token and open `/ws?token=<token>`. A token is
// `<expiry secs>.<nonce>.<HMAC-SHA256>`, signed with a secret derived from the API key (so
// every process sharing the key accepts it) and valid for 300 s. It is checked the same
// constant-time way. Tokens can be used more than once within their life, so a reconnecting
// client keeps working.

import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

export const TOKEN_TTL_SECS = 300;

const sha256 = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest();

export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(sha256(given), sha256(expected));
}

/** The token-signing secret for an API key (random per process when there is no key). */
export function tokenSecret(apiKey: string | undefined): Buffer {
  return apiKey ? createHmac("sha256", apiKey).update("voxray websocket token v1").digest() : randomBytes(32);
}

function sign(secret: Buffer, payload: string): string {
  return createHmac("sha256", secret).update(payload).digest("base64url");
}

/** A token valid until `expiresAtSecs` (Unix seconds). */
export function signToken(secret: Buffer, expiresAtSecs: number): string {
  const payload = `${Math.floor(expiresAtSecs)}.${randomBytes(9).toString("base64url")}`;
  return `${payload}.${sign(secret, payload)}`;
}

export type TokenCheck = "ok" | "malformed" | "forged" | "expired";

export function checkToken(secret: Buffer, token: string, nowSecs: number): TokenCheck {
  const parts = token.split(".");
  if (parts.length !== 3 || token.length > 200) return "malformed";
  const [exp, nonce, signature] = parts as [string, string, string];
  if (!/^\d{1,12}$/.test(exp) || nonce.length === 0) return "malformed";
  const expected = Buffer.from(sign(secret, `${exp}.${nonce}`));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return "forged";
  return Number(exp) > nowSecs ? "ok" : "expired";
}

/** The key a request presents, from X-API-Key or Authorization: Bearer. */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const header = headers["x-api-key"];
  const key = Array.isArray(header) ? header[0] : header;
  if (key) return key;
  const auth = headers.authorization;
  const match = auth ? /^bearer\s+(.+)$/i.exec(auth.trim()) : null;
  return match ? match[1]!.trim() : undefined;
}

export interface AuthOptions {
  readonly apiKey?: string;
  readonly tokenTtlSecs?: number;
  /** Wall-clock milliseconds (tokens must agree across processes). */
  readonly now?: () => number;
}

export class Authenticator {
  readonly enabled: boolean;
  private readonly apiKey: string | undefined;
  private readonly secret: Buffer;
  private readonly ttlSecs: number;
  private readonly now: () => number;

  constructor(options: AuthOptions = {}) {
    this.apiKey = options.apiKey || undefined;
    this.enabled = this.apiKey !== undefined;
    this.secret = tokenSecret(this.apiKey);
    this.ttlSecs = options.tokenTtlSecs ?? TOKEN_TTL_SECS;
    this.now = options.now ?? Date.now;
  }

  /** Whether an HTTP request may pass: no key configured, or it presents the key. */
  allows(headers: IncomingHttpHeaders): boolean {
    if (!this.enabled) return true;
    const key = presentedKey(headers);
    return key !== undefined && sameSecret(key, this.apiKey!);
  }

  /** Whether a WebSocket upgrade may pass: the key, or a valid token (?token= or Bearer). */
  allowsSocket(headers: IncomingHttpHeaders, queryToken: string | null): boolean {
    if (this.allows(headers)) return true;
    const nowSecs = this.now() / 1000;
    const bearer = presentedKey(headers);
    if (bearer !== undefined && checkToken(this.secret, bearer, nowSecs) === "ok") return true;
    return queryToken !== null && queryToken !== "" && checkToken(this.secret, queryToken, nowSecs) === "ok";
  }

  issueToken(): { token: string; expiresIn: number } {
    return { token: signToken(this.secret, this.now() / 1000 + this.ttlSecs), expiresIn: this.ttlSecs };
  }
}
