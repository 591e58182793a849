// CORS, from cors_allowed_origins:
//   "*" (the default, also when the key is absent)  Access-Control-Allow-Origin: *
//   []                                              no CORS headers: browsers block cross-origin calls
//   ["https://app.example"]                         the request's Origin is echoed back when listed
//
// Preflights (OPTIONS on a known path) get 204 with the path's methods and the headers
// clients send: Content-Type, Authorization, X-API-Key, Idempotency-Key, X-Request-ID.

import type { IncomingMessage, ServerResponse } from "node:http";

export type AllowedOrigins = "*" | readonly string[];

export const ALLOWED_HEADERS = "Content-Type, Authorization, X-API-Key, Idempotency-Key, X-Request-ID";
/** Browsers may cache a preflight answer this long (seconds). */
const PREFLIGHT_MAX_AGE_SECS = 600;

export function allowedOrigin(origin: string | undefined, allowed: AllowedOrigins): string | null {
  if (allowed === "*") return "*";
  if (origin === undefined) return null;
  return allowed.includes(origin) ? origin : null;
}

/** Sets the CORS response headers for a request; returns whether its origin is allowed. */
export function applyCors(req: IncomingMessage, res: ServerResponse, allowed: AllowedOrigins): boolean {
  if (allowed !== "*" && allowed.length > 0) res.setHeader("Vary", "Origin");
  const origin = allowedOrigin(req.headers.origin, allowed);
  if (origin === null) return false;
  res.setHeader("Access-Control-Allow-Origin", origin);
  res.setHeader("Access-Control-Expose-Headers", "X-Request-ID");
  return true;
}

export function answerPreflight(res: ServerResponse, methods: readonly string[], originAllowed: boolean): void {
  if (originAllowed) {
    res.setHeader("Access-Control-Allow-Methods", [...new Set([...methods, "OPTIONS"])].join(", "));
    res.setHeader("Access-Control-Allow-Headers", ALLOWED_HEADERS);
    res.setHeader("Access-Control-Max-Age", String(PREFLIGHT_MAX_AGE_SECS));
  }
  res.statusCode = 204;
  res.end();
}

/**
 * Whether a WebSocket upgrade from `origin` is allowed. Browsers do not apply CORS to
 * WebSockets, so the server checks: any origin with "*", otherwise a listed origin or the
 * server's own host; clients that send no Origin (not browsers) are always allowed.
 */
export function websocketOriginAllowed(origin: string | undefined, host: string | undefined, allowed: AllowedOrigins): boolean {
  if (allowed === "*" || origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}
