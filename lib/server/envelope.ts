// Response envelopes, as the Go original's clients expect them:
//
//   success  {"data": <payload>, "meta": {"requestId": "…"}}
//   error    {"error": {"code": "…", "message": "…", "requestId": "…", "details": [{field, message}]?}}
//
// The request id is also sent as the X-Request-ID response header (the Go original only put
// it in the body).

import type { ServerResponse } from "node:http";

export const ERROR_CODES = [
  "UNAUTHORIZED",
  "FORBIDDEN",
  "VALIDATION_ERROR",
  "NOT_FOUND",
  "CONFLICT",
  "RATE_LIMIT_EXCEEDED",
  "INTERNAL_ERROR",
  "BAD_REQUEST",
  "UNPROCESSABLE_ENTITY",
  "SERVICE_UNAVAILABLE",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorDetail {
  readonly field: string;
  readonly message: string;
}

/** Throw from a route handler to answer with an error envelope. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: readonly ErrorDetail[],
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export function successBody(data: unknown, requestId: string): string {
  return JSON.stringify({ data, meta: { requestId } });
}

export function errorBody(code: ErrorCode, message: string, requestId: string, details?: readonly ErrorDetail[]): string {
  return JSON.stringify({ error: { code, message, requestId, ...(details && details.length > 0 ? { details } : {}) } });
}

function write(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Content-Length", Buffer.byteLength(body));
  res.end(body);
}

export function sendData(res: ServerResponse, status: number, data: unknown, requestId: string): void {
  write(res, status, successBody(data, requestId));
}

export function sendError(
  res: ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
  requestId: string,
  details?: readonly ErrorDetail[],
): void {
  write(res, status, errorBody(code, message, requestId, details));
}
