// Turns whatever the `openai` client or a body read throws into a ServiceError that names the
// provider and role, keeps the HTTP status, and says whether a retry may help.

import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { ServiceError, isRetryableStatus, type ServiceRole } from "../service-error.ts";

/** Error codes of a connection that dropped or never opened: worth another try. */
const TRANSIENT_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "UND_ERR_SOCKET"]);

export function openAIErrorMapper(provider: string, role: ServiceRole, timeoutMs: number): (error: unknown) => ServiceError {
  return (error) => {
    if (error instanceof ServiceError) return error;
    const base = { provider, role, cause: error };
    if (error instanceof APIConnectionTimeoutError) {
      return new ServiceError({ ...base, detail: `no response within ${timeoutMs} ms`, retryable: true });
    }
    if (error instanceof APIUserAbortError) {
      return new ServiceError({ ...base, detail: "request aborted", retryable: false });
    }
    if (error instanceof APIConnectionError) {
      return new ServiceError({ ...base, detail: `connection failed: ${describeCause(error.cause ?? error)}`, retryable: true });
    }
    if (error instanceof APIError && typeof error.status === "number") {
      // The client formats its message as "<status> <provider message>"; keep only the latter.
      const detail = error.message.startsWith(`${error.status} `) ? error.message.slice(`${error.status} `.length) : error.message;
      return new ServiceError({ ...base, status: error.status, detail, retryable: isRetryableStatus(error.status) });
    }
    // Past the response headers the client is out of the loop: a body cut off arrives as the
    // transport's own error (node:http: "aborted", ECONNRESET).
    const code = transientCode(error);
    if (code !== undefined) return new ServiceError({ ...base, detail: `connection lost mid-response: ${describeCause(error)}${code ? ` (${code})` : ""}`, retryable: true });
    return new ServiceError({ ...base, detail: describeCause(error), retryable: false });
  };
}

function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}

/**
 * The error code that makes `error` a dropped connection ("" when only the message says so),
 * or undefined. undici reports a body cut off mid-stream as TypeError "terminated" with a socket
 * error cause; node:http as Error "aborted" with code ECONNRESET.
 */
function transientCode(error: unknown): string | undefined {
  let terminated = false;
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && TRANSIENT_CODES.has(code)) return code;
    terminated ||= e.message === "terminated";
  }
  return terminated ? "" : undefined;
}
