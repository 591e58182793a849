// A local stand-in for the OpenAI HTTP API, for specs and benchmarks: a real node:http server on
// 127.0.0.1 that speaks the wire format the `openai` client expects.
//
//   POST /v1/chat/completions    SSE `chat.completion.chunk`s (tool-call deltas split over several
//                                chunks, id and name only in the first), a usage chunk when
//                                stream_options.include_usage is set, `data: [DONE]`; or one JSON
//                                completion when stream is false.
//   POST /v1/audio/transcriptions  multipart upload; the file must be a valid WAV (RIFF header,
//                                sizes that add up) or the answer is 400. json / verbose_json / text.
//   POST /v1/audio/speech        audio streamed in chunks: raw 24 kHz PCM16 for "pcm", a
//                                streaming WAV for "wav", placeholder bytes for compressed formats.
//
// Usage:
//   const openai = await startOpenAIStandIn({ latency: { ttftMs: 200 } });
//   openai.script("chat", { text: ["Hel", "lo"] }, { status: 429, message: "Rate limit" });
//   … point a client at openai.baseURL …
//   const req = await openai.request(0);   // first request, once its body has been read
//   await req.settled;                      // response ended or client went away
//   req.aborted                             // true when the client closed it before the end
//   await openai.close();
//
// Replies are chosen per request: `handle` first, then the endpoint's script queue (FIFO), then
// the endpoint's default. A reply is content (ChatReply / TranscriptionReply / SpeechReply), an
// error (`{ status, message }`, OpenAI's error body) or `{ hang: true }` (no headers, ever).
// `{ holdAfter: n, release }` sends n pieces and then waits for `release` (forever without it),
// which makes "mid-stream" checks deterministic. Latencies are real timers: this is the edge.
// `tls: { key, cert }` serves the same API over HTTPS (baseURL "https://127.0.0.1:…/v1").
// openai-wire.ts also exports `inspectWav`, `tonePcm` and `streamingWavHeader` for specs.

import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createTLSServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { writeChatCompletion } from "./openai-chat.ts";
import { writeSpeech, writeTranscription } from "./openai-audio.ts";
import { errorBody, untilAborted } from "./openai-wire.ts";

export type Endpoint = "chat" | "transcription" | "speech";

export interface ScriptedToolCall {
  readonly id?: string;
  readonly name: string;
  /** One string, or the fragments to stream one per chunk. */
  readonly arguments: string | readonly string[];
}

/** Pause points shared by streamed replies. */
export interface Hold {
  /** Send this many pieces (tokens / tool fragments / audio chunks), then wait. */
  readonly holdAfter?: number;
  /** Resolving it resumes the reply; without it the reply waits until the client goes away. */
  readonly release?: PromiseLike<unknown>;
}

export interface ChatReply extends Hold {
  /** Tokens in order; a string is split into words, each with its leading space. */
  readonly text?: string | readonly string[];
  readonly toolCalls?: readonly ScriptedToolCall[];
  /** Interleave the pieces of parallel tool calls (OpenAI sends them one call after another). */
  readonly interleave?: boolean;
  /** Default "tool_calls" when there are tool calls, else "stop". */
  readonly finishReason?: string;
  readonly usage?: { readonly prompt_tokens: number; readonly completion_tokens: number };
  readonly ttftMs?: number;
  readonly interTokenMs?: number;
}

export interface TranscriptionReply {
  readonly text: string;
  /** Reported by verbose_json. Default "english". */
  readonly language?: string;
  readonly latencyMs?: number;
}

export interface SpeechReply extends Hold {
  /** Length of the generated tone. Default 60 ms per input character, at least 200 ms. */
  readonly durationMs?: number;
  /** Exact PCM16LE mono audio to send instead of a tone. */
  readonly pcm?: Uint8Array;
  /** Bytes per write. Default 1920 (40 ms at 24 kHz); odd sizes split samples, as real networks do. */
  readonly chunkBytes?: number;
  readonly firstByteMs?: number;
  readonly chunkIntervalMs?: number;
  /** Answer in this format whatever the request asked, like a provider that ignores response_format. */
  readonly format?: "mp3" | "opus" | "aac" | "flac" | "wav" | "pcm";
}

/** An OpenAI-shaped error answer. */
export interface ErrorReply {
  readonly status: number;
  readonly message?: string;
  readonly type?: string;
  readonly code?: string | null;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Never answers, not even headers, until the client goes away. */
export interface HangReply {
  readonly hang: true;
}

export interface ReplyFor {
  chat: ChatReply;
  transcription: TranscriptionReply;
  speech: SpeechReply;
}

export type Reply<E extends Endpoint = Endpoint> = ReplyFor[E] | ErrorReply | HangReply;

export interface StandInLatency {
  /** After the response headers, before the first chat chunk. */
  readonly ttftMs: number;
  readonly interTokenMs: number;
  /** Before a transcription answer. */
  readonly sttMs: number;
  /** Before the speech response headers and first audio bytes. */
  readonly ttsFirstByteMs: number;
  readonly ttsChunkIntervalMs: number;
}

export interface OpenAIStandInOptions {
  /** Defaults for every reply; all 0 unless set. */
  readonly latency?: Partial<StandInLatency>;
  /** When set, any other bearer token gets OpenAI's 401 answer. */
  readonly apiKey?: string;
  /** Consulted first for every request; undefined falls through to the script queue. */
  readonly handle?: (request: RecordedRequest) => Reply | undefined;
  readonly defaults?: { readonly [E in Endpoint]?: Reply<E> };
  /** PEM key and certificate: serve HTTPS instead of plain HTTP (the certificate must name 127.0.0.1). */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
}

export interface RecordedRequest {
  /** 0-based arrival order. */
  readonly seq: number;
  readonly endpoint: Endpoint | "unknown";
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The client's side of the connection. */
  readonly remotePort: number | undefined;
  /** JSON bodies parsed; multipart bodies as `{ fields, file }` (see `UploadedFile`). */
  readonly body: unknown;
  /** performance.now() times, ms: headers arrived, body read in full, first response byte, end. */
  readonly receivedAt: number;
  readonly bodyAt: number;
  firstByteAt?: number;
  endedAt?: number;
  /** True when the client closed the connection before the response ended. */
  aborted: boolean;
  abortedAt?: number;
  status?: number;
  /** Content / tool-call chunks or audio writes sent so far. */
  piecesSent: number;
  bytesSent: number;
  /** Resolves once the response has ended or the client has gone away. */
  readonly settled: Promise<RecordedRequest>;
}

export interface UploadedFile {
  readonly name: string;
  readonly type: string;
  readonly bytes: Uint8Array;
}

export interface OpenAIStandIn {
  /** e.g. "http://127.0.0.1:41234/v1", as the `openai` client's baseURL. */
  readonly baseURL: string;
  /** Every request so far, in arrival order (recorded once its body has been read). */
  readonly requests: readonly RecordedRequest[];
  /** Queues replies for the next requests to `endpoint`, first in first out. */
  script<E extends Endpoint>(endpoint: E, ...replies: Reply<E>[]): void;
  /** The `seq`-th request, once it has arrived. */
  request(seq: number): Promise<RecordedRequest>;
  /** Closes every connection (in-flight replies see an abort) and stops listening. */
  close(): Promise<void>;
}

/** What a reply writer gets: the request, the response, and a signal that fires when the client leaves. */
export interface ReplyContext {
  readonly record: RecordedRequest;
  readonly res: ServerResponse;
  readonly signal: AbortSignal;
  readonly latency: StandInLatency;
  sendJson(status: number, body: unknown, headers?: Readonly<Record<string, string>>): void;
}

const ROUTES: Readonly<Record<string, Endpoint>> = {
  "/v1/chat/completions": "chat",
  "/v1/audio/transcriptions": "transcription",
  "/v1/audio/speech": "speech",
};

const BUILT_IN_DEFAULTS: { readonly [E in Endpoint]: Reply<E> } = {
  chat: { text: "Hello from the stand-in." },
  transcription: { text: "hello from the stand-in" },
  speech: {},
};

export async function startOpenAIStandIn(options: OpenAIStandInOptions = {}): Promise<OpenAIStandIn> {
  const latency: StandInLatency = { ttftMs: 0, interTokenMs: 0, sttMs: 0, ttsFirstByteMs: 0, ttsChunkIntervalMs: 0, ...options.latency };
  const requests: RecordedRequest[] = [];
  const queues: { [E in Endpoint]: Reply<E>[] } = { chat: [], transcription: [], speech: [] };
  const waiters = new Map<number, ((r: RecordedRequest) => void)[]>();
  const inFlight = new Set<AbortController>();

  function pick(record: RecordedRequest): Reply | undefined {
    const endpoint = record.endpoint;
    if (endpoint === "unknown") return undefined;
    return options.handle?.(record) ?? queues[endpoint].shift() ?? options.defaults?.[endpoint] ?? BUILT_IN_DEFAULTS[endpoint];
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const controller = new AbortController();
    inFlight.add(controller);
    let settle!: (r: RecordedRequest) => void;
    const settled = new Promise<RecordedRequest>((resolve) => (settle = resolve));
    const receivedAt = performance.now();
    const url = new URL(req.url ?? "/", "http://stand-in");
    const raw = await readBody(req);
    const bodyAt = performance.now();
    const record: RecordedRequest = {
      seq: requests.length,
      endpoint: req.method === "POST" ? (ROUTES[url.pathname] ?? "unknown") : "unknown",
      method: req.method ?? "",
      path: url.pathname,
      headers: req.headers,
      remotePort: req.socket.remotePort,
      body: await parseBody(req.headers["content-type"], raw),
      receivedAt,
      bodyAt,
      aborted: false,
      piecesSent: 0,
      bytesSent: 0,
      settled,
    };
    res.on("close", () => {
      if (res.writableFinished) record.endedAt ??= performance.now();
      else {
        record.aborted = true;
        record.abortedAt = performance.now();
      }
      inFlight.delete(controller);
      controller.abort();
      settle(record);
    });
    requests.push(record);
    for (const wake of waiters.get(record.seq) ?? []) wake(record);
    waiters.delete(record.seq);

    const ctx: ReplyContext = {
      record,
      res,
      signal: controller.signal,
      latency,
      sendJson(status, body, headers = {}) {
        record.status = status;
        record.firstByteAt ??= performance.now();
        res.writeHead(status, { "content-type": "application/json", "x-request-id": `req_standin_${record.seq}`, ...headers });
        res.end(JSON.stringify(body));
      },
    };
    try {
      await answer(ctx, pick(record));
    } catch (error) {
      if (controller.signal.aborted) return; // the client left; nothing to answer
      if (!res.headersSent) ctx.sendJson(500, errorBody(`stand-in failure: ${(error as Error).message}`, "server_error", null));
      else res.destroy();
    }
  }

  async function answer(ctx: ReplyContext, reply: Reply | undefined): Promise<void> {
    const { record } = ctx;
    if (record.endpoint === "unknown" || !reply) {
      ctx.sendJson(404, errorBody(`Invalid URL (${record.method} ${record.path})`, "invalid_request_error", null));
      return;
    }
    const auth = record.headers.authorization;
    if (options.apiKey !== undefined && auth !== `Bearer ${options.apiKey}`) {
      const shown = auth?.replace(/^Bearer /, "") ?? "";
      ctx.sendJson(401, errorBody(`Incorrect API key provided: ${shown.slice(0, 6)}***.`, "invalid_request_error", "invalid_api_key"));
      return;
    }
    if ("hang" in reply) return untilAborted(ctx.signal);
    if ("status" in reply) {
      const type = reply.type ?? (reply.status === 429 ? "requests" : reply.status >= 500 ? "server_error" : "invalid_request_error");
      ctx.sendJson(reply.status, errorBody(reply.message ?? `stand-in error ${reply.status}`, type, reply.code ?? null), reply.headers);
      return;
    }
    if (record.endpoint === "chat") return writeChatCompletion(ctx, reply as ChatReply);
    if (record.endpoint === "transcription") return writeTranscription(ctx, reply as TranscriptionReply);
    return writeSpeech(ctx, reply as SpeechReply);
  }

  // A client that leaves while its upload is still arriving fails the body read: drop the socket.
  const handler = (req: IncomingMessage, res: ServerResponse) => void onRequest(req, res).catch(() => res.destroy());
  const server = options.tls ? createTLSServer({ ...options.tls, noDelay: true }, handler) : createServer({ noDelay: true }, handler);
  // Every connection, a TLS one still in its handshake or one that never sent a request (a
  // client's connection opened ahead of need) included: close() drops them all.
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `${options.tls ? "https" : "http"}://127.0.0.1:${port}/v1`,
    requests,
    script(endpoint, ...replies) {
      (queues[endpoint] as Reply[]).push(...replies);
    },
    request(seq) {
      const found = requests[seq];
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.set(seq, [...(waiters.get(seq) ?? []), resolve]));
    },
    async close() {
      for (const controller of inFlight) controller.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (part: Buffer) => parts.push(part));
    req.on("end", () => resolve(Buffer.concat(parts)));
    req.on("error", reject);
  });
}

async function parseBody(contentType: string | undefined, raw: Buffer): Promise<unknown> {
  if (raw.byteLength === 0) return undefined;
  try {
    if (contentType?.startsWith("multipart/form-data")) {
      // The platform's own multipart parser (undici) reads what the client's FormData wrote.
      const form = await new Response(new Uint8Array(raw), { headers: { "content-type": contentType } }).formData();
      const fields: Record<string, string> = {};
      let file: UploadedFile | undefined;
      for (const [name, value] of form as unknown as Iterable<[string, string | (Blob & { name: string })]>) {
        if (typeof value === "string") fields[name] = value;
        else if (name === "file") file = { name: value.name, type: value.type, bytes: new Uint8Array(await value.arrayBuffer()) };
      }
      return { fields, file };
    }
    if (contentType?.includes("json")) return JSON.parse(raw.toString("utf8"));
  } catch {
    return { unparsable: raw.toString("utf8") };
  }
  return raw.toString("utf8");
}
