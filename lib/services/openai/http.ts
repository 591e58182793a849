// One OpenAI-wire request as a cold Observable, straight on node:http / node:https: subscribing
// sends a POST whose whole body goes out in one write, the answer's body is handed to a reader
// chunk by chunk from the socket's 'data' events, and unsubscribing destroys the request at
// once, so the provider sees the connection close (barge-in relies on that). Building and
// sending each request through the `openai` client and a fetch under it cost 0.9–1.7 ms of CPU
// per request and 0.25–0.65 ms from the call to the request reaching the server; this costs
// 0.5–1.2 ms and 0.1–0.25 ms, within ≈ 0.1 ms of a bare node:http request that parses as much
// (spec/bench/openaiClient.bench.ts; a voice turn's STT + LLM + TTS: 3.9 → 1.5 ms of CPU).
// Besides the request itself:
//
// - one timer per request: first the wait for the response headers (timeoutMs), then the
//   longest gap in the body (idleTimeoutMs), restarted on each chunk;
// - a pooled socket that the server closed while it sat idle (ECONNRESET / EPIPE on a reused
//   socket, or one opened ahead of need, before any answer) is retried once on a new
//   connection; anything else is retried only when the endpoint's maxRetries says so, and only
//   before an answer began;
// - a request cancelled while it holds a connection has the pool replace that connection in
//   the background (agents.ts), so the next turn's request does not wait for a handshake;
// - a body compressed anyway (gzip, deflate, br) is decoded, though none is asked for;
// - a failing status is read whole and becomes a ServiceError with the provider's message.

import http, { type ClientRequest, type IncomingMessage } from "node:http";
import https from "node:https";
import { pipeline, type Readable } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { Observable, type Subscriber } from "rxjs";
import type { ServiceError } from "../service-error.ts";
import { dropIdleSockets, openedAheadOfNeed, replaceClosed } from "./agents.ts";
import type { OpenAIEndpoint } from "./connection.ts";
import { asServiceError, bodyError, connectionError, headerTimeoutError, redirectError, stalledError, statusError } from "./errors.ts";

export interface WireBody {
  readonly bytes: Uint8Array;
  readonly contentType: string;
}

/** Reads one successful answer. Anything it throws fails the request (and closes the connection). */
export interface BodyReader<T> {
  /** The answer's headers, before any data; throwing refuses the answer (e.g. a wrong content type). */
  head?(res: IncomingMessage): void;
  /** One piece of the decoded body, as it arrived. */
  data(chunk: Buffer, out: Subscriber<T>): void;
  /** The body ended; the request completes after this. */
  end(out: Subscriber<T>): void;
}

export interface WireCall<T> {
  /** Built at subscribe time, so each subscription sends its own request. */
  readonly body: () => WireBody;
  readonly reader: () => BodyReader<T>;
  /** What a stalled body is missing, for the error message. Default "data". */
  readonly idleWhat?: string;
}

/** A pooled socket that the server had closed fails with one of these before any answer. */
const STALE_SOCKET = new Set(["ECONNRESET", "EPIPE"]);
/** Error bodies are kept up to this size for the message; the rest is read and dropped. */
const MAX_ERROR_BODY = 16 * 1024;
/** Backoff between maxRetries attempts when the provider gives no Retry-After. */
const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 8_000;
/** A Retry-After longer than this is not waited for; the default backoff applies instead. */
const RETRY_AFTER_MAX_MS = 60_000;

export function wireRequest<T>(endpoint: OpenAIEndpoint, call: WireCall<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    const exchange = new Exchange(endpoint, call, subscriber);
    exchange.start();
    return () => exchange.cancel();
  });
}

type Phase = "waiting" | "backoff" | "reading" | "done";

class Exchange<T> {
  readonly #endpoint: OpenAIEndpoint;
  readonly #call: WireCall<T>;
  readonly #out: Subscriber<T>;
  #body: WireBody | undefined;
  #reader: BodyReader<T> | undefined;
  #req: ClientRequest | undefined;
  #phase: Phase = "waiting";
  #timer: NodeJS.Timeout | undefined;
  #timerMs = 0;
  #staleRetried = false;
  #retries = 0;
  /** Set while reading a failing status's body. */
  #failedStatus: { status: number; statusText: string; retryAfterMs: number | undefined; text: string } | undefined;

  constructor(endpoint: OpenAIEndpoint, call: WireCall<T>, out: Subscriber<T>) {
    this.#endpoint = endpoint;
    this.#call = call;
    this.#out = out;
  }

  start(): void {
    if (this.#endpoint.invalid) return this.#finish(asServiceError(this.#endpoint, new Error(this.#endpoint.invalid)));
    try {
      this.#body = this.#call.body();
    } catch (error) {
      return this.#finish(asServiceError(this.#endpoint, error));
    }
    this.#send();
  }

  /** Unsubscribed: stop everything now; a request still open closes its connection, which the pool replaces in the background. */
  cancel(): void {
    if (this.#phase === "done") return;
    const holding = this.#phase !== "backoff" && this.#req?.socket != null && !this.#req.socket.destroyed;
    this.#phase = "done";
    this.#clearTimer();
    this.#req?.destroy();
    if (holding) replaceClosed(this.#endpoint.request.agent, this.#endpoint.poolName);
  }

  #send(): void {
    const endpoint = this.#endpoint;
    const body = this.#body!;
    this.#phase = "waiting";
    this.#failedStatus = undefined;
    let req: ClientRequest;
    try {
      req = (endpoint.secure ? https : http).request({
        ...endpoint.request,
        headers: { ...endpoint.headers, "content-type": body.contentType, "content-length": body.bytes.byteLength },
      });
    } catch (error) {
      // Bad header values (e.g. a key with a line break) are refused before anything is sent.
      return this.#finish(asServiceError(endpoint, error));
    }
    this.#req = req;
    // Kept for the request's whole life: a late socket error with no listener would crash the process.
    req.on("error", (error: NodeJS.ErrnoException) => this.#onRequestError(req, error));
    req.on("response", (res) => this.#onResponse(req, res));
    this.#arm(endpoint.timeoutMs);
    req.end(body.bytes);
  }

  #onRequestError(req: ClientRequest, error: NodeJS.ErrnoException): void {
    if (req !== this.#req || this.#phase === "done") return;
    if (this.#phase === "reading") return this.#fail(bodyError(this.#endpoint, error));
    if (!this.#staleRetried && (req.reusedSocket || openedAheadOfNeed(req.socket)) && STALE_SOCKET.has(error.code ?? "")) {
      this.#staleRetried = true;
      dropIdleSockets(this.#endpoint.request.agent, this.#endpoint.poolName);
      return this.#send();
    }
    this.#retryOrFail(connectionError(this.#endpoint, error), undefined);
  }

  #onResponse(req: ClientRequest, res: IncomingMessage): void {
    if (req !== this.#req || this.#phase === "done") {
      res.resume();
      return;
    }
    this.#phase = "reading";
    this.#arm(this.#endpoint.idleTimeoutMs);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status <= 399) return this.#fail(redirectError(this.#endpoint, status, res.headers.location));
    if (status < 200 || status > 299) {
      const retryAfterMs = retryAfter(res);
      this.#failedStatus = { status, statusText: res.statusMessage ?? "", retryAfterMs, text: "" };
    } else {
      try {
        this.#reader = this.#call.reader();
        this.#reader.head?.(res);
      } catch (error) {
        return this.#fail(asServiceError(this.#endpoint, error));
      }
    }
    const body = decoded(res, (error) => this.#onBodyError(req, error));
    body.on("data", (chunk: Buffer) => this.#onData(req, chunk));
    body.on("end", () => this.#onEnd(req));
  }

  #onData(req: ClientRequest, chunk: Buffer): void {
    if (req !== this.#req || this.#phase !== "reading") return;
    this.#timer?.refresh();
    const failed = this.#failedStatus;
    if (failed) {
      if (failed.text.length < MAX_ERROR_BODY) failed.text += chunk.toString("utf8");
      return;
    }
    try {
      this.#reader!.data(chunk, this.#out);
    } catch (error) {
      this.#fail(asServiceError(this.#endpoint, error));
    }
  }

  #onEnd(req: ClientRequest): void {
    if (req !== this.#req || this.#phase !== "reading") return;
    const failed = this.#failedStatus;
    if (failed) {
      const error = statusError(this.#endpoint, failed.status, failed.statusText, failed.text.slice(0, MAX_ERROR_BODY));
      return this.#retryOrFail(error, failed.retryAfterMs);
    }
    this.#phase = "done";
    this.#clearTimer();
    try {
      this.#reader!.end(this.#out);
    } catch (error) {
      return this.#out.error(asServiceError(this.#endpoint, error));
    }
    this.#out.complete();
  }

  #onBodyError(req: ClientRequest, error: Error): void {
    if (req !== this.#req || this.#phase !== "reading") return;
    this.#fail(bodyError(this.#endpoint, error));
  }

  #onTimer = (): void => {
    const endpoint = this.#endpoint;
    if (this.#phase === "waiting") this.#retryOrFail(headerTimeoutError(endpoint, endpoint.timeoutMs), undefined);
    else if (this.#phase === "reading") this.#fail(stalledError(endpoint, this.#call.idleWhat ?? "data", endpoint.idleTimeoutMs));
    else if (this.#phase === "backoff") this.#send();
  };

  /** Another attempt when the failure allows one and maxRetries is not used up, else the error. */
  #retryOrFail(error: ServiceError, retryAfterMs: number | undefined): void {
    if (!error.retryable || this.#retries >= this.#endpoint.maxRetries) return this.#fail(error);
    const backoffMs = retryAfterMs ?? Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** this.#retries);
    this.#retries += 1;
    this.#req?.destroy();
    if (backoffMs <= 0) return this.#send();
    this.#phase = "backoff";
    this.#arm(backoffMs);
  }

  #fail(error: ServiceError): void {
    this.#req?.destroy();
    this.#finish(error);
  }

  #finish(error: ServiceError): void {
    if (this.#phase === "done") return;
    this.#phase = "done";
    this.#clearTimer();
    this.#out.error(error);
  }

  /** (Re)starts the request's one timer; `ms` 0 stops it. */
  #arm(ms: number): void {
    if (!(ms > 0)) return this.#clearTimer();
    if (this.#timer && this.#timerMs === ms) {
      this.#timer.refresh();
      return;
    }
    this.#clearTimer();
    this.#timerMs = ms;
    this.#timer = setTimeout(this.#onTimer, ms);
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** The body as sent, or decoded when the server compressed it although nobody asked. */
function decoded(res: IncomingMessage, onError: (error: Error) => void): Readable {
  const encoding = res.headers["content-encoding"]?.trim().toLowerCase();
  const decoder =
    encoding === "gzip" || encoding === "x-gzip"
      ? createGunzip()
      : encoding === "deflate"
        ? createInflate()
        : encoding === "br"
          ? createBrotliDecompress()
          : undefined;
  if (!decoder) {
    res.on("error", onError);
    return res;
  }
  pipeline(res, decoder, (error) => error && onError(error));
  return decoder;
}

/** Retry-After (seconds or an HTTP date) or retry-after-ms, when within reason. */
function retryAfter(res: IncomingMessage): number | undefined {
  const ms = Number(res.headers["retry-after-ms"]);
  let wait = Number.isFinite(ms) && res.headers["retry-after-ms"] !== undefined ? ms : undefined;
  const header = res.headers["retry-after"];
  if (wait === undefined && header !== undefined) {
    const seconds = Number(header);
    wait = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  }
  return wait !== undefined && wait >= 0 && wait <= RETRY_AFTER_MAX_MS ? wait : undefined;
}
