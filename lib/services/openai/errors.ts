// Every way an OpenAI-wire request fails, as a ServiceError that names the provider and role,
// keeps the HTTP status, carries the provider's own words, and says whether a retry may help.

import { ServiceError, isRetryableStatus, type ServiceErrorInit, type ServiceRole } from "../service-error.ts";

/** Error codes of a connection that dropped: worth another try. */
const TRANSIENT_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "ECONNABORTED"]);
/** Longer provider texts are cut: an HTML error page must not flood the logs. */
const MAX_DETAIL = 200;

export interface ErrorSource {
  readonly provider: string;
  readonly role: ServiceRole;
}

/** Only the names are taken from `source` (often a whole endpoint, headers and all). */
function serviceError(source: ErrorSource, init: Omit<ServiceErrorInit, "provider" | "role">): ServiceError {
  return new ServiceError({ provider: source.provider, role: source.role, ...init });
}

/** The request could not be sent or got no answer (refused, DNS, TLS, reset before the headers). */
export function connectionError(source: ErrorSource, error: Error): ServiceError {
  return serviceError(source, { detail: `connection failed: ${describe(error)}`, retryable: true, cause: error });
}

export function headerTimeoutError(source: ErrorSource, timeoutMs: number): ServiceError {
  return serviceError(source, { detail: `no response within ${timeoutMs} ms`, retryable: true });
}

/** `what`: what stopped arriving ("data", "audio"). */
export function stalledError(source: ErrorSource, what: string, idleMs: number): ServiceError {
  return serviceError(source, { detail: `stream stalled: no ${what} for ${idleMs} ms`, retryable: true });
}

/** The body broke off (the server or the network dropped the connection) or could not be decoded. */
export function bodyError(source: ErrorSource, error: Error): ServiceError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && TRANSIENT_CODES.has(code)) {
    return serviceError(source, { detail: `connection lost mid-response: ${error.message} (${code})`, retryable: true, cause: error });
  }
  return serviceError(source, { detail: `unreadable response: ${describe(error)}`, retryable: false, cause: error });
}

/** An answer with a failing status; `body` is its text (possibly cut short). */
export function statusError(source: ErrorSource, status: number, statusText: string, body: string): ServiceError {
  const detail = providerMessage(body) ?? (statusText || "(no message)");
  return serviceError(source, { status, detail, retryable: isRetryableStatus(status) });
}

/** Redirects are not followed (a POST body would have to be sent twice); the base URL should point at the final address. */
export function redirectError(source: ErrorSource, status: number, location: string | undefined): ServiceError {
  const where = location ? `redirected to ${location}` : "redirected";
  return serviceError(source, { status, detail: `${where}; set the base URL to the final address (redirects are not followed)`, retryable: false });
}

/**
 * An error the provider sent inside an SSE stream, as `event: error` or as a JSON event with an
 * `error` member. Retryable when the provider says it is its own failure or a rate limit.
 */
export function streamError(source: ErrorSource, data: string): ServiceError {
  const parsed = parseJson(data);
  const error = isObject(parsed) && parsed.error !== undefined ? parsed.error : parsed;
  const detail = messageOf(error) ?? shorten(data) ?? "error event without a message";
  const kind = isObject(error) ? `${String(error.type ?? "")} ${String(error.code ?? "")}` : "";
  const code = isObject(error) ? Number(error.code ?? error.status) : Number.NaN;
  const retryable = /server_error|overloaded|rate_limit|unavailable/i.test(kind) || (Number.isInteger(code) && isRetryableStatus(code));
  return serviceError(source, { detail, retryable });
}

/** Anything else thrown while reading an answer (a bad WAV header, a malformed event). */
export function asServiceError(source: ErrorSource, error: unknown): ServiceError {
  if (error instanceof ServiceError) return error;
  return serviceError(source, { detail: error instanceof Error ? error.message : String(error), retryable: false, cause: error });
}

/**
 * The provider's message in an error body: OpenAI's `{"error":{"message":…}}`, the plain
 * `{"error":"…"}` of Ollama and others, a top-level `message` or FastAPI's `detail`; else the
 * text itself, shortened. Undefined for an empty body.
 */
export function providerMessage(body: string): string | undefined {
  const parsed = parseJson(body);
  if (parsed !== undefined) {
    const message = isObject(parsed) ? (messageOf(parsed.error) ?? messageOf(parsed)) : undefined;
    if (message !== undefined) return message;
  }
  return shorten(body);
}

function messageOf(value: unknown): string | undefined {
  if (typeof value === "string") return value.trim() ? shorten(value) : undefined;
  if (!isObject(value)) return undefined;
  for (const key of ["message", "detail", "error"] as const) {
    const field = value[key];
    if (typeof field === "string" && field.trim()) return shorten(field);
  }
  return undefined;
}

function shorten(text: string): string | undefined {
  const flat = text.replace(/\s+/g, " ").trim();
  if (!flat) return undefined;
  return flat.length > MAX_DETAIL ? `${flat.slice(0, MAX_DETAIL)}…` : flat;
}

function parseJson(text: string): unknown {
  const start = text.trimStart()[0];
  if (start !== "{" && start !== "[" && start !== '"') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The message, and the code when the message does not already say it. */
function describe(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}
