// A `fetch` on node:http / node:https for the `openai` client (its constructor takes one).
// The platform fetch (undici behind WHATWG streams) cost 2.9–3.9 ms of CPU per request and
// 1.5–3 ms each way in latency inside the voice server (spec/bench/README.md); this one leaves
// request building, retries and error classes to the client and replaces only the transport:
// keep-alive agents (warm connections, most recently used first), the body written in one
// call, and a response body read straight from the socket's stream (node-response.ts). Alone
// it costs what a bare node:http request does (≈ 0.3 ms of CPU for a short chat stream, see
// spec/bench/openaiClient.bench.ts); the client's own request building adds ≈ 0.25 ms.
//
// It behaves as fetch does where the client relies on it: aborting the signal rejects a pending
// fetch with the signal's reason and, once the response has arrived, ends the body with that
// reason and destroys the socket (the server sees the request closed); redirects are followed
// (Authorization dropped across origins); a gzip/deflate/br body is decoded. It does not ask
// for compression (streamed SSE and PCM gain nothing from it). URLs other than http(s), and
// Request objects, go to the platform fetch.

import http, { type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import https from "node:https";
import { once } from "node:events";
import { pipeline, type Readable } from "node:stream";
import { rootCertificates } from "node:tls";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { NodeResponse } from "./node-response.ts";
import { encodeRequestBody, type EncodedBody } from "./request-body.ts";

export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface NodeFetch extends Fetch {
  /** Closes every pooled connection; later calls open new ones. */
  destroy(): void;
}

export interface NodeFetchOptions {
  /** PEM certificates trusted for HTTPS besides the system's (a self-hosted server's private CA). */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  /**
   * How long an unused connection stays in the pool. Default 30 000 ms: voice turns come every
   * few seconds, and load balancers commonly drop idle connections after 60 s (a connection
   * dropped without a reset would cost a whole request timeout). A shorter `Keep-Alive:
   * timeout=N` from the server wins (less 1 s). In-flight requests are not affected.
   */
  readonly keepAliveMs?: number;
}

export const DEFAULT_KEEP_ALIVE_MS = 30_000;

const MAX_REDIRECTS = 20;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const NO_BODY = new Set([101, 103, 204, 205, 304]);
const NORMALIZED_METHODS = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]);
/** Errors of a kept-alive socket that the server closed while it sat in the pool. */
const STALE_SOCKET = new Set(["ECONNRESET", "EPIPE"]);
const BODY_HEADERS = ["content-type", "content-length", "content-encoding", "content-language", "content-location"];

interface Outgoing {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: EncodedBody | undefined;
}

export function createNodeFetch(options: NodeFetchOptions = {}): NodeFetch {
  // LIFO hands out the most recently used socket: the warmest, and the least likely to have
  // been closed by the server's idle timeout.
  const agentOptions = { keepAlive: true, scheduling: "lifo" as const, noDelay: true, timeout: options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS };
  const httpAgent = new http.Agent(agentOptions);
  const extraCa = options.ca === undefined ? undefined : [...rootCertificates, ...[options.ca].flat()];
  const httpsAgent = new https.Agent({ ...agentOptions, ...(extraCa ? { ca: extraCa as (string | Buffer)[] } : {}) });

  async function nodeFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    const url = typeof input === "string" ? new URL(input) : input instanceof URL ? input : undefined;
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) return globalThis.fetch(input, init);
    const signal = init.signal ?? undefined;
    if (signal?.aborted) throw abortReason(signal);
    const method = (init.method ?? "GET").toUpperCase();
    const request: Outgoing = {
      url,
      method: NORMALIZED_METHODS.has(method) ? method : (init.method ?? "GET"),
      headers: headerRecord(init.headers),
      body: await encodeRequestBody(init.body),
    };
    for (let redirects = 0; ; redirects++) {
      const res = await exchange(request, signal, true);
      const location = res.headers.location;
      if (!REDIRECTS.has(res.statusCode ?? 0) || location === undefined || init.redirect === "manual") {
        return toResponse(res, request, redirects > 0, signal);
      }
      res.resume(); // drain the redirect's body so its socket goes back to the pool
      if (init.redirect === "error") throw new TypeError(`fetch failed: redirect to ${location} with redirect: "error"`);
      if (redirects >= MAX_REDIRECTS) throw new TypeError(`fetch failed: more than ${MAX_REDIRECTS} redirects`);
      redirect(request, res.statusCode!, new URL(location, request.url));
    }
  }

  /** Sends one request; resolves at the response headers. A stale pooled socket is retried once on a new one. */
  function exchange(request: Outgoing, signal: AbortSignal | undefined, mayRetry: boolean): Promise<IncomingMessage> {
    const { url, body } = request;
    const secure = url.protocol === "https:";
    const headers: OutgoingHttpHeaders = { ...request.headers };
    if (body?.contentType && headers["content-type"] === undefined) headers["content-type"] = body.contentType;
    if (body?.bytes) headers["content-length"] = body.bytes.byteLength;
    else if (body?.stream) delete headers["content-length"];

    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = (secure ? https : http).request({
        agent: secure ? httpsAgent : httpAgent,
        hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
        port: url.port || undefined,
        path: url.pathname + url.search,
        method: request.method,
        headers,
      });
      let settled = false;
      const settle = () => {
        settled = true;
        signal?.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        if (settled) return;
        settle();
        req.destroy();
        reject(abortReason(signal!));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      req.on("response", (res) => {
        settle();
        resolve(res);
      });
      req.on("error", (error: NodeJS.ErrnoException) => {
        if (settled) return;
        settle();
        const replayable = !body?.stream;
        if (mayRetry && replayable && req.reusedSocket && STALE_SOCKET.has(error.code ?? "")) resolve(exchange(request, signal, false));
        else reject(error);
      });
      if (body?.stream) void writeStream(req, body.stream);
      else req.end(body?.bytes);
    });
  }

  return Object.assign(nodeFetch, {
    destroy() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  }) as NodeFetch;
}

/** Wraps the node:http response; from here on an abort ends the body and destroys the socket. */
function toResponse(res: IncomingMessage, request: Outgoing, redirected: boolean, signal: AbortSignal | undefined): Response {
  const status = res.statusCode ?? 0;
  const hasBody = request.method !== "HEAD" && !NO_BODY.has(status);
  // An unread body must not crash the process when its socket fails; a reader still sees the error.
  res.on("error", () => {});
  let body: Readable | null = null;
  if (hasBody) body = decoded(res);
  else res.resume();
  if (signal && hasBody) {
    const source = body!;
    const onAbort = () => {
      if (!source.readableEnded) source.destroy(abortReason(signal));
    };
    const forget = () => signal.removeEventListener("abort", onAbort);
    signal.addEventListener("abort", onAbort, { once: true });
    source.once("end", forget);
    source.once("close", forget);
    // An abort between the headers and here (a microtask apart) must still close the socket.
    if (signal.aborted) onAbort();
  }
  const response = new NodeResponse({
    status,
    statusText: res.statusMessage ?? "",
    rawHeaders: res.rawHeaders,
    url: request.url.href,
    redirected,
    body,
  });
  // Structurally the read side of Response; see node-response.ts for what it leaves out.
  return response as unknown as Response;
}

/** The body as the fetch standard hands it over: decoded when the server compressed it anyway. */
function decoded(res: IncomingMessage): Readable {
  const encoding = res.headers["content-encoding"]?.trim().toLowerCase();
  const decoder =
    encoding === "gzip" || encoding === "x-gzip"
      ? createGunzip()
      : encoding === "deflate"
        ? createInflate()
        : encoding === "br"
          ? createBrotliDecompress()
          : undefined;
  if (!decoder) return res;
  pipeline(res, decoder, () => {});
  return decoder;
}

/** The fetch standard's redirect rules: 303 (and 301/302 after POST) become a GET without body. */
function redirect(request: Outgoing, status: number, location: URL): void {
  if (location.protocol !== "http:" && location.protocol !== "https:") throw new TypeError(`fetch failed: redirect to ${location.protocol} URL`);
  if ((status === 303 && request.method !== "GET" && request.method !== "HEAD") || ((status === 301 || status === 302) && request.method === "POST")) {
    request.method = "GET";
    request.body = undefined;
    for (const name of BODY_HEADERS) delete request.headers[name];
  } else if (request.body?.stream) {
    throw new TypeError("fetch failed: cannot follow a redirect with a streamed request body");
  }
  if (location.origin !== request.url.origin) delete request.headers["authorization"];
  request.url = location;
}

async function writeStream(req: http.ClientRequest, stream: AsyncIterable<Uint8Array>): Promise<void> {
  try {
    for await (const chunk of stream) {
      if (!req.write(chunk)) await once(req, "drain");
    }
    req.end();
  } catch (error) {
    req.destroy(error as Error);
  }
}

/** Lower-case names, as Headers yields them, so later lookups (content-type, authorization) are exact. */
function headerRecord(init: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!init) return out;
  if (init instanceof Headers) init.forEach((value, name) => (out[name] = value));
  else if (Array.isArray(init)) for (const [name, value] of init) out[name!.toLowerCase()] = value!;
  else for (const [name, value] of Object.entries(init)) out[name.toLowerCase()] = value;
  return out;
}

/** What fetch rejects with on abort: the signal's reason, or the standard AbortError. */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException("This operation was aborted", "AbortError");
}
