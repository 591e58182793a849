// The OpenAI-wire HTTP layer under the three services, against small loopback servers that
// misbehave on purpose: unsubscribing closes the connection at the server (before the headers
// and mid-body), the header timeout and the body idle timeout fail the request and close it, a
// pooled connection the server dropped is retried once on a new one and nothing else is retried
// unless maxRetries says so, a connection a cancel closed is replaced in the background for the
// next request, error statuses carry the provider's words, an error event inside
// an SSE stream fails the request, and a body compressed anyway is decoded.

import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { lastValueFrom, toArray, type Observable } from "rxjs";
import { afterEach, describe, expect, it } from "vitest";
import { openAILLMService } from "../../../lib/services/openai/llm.ts";
import { openAISTTService } from "../../../lib/services/openai/stt.ts";
import { openAITTSService } from "../../../lib/services/openai/tts.ts";
import { ServiceError } from "../../../lib/services/service-error.ts";
import type { LLMEvent } from "../../../lib/services/types.ts";
import { tonePcm } from "../../support/standins/openai-wire.ts";
import { gate, startTestServer, type Handler, type TestServer } from "./testServer.ts";

const messages = [{ role: "user" as const, content: "Hi" }];
const audio = { pcm: tonePcm(100, 16_000), sampleRate: 16_000, channels: 1 };
const collect = <T>(source: Observable<T>) => lastValueFrom(source.pipe(toArray()));
const failure = <T>(source: Observable<T>) => collect(source).then(() => "completed", (e: unknown) => e);

const servers: TestServer[] = [];
async function serve(handler: Handler): Promise<TestServer> {
  const server = await startTestServer(handler);
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const llm = (server: TestServer, options: object = {}) => openAILLMService({ baseURL: `${server.origin}/v1`, apiKey: "k", model: "m", ...options });
const stt = (server: TestServer, options: object = {}) => openAISTTService({ baseURL: `${server.origin}/v1`, apiKey: "k", model: "whisper-1", ...options });
const tts = (server: TestServer, options: object = {}) => openAITTSService({ baseURL: `${server.origin}/v1`, apiKey: "k", model: "tts-1", voice: "nova", ...options });
const event = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
const json = (status: number, body: unknown, headers: Record<string, string> = {}): Handler => (_req, res) => {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
};

describe("cancellation", () => {
  it("closes the connection at the server when unsubscribed before the headers", async () => {
    const arrived = gate();
    const server = await serve(() => arrived.open()); // never answers
    const closed = server.nextClosed();
    const subscription = stt(server).transcribe(audio).subscribe();
    await arrived.promise;
    subscription.unsubscribe();
    expect(await closed).toEqual({ finished: false });
  });

  it("closes the connection at the server when unsubscribed mid-body, from inside the first event", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(event("first") + event("second")); // more events in the same read are not delivered
    });
    const closed = server.nextClosed();
    const seen: LLMEvent[] = [];
    const subscription = llm(server)
      .stream({ messages })
      .subscribe((e) => {
        seen.push(e);
        subscription?.unsubscribe();
      });
    expect(await closed).toEqual({ finished: false });
    expect(seen).toEqual([{ type: "text", text: "first" }]);
    expect(server.abandoned).toEqual(["/v1/chat/completions"]);
  });

  it("leaves a finished request's connection in the pool", async () => {
    const server = await serve(json(200, { text: "ok" }));
    for (let i = 0; i < 3; i++) expect(await collect(stt(server).transcribe(audio))).toEqual([{ type: "final", text: "ok" }]);
    expect(server.connections()).toBe(1);
    expect(server.abandoned).toEqual([]);
  });

  it("sends a new request for each subscription", async () => {
    let requests = 0;
    const server = await serve((req, res, body) => {
      requests += 1;
      json(200, { text: `n${requests}` })(req, res, body);
    });
    const once = stt(server).transcribe(audio);
    expect(await collect(once)).toEqual([{ type: "final", text: "n1" }]);
    expect(await collect(once)).toEqual([{ type: "final", text: "n2" }]);
  });
});

describe("a connection closed by a cancel is replaced", () => {
  /** Waits (in event-loop turns, not time) until the server has accepted `n` connections. */
  async function accepted(server: TestServer, n: number): Promise<void> {
    for (let turns = 0; server.connections() < n; turns++) {
      if (turns > 10_000) throw new Error(`the server accepted ${server.connections()} connections, not ${n}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** The first request is held unanswered and cancelled; the server answers the others. */
  async function cancelFirst(answer: Handler): Promise<TestServer> {
    const arrived = gate();
    let requests = 0;
    const server = await serve((req, res, body) => {
      if (++requests === 1) return arrived.open();
      return answer(req, res, body);
    });
    const closed = server.nextClosed();
    const subscription = stt(server).transcribe(audio).subscribe();
    await arrived.promise;
    subscription.unsubscribe();
    expect(await closed).toEqual({ finished: false });
    await accepted(server, 2); // the replacement, opened in the background
    return server;
  }

  it("the next request goes out on the replacement instead of opening a connection", async () => {
    const server = await cancelFirst(json(200, { text: "ok" }));
    expect(await collect(stt(server).transcribe(audio))).toEqual([{ type: "final", text: "ok" }]);
    expect(server.connections()).toBe(2);
  });

  it("a replacement the server closed meanwhile is retried once on a new connection", async () => {
    const served = new WeakSet<object>();
    // The replacement (the second connection) is dropped when a request arrives on it.
    const server = await cancelFirst((req, res, body) => {
      if (server.connections() === 2 && !served.has(req.socket)) return void req.socket.destroy();
      served.add(req.socket);
      json(200, { text: "ok" })(req, res, body);
    });
    expect(await collect(stt(server).transcribe(audio))).toEqual([{ type: "final", text: "ok" }]);
    expect(server.connections()).toBe(3);
  });

  it("a finished request opens nothing more", async () => {
    const server = await serve(json(200, { text: "ok" }));
    await collect(stt(server).transcribe(audio));
    await collect(stt(server).transcribe(audio));
    expect(server.connections()).toBe(1);
  });
});

describe("time limits", () => {
  it("fails with a retryable error and closes the request when no headers come within timeoutMs", async () => {
    const server = await serve(() => {});
    const closed = server.nextClosed();
    const error = await failure(stt(server, { timeoutMs: 100 }).transcribe(audio));
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ status: undefined, retryable: true, message: "openai STT request failed: no response within 100 ms" });
    expect(await closed).toEqual({ finished: false });
  });

  it("fails with a retryable error and closes the request when the body stops for idleTimeoutMs", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"text": "half');
    });
    const closed = server.nextClosed();
    const error = await failure(stt(server, { idleTimeoutMs: 100 }).transcribe(audio));
    expect(error).toMatchObject({ retryable: true, message: "openai STT request failed: stream stalled: no data for 100 ms" });
    expect(await closed).toEqual({ finished: false });
  });

  it("lets a body take longer than idleTimeoutMs in all as long as it keeps coming", async () => {
    const server = await serve(async (_req, res) => {
      res.writeHead(200, { "content-type": "audio/pcm" });
      for (let i = 0; i < 6; i++) {
        res.write(Buffer.alloc(480, 1));
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
      res.end();
    });
    const chunks = await collect(tts(server, { idleTimeoutMs: 100 }).synthesize("Slowly."));
    expect(chunks.reduce((n, c) => n + c.pcm.byteLength, 0)).toBe(6 * 480);
  });
});

describe("retries", () => {
  /** Answers the first request on each connection; a second request on it finds the connection gone. */
  function droppingReusedConnections(dropFresh = false): { handler: Handler; requests: () => number } {
    const served = new WeakSet<object>();
    let requests = 0;
    const handler: Handler = (req, res, body) => {
      requests += 1;
      if (served.has(req.socket) || (dropFresh && requests > 1)) return void req.socket.destroy();
      served.add(req.socket);
      json(200, { text: `answer ${requests}` })(req, res, body);
    };
    return { handler, requests: () => requests };
  }

  it("retries once, on a new connection, when the server dropped the pooled one", async () => {
    const { handler, requests } = droppingReusedConnections();
    const server = await serve(handler);
    expect(await collect(stt(server).transcribe(audio))).toEqual([{ type: "final", text: "answer 1" }]);
    expect(await collect(stt(server).transcribe(audio))).toEqual([{ type: "final", text: "answer 3" }]);
    expect(requests()).toBe(3);
    expect(server.connections()).toBe(2);
  });

  it("does not retry a second time, nor a new connection dropped before the answer", async () => {
    const { handler, requests } = droppingReusedConnections(true);
    const server = await serve(handler);
    await collect(stt(server).transcribe(audio));
    const error = await failure(stt(server).transcribe(audio));
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ retryable: true, message: "openai STT request failed: connection failed: socket hang up (ECONNRESET)" });
    expect(requests()).toBe(3);
  });

  it("sends an error status's request exactly once by default", async () => {
    let requests = 0;
    const server = await serve((req, res, body) => {
      requests += 1;
      json(503, { error: { message: "busy" } }, { "retry-after": "0" })(req, res, body);
    });
    expect(await failure(stt(server).transcribe(audio))).toMatchObject({ status: 503, retryable: true });
    expect(requests).toBe(1);
  });

  it("honours maxRetries for retryable statuses, not for others", async () => {
    let requests = 0;
    const server = await serve((req, res, body) => {
      requests += 1;
      if (req.url?.includes("speech")) return json(400, { error: { message: "bad voice" } })(req, res, body);
      if (requests < 3) return json(429, { error: { message: "slow down" } }, { "retry-after-ms": "1" })(req, res, body);
      json(200, { text: "third time" })(req, res, body);
    });
    expect(await collect(stt(server, { maxRetries: 2 }).transcribe(audio))).toEqual([{ type: "final", text: "third time" }]);
    expect(requests).toBe(3);
    expect(await failure(tts(server, { maxRetries: 2 }).synthesize("Hi."))).toMatchObject({ status: 400, retryable: false });
    expect(requests).toBe(4);
  });

  it("gives up after maxRetries with the last error", async () => {
    let requests = 0;
    const server = await serve((req, res, body) => {
      requests += 1;
      json(500, { error: { message: `failure ${requests}` } }, { "retry-after": "0" })(req, res, body);
    });
    expect(await failure(stt(server, { maxRetries: 1 }).transcribe(audio))).toMatchObject({ status: 500, message: "openai STT request failed: 500 failure 2" });
    expect(requests).toBe(2);
  });
});

describe("error answers", () => {
  it.each([
    { status: 401, body: { error: { message: "Incorrect API key provided", type: "invalid_request_error" } }, detail: "Incorrect API key provided", retryable: false },
    { status: 404, body: { error: { message: "The model `m` does not exist" } }, detail: "The model `m` does not exist", retryable: false },
    { status: 429, body: { error: { message: "Rate limit reached" } }, detail: "Rate limit reached", retryable: true },
    { status: 500, body: { error: { message: "Internal error" } }, detail: "Internal error", retryable: true },
    { status: 404, body: { error: "model 'llama9' not found" }, detail: "model 'llama9' not found", retryable: false },
    { status: 422, body: { detail: "Unsupported file" }, detail: "Unsupported file", retryable: false },
    { status: 502, body: "<html><body><h1>502 Bad Gateway</h1>\n</body></html>", detail: "<html><body><h1>502 Bad Gateway</h1> </body></html>", retryable: true },
  ])("$status $body → a ServiceError with the provider's message", async ({ status, body, detail, retryable }) => {
    const server = await serve(json(status, body));
    const error = await failure(llm(server, { provider: "groq" }).stream({ messages }));
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ provider: "groq", role: "llm", status, retryable, message: `groq LLM request failed: ${status} ${detail}` });
  });

  it("uses the status text when the body is empty, and cuts a long body short", async () => {
    const empty = await serve((_req, res) => {
      res.writeHead(503, "Service Unavailable");
      res.end();
    });
    expect(await failure(tts(empty).synthesize("Hi."))).toMatchObject({ message: "openai TTS request failed: 503 Service Unavailable" });
    const long = await serve(json(500, "x".repeat(5000)));
    expect((await failure(tts(long).synthesize("Hi."))) as Error).toMatchObject({ message: `openai TTS request failed: 500 ${"x".repeat(200)}…` });
  });

  it("does not follow a redirect, and says where it pointed", async () => {
    let requests = 0;
    const server = await serve((_req, res) => {
      requests += 1;
      res.writeHead(308, { location: "https://api.example.test/v2/chat/completions" });
      res.end();
    });
    expect(await failure(llm(server).stream({ messages }))).toMatchObject({
      status: 308,
      retryable: false,
      message: "openai LLM request failed: 308 redirected to https://api.example.test/v2/chat/completions; set the base URL to the final address (redirects are not followed)",
    });
    expect(requests).toBe(1);
  });

  it("keeps the connection of an error answer for the next request", async () => {
    const server = await serve(json(400, { error: { message: "no" } }));
    await failure(stt(server).transcribe(audio));
    await failure(stt(server).transcribe(audio));
    expect(server.connections()).toBe(1);
  });
});

describe("errors inside an SSE stream", () => {
  async function streamOf(sse: string) {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(sse);
    });
    const seen: LLMEvent[] = [];
    const error = await new Promise<unknown>((resolve) => llm(server).stream({ messages }).subscribe({ next: (e) => seen.push(e), error: resolve, complete: () => resolve("completed") }));
    return { seen, error };
  }

  it("fails on `event: error` after the text streamed so far, retryable when the provider is overloaded", async () => {
    const { seen, error } = await streamOf(`${event("Hi")}event: error\ndata: {"error":{"message":"Overloaded","type":"overloaded_error"}}\n\n`);
    expect(seen).toEqual([{ type: "text", text: "Hi" }]);
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ status: undefined, retryable: true, message: "openai LLM request failed: Overloaded" });
  });

  it("fails on an error event whose data is plain text", async () => {
    const { error } = await streamOf("event: error\ndata: upstream went away\n\n");
    expect(error).toMatchObject({ retryable: false, message: "openai LLM request failed: upstream went away" });
  });

  it("fails on a JSON event that carries an error", async () => {
    const { error } = await streamOf(`data: {"error":{"message":"context too long","code":400}}\n\n`);
    expect(error).toMatchObject({ retryable: false, message: "openai LLM request failed: context too long" });
  });
});

describe("compressed answers", () => {
  const sse = `${event("Zip")}${event("ped")}data: [DONE]\n\n`;

  it.each([
    ["gzip", gzipSync],
    ["deflate", deflateSync],
    ["br", brotliCompressSync],
  ] as const)("decodes a %s stream, though it never asks for one", async (encoding, compress) => {
    const asked: (string | undefined)[] = [];
    const server = await serve((req, res) => {
      asked.push(req.headers["accept-encoding"]);
      res.writeHead(200, { "content-type": "text/event-stream", "content-encoding": encoding });
      res.end(compress(sse));
    });
    const events = await collect(llm(server).stream({ messages }));
    expect(events).toEqual([{ type: "text", text: "Zip" }, { type: "text", text: "ped" }, { type: "done", finish_reason: null }]);
    expect(asked).toEqual([undefined]);
  });

  it("decodes a compressed error body", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(429, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end(gzipSync('{"error":{"message":"squeezed"}}'));
    });
    expect(await failure(stt(server).transcribe(audio))).toMatchObject({ message: "openai STT request failed: 429 squeezed" });
  });

  it("fails clearly on a body that does not decode", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end("not gzip at all");
    });
    const error = await failure(stt(server).transcribe(audio));
    expect(error).toMatchObject({ retryable: false });
    expect((error as Error).message).toMatch(/^openai STT request failed: unreadable response: incorrect header check/);
  });
});
