// A small router: a route is a method, a path pattern and a handler.
//
// Patterns are exact paths ("/health"), paths with named segments ("/sessions/{id}/offer";
// a segment matches one non-empty path segment, percent-decoded), or a prefix ending in
// "/*" ("/*" serves static files; the rest of the path is params["*"]). Exact paths win over
// named segments, which win over prefixes (longest prefix first). Every route is also
// mounted under /api/v1 unless it says `v1: false` or already starts with /api/.
// A path that matches with another method is answered 405 (code BAD_REQUEST) with an
// Allow header; a path that matches nothing is 404 NOT_FOUND.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../pipeline/context.ts";
import type { ErrorCode, ErrorDetail } from "./envelope.ts";

export const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type Method = (typeof METHODS)[number];

export const API_PREFIX = "/api/v1";

/** What a handler gets for one request. */
export interface RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** Named segments of the pattern, percent-decoded ("*" for a prefix route's rest). */
  readonly params: Readonly<Record<string, string>>;
  readonly requestId: string;
  readonly log: Logger;
  /** The request body, at most max_request_body_bytes (413 otherwise). */
  body(): Promise<Buffer>;
  /** The body parsed as JSON (400 BAD_REQUEST when it is not). */
  json<T = unknown>(): Promise<T>;
  /** Answers with the success envelope {data, meta:{requestId}}. */
  send(status: number, data: unknown): void;
  /** Answers with the error envelope. */
  fail(status: number, code: ErrorCode, message: string, details?: readonly ErrorDetail[]): void;
}

/**
 * A route handler. It may answer through ctx (or ctx.res) itself; otherwise a returned value
 * other than undefined is sent as `200 {data: value}`, and undefined gives 204. Throw
 * HttpError for an error envelope; anything else thrown is a 500 INTERNAL_ERROR.
 */
export type RouteHandler = (ctx: RouteContext) => unknown;

export interface RouteOptions {
  /** Needs the server API key, when one is configured. @defaultValue false */
  readonly auth?: boolean;
  /** Also mount under /api/v1. @defaultValue true */
  readonly v1?: boolean;
  /** The `route` label of HTTP metrics. @defaultValue the pattern */
  readonly name?: string;
}

export interface Route {
  readonly method: Method;
  readonly pattern: string;
  readonly handler: RouteHandler;
  readonly auth: boolean;
  readonly name: string;
}

export type RouteMatch =
  | { readonly kind: "found"; readonly route: Route; readonly params: Record<string, string> }
  | { readonly kind: "method"; readonly allowed: readonly Method[] }
  | { readonly kind: "none" };

interface Compiled {
  readonly pattern: string;
  readonly segments: readonly string[];
  readonly prefix: boolean;
  readonly byMethod: Map<Method, Route>;
}

export class RouteError extends Error {}

function splitPath(path: string): string[] {
  return path.split("/").filter((s) => s.length > 0);
}

/** "/a/b/" → "/a/b"; the root stays "/". */
export function normalizePath(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.replace(/\/+$/, "") || "/" : path;
}

export class Router {
  private readonly exact = new Map<string, Compiled>();
  private readonly patterns: Compiled[] = [];
  private readonly prefixes: Compiled[] = [];

  add(method: Method, pattern: string, handler: RouteHandler, options: RouteOptions = {}): void {
    if (!pattern.startsWith("/")) throw new RouteError(`route pattern must start with "/": ${pattern}`);
    const paths = [pattern];
    if (options.v1 !== false && !pattern.startsWith("/api/")) paths.push(pattern === "/" ? API_PREFIX : API_PREFIX + pattern);
    for (const path of paths) {
      const compiled = this.compiled(normalizePath(path));
      if (compiled.byMethod.has(method)) throw new RouteError(`route ${method} ${path} is registered twice`);
      compiled.byMethod.set(method, { method, pattern: path, handler, auth: options.auth === true, name: options.name ?? pattern });
    }
  }

  match(method: string, pathname: string): RouteMatch {
    const path = normalizePath(pathname);
    const segments = splitPath(path);
    const candidates: { compiled: Compiled; params: Record<string, string> }[] = [];
    const exact = this.exact.get(path);
    if (exact) candidates.push({ compiled: exact, params: {} });
    for (const c of this.patterns) {
      const params = matchSegments(c.segments, segments);
      if (params) candidates.push({ compiled: c, params });
    }
    for (const c of this.prefixes) {
      if (segments.length < c.segments.length) continue;
      const params = matchSegments(c.segments, segments.slice(0, c.segments.length));
      if (params) candidates.push({ compiled: c, params: { ...params, "*": segments.slice(c.segments.length).join("/") } });
    }
    if (candidates.length === 0) return { kind: "none" };
    const wanted = (method === "HEAD" ? ["HEAD", "GET"] : [method]) as Method[];
    for (const { compiled, params } of candidates) {
      for (const m of wanted) {
        const route = compiled.byMethod.get(m);
        if (route) return { kind: "found", route, params };
      }
    }
    const allowed = new Set<Method>();
    for (const { compiled } of candidates) for (const m of compiled.byMethod.keys()) allowed.add(m);
    if (allowed.has("GET")) allowed.add("HEAD");
    return { kind: "method", allowed: [...allowed] };
  }

  private compiled(path: string): Compiled {
    const segments = splitPath(path);
    const prefix = segments[segments.length - 1] === "*";
    const dynamic = prefix || segments.some((s) => s.startsWith("{"));
    if (!dynamic) {
      let c = this.exact.get(path);
      if (!c) this.exact.set(path, (c = { pattern: path, segments, prefix: false, byMethod: new Map() }));
      return c;
    }
    const list = prefix ? this.prefixes : this.patterns;
    let c = list.find((x) => x.pattern === path);
    if (!c) {
      for (const s of segments) {
        if (s.startsWith("{") && !/^\{[A-Za-z_]\w*\}$/.test(s)) throw new RouteError(`bad path segment "${s}" in ${path}`);
      }
      c = { pattern: path, segments: prefix ? segments.slice(0, -1) : segments, prefix, byMethod: new Map() };
      list.push(c);
      if (prefix) this.prefixes.sort((a, b) => b.segments.length - a.segments.length);
    }
    return c;
  }
}

function matchSegments(pattern: readonly string[], actual: readonly string[]): Record<string, string> | null {
  if (pattern.length !== actual.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const a = actual[i]!;
    if (p.startsWith("{")) {
      let value: string;
      try {
        value = decodeURIComponent(a);
      } catch {
        return null;
      }
      params[p.slice(1, -1)] = value;
    } else if (p !== a) {
      return null;
    }
  }
  return params;
}
