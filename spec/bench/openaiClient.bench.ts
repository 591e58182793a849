// What a provider request costs the voice server per call, side by side in one run:
//
//   before      the services' previous code path, reproduced below: the `openai` client building
//               and sending each request over the node:http fetch the services used to give it
//               (keep-alive agent, body written in one call, a Response whose body is the socket
//               stream as an async iterable), the body read with for-await; run side by side
//               with the former services themselves before they were deleted, it came within
//               ±15 % of their CPU per request, with the same latencies
//   after       today's services (lib/services/openai): node:http straight, body chunks handed
//               over from the socket's 'data' events
//   bare        a floor, not a service: the same POST on node:http with the same keep-alive
//               agent settings, the first body chunk counted as the event, nothing parsed, the
//               STT upload built once for all requests
//
// against the OpenAI stand-in, for
//
//   LLM 7 tok    one streamed chat completion: 7 tokens, usage, [DONE] (a voice turn's answer)
//   LLM 100 tok  100 tokens written at once, so reads hold many events (fast providers do this)
//   TTS          one streamed speech answer ("Hello there, how are you." → 1.5 s of 24 kHz PCM in 40 ms writes)
//   STT          one upload of 3 s of 16 kHz PCM as a WAV file (96 KiB), JSON answer
//
// The stand-in runs in a child process with no latency of its own, so this process's CPU is
// the client's alone. Per request: CPU (process.cpuUsage over a batch / requests), and on the
// shared monotonic clock: call → the stand-in has the request (headers parsed), the stand-in
// writes its first byte → the service emits its first event (LLM text, TTS audio, STT final),
// and call → first event in all. Modes alternate batch by batch so drift hits them alike; the
// table shows medians over the batches (CPU) and over all requests (latency), and the CPU of
// each mode as a share of "before".
//
// Run: npx tsx spec/bench/openaiClient.bench.ts [--requests 200] [--rounds 5]   (not part of npm test)

import { fork } from "node:child_process";
import http, { type IncomingMessage } from "node:http";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import OpenAI, { toFile } from "openai";
import { Observable, lastValueFrom, tap, toArray } from "rxjs";
import { encodeWav } from "../../lib/audio/wav.ts";
import { abortableRequest, idleWatchdog } from "./openaiBefore/abortable.ts";
import { DEFAULT_IDLE_TIMEOUT_MS } from "../../lib/services/openai/connection.ts";
import { openAILLMService } from "../../lib/services/openai/llm.ts";
import { sseDecoder } from "../../lib/services/openai/sse.ts";
import { openAISTTService } from "../../lib/services/openai/stt.ts";
import { toolCallAssembler } from "../../lib/services/openai/tool-call-assembler.ts";
import { openAITTSService } from "../../lib/services/openai/tts.ts";
import { ServiceError } from "../../lib/services/service-error.ts";
import { startOpenAIStandIn, type RecordedRequest } from "../support/standins/openai.ts";
import { tonePcm } from "../support/standins/openai-wire.ts";

const KEY = "sk-bench";
const ANSWER = ["Sure thing. ", "Here is", " a longer", " second sentence", " that keeps", " talking for", " a while."];
const LONG_ANSWER = Array.from({ length: 100 }, (_, i) => ` word${i}`);
const LONG_MODEL = "gpt-bench-long";

/** performance.now() and process.hrtime share CLOCK_MONOTONIC; this maps both to one ms scale across processes. */
const monoMs = (): number => Number(process.hrtime.bigint()) / 1e6;
const perfToMono = ((offset: number) => (perfMs: number) => perfMs + offset)(monoMs() - performance.now());

interface ServerTimes {
  readonly receivedAt: number;
  readonly firstByteAt: number;
}
type ToChild = { readonly type: "harvest" };
type FromChild = { readonly type: "ready"; readonly baseURL: string } | { readonly type: "times"; readonly times: ServerTimes[] };

// ---- the stand-in child ----------------------------------------------------------------------

async function runStandIn(): Promise<void> {
  const standIn = await startOpenAIStandIn({
    apiKey: KEY,
    handle: (r) => ((r.body as { model?: string } | undefined)?.model === LONG_MODEL ? { text: LONG_ANSWER } : undefined),
    defaults: { chat: { text: ANSWER }, transcription: { text: "what is the weather like tomorrow" }, speech: {} },
  });
  const send = (message: FromChild) => process.send?.(message);
  process.on("message", (message: ToChild) => {
    if (message.type !== "harvest") return;
    const requests = standIn.requests as RecordedRequest[];
    const times = requests.map((r) => ({ receivedAt: perfToMono(r.receivedAt), firstByteAt: perfToMono(r.firstByteAt ?? Number.NaN) }));
    requests.length = 0; // uploads add up; the next batch starts afresh
    send({ type: "times", times });
  });
  process.on("disconnect", () => void standIn.close().then(() => process.exit(0)));
  send({ type: "ready", baseURL: standIn.baseURL });
}

// ---- the client side ----------------------------------------------------------------------------

type Endpoint = "LLM 7 tok" | "LLM 100 tok" | "TTS" | "STT";
type Mode = "before" | "after" | "bare";
const ENDPOINTS: readonly Endpoint[] = ["LLM 7 tok", "LLM 100 tok", "TTS", "STT"];
const MODES: readonly Mode[] = ["before", "after", "bare"];
type Calls = Record<Endpoint, () => Observable<unknown>>;

const MESSAGES = [
  { role: "system" as const, content: "Be brief." },
  { role: "user" as const, content: "What is the weather like tomorrow?" },
];
const SPEECH = "Hello there, how are you.";
const UTTERANCE = tonePcm(3000, 16_000);

interface ClientTimes {
  readonly calledAt: number;
  firstEventAt: number;
}
interface Samples {
  cpuMs: number[];
  out: number[];
  back: number[];
  total: number[];
}

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

function currentCalls(baseURL: string): Calls {
  const options = { baseURL, apiKey: KEY };
  const llm = openAILLMService({ ...options, model: "gpt-bench" });
  const longLlm = openAILLMService({ ...options, model: LONG_MODEL });
  const tts = openAITTSService({ ...options, model: "tts-1", voice: "nova" });
  const stt = openAISTTService({ ...options, model: "whisper-1" });
  return {
    "LLM 7 tok": () => llm.stream({ messages: MESSAGES }),
    "LLM 100 tok": () => longLlm.stream({ messages: MESSAGES }),
    TTS: () => tts.synthesize(SPEECH),
    STT: () => stt.transcribe({ pcm: UTTERANCE, sampleRate: 16_000, channels: 1 }),
  };
}

// ---- before: the `openai` client over the node:http fetch, as the services had it ---------------

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
const KEEP_ALIVE = { keepAlive: true, scheduling: "lifo", noDelay: true, timeout: 30_000 } as const;

/**
 * The services' former transport, its hot path only (no redirects, no streamed request bodies):
 * headers gathered into a record, the body encoded into one buffer (FormData as multipart, each
 * part in one concat), one `req.end`, and a Response whose body is the node:http stream itself.
 */
function previousNodeFetch(): Fetch {
  const agent = new http.Agent(KEEP_ALIVE);
  return async (input, init = {}) => {
    const url = new URL(String(input));
    const signal = init.signal ?? undefined;
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => (headers[name] = value));
    const body = await previousBody(init.body);
    if (body?.contentType && headers["content-type"] === undefined) headers["content-type"] = body.contentType;
    if (body) headers["content-length"] = String(body.bytes.byteLength);
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = http.request({ agent, hostname: url.hostname, port: url.port, path: url.pathname + url.search, method: init.method ?? "GET", headers });
      const onAbort = () => {
        req.destroy();
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      req.on("response", (r) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(r);
      });
      req.on("error", (error) => {
        signal?.removeEventListener("abort", onAbort);
        reject(error);
      });
      req.end(body?.bytes);
    });
    res.on("error", () => {});
    if (signal) {
      const onAbort = () => !res.readableEnded && res.destroy(signal.reason as Error);
      signal.addEventListener("abort", onAbort, { once: true });
      res.once("close", () => signal.removeEventListener("abort", onAbort));
    }
    return previousResponse(res, url) as unknown as Response;
  };
}

async function previousBody(body: RequestInit["body"]): Promise<{ bytes: Uint8Array; contentType?: string } | undefined> {
  if (body === null || body === undefined) return undefined;
  if (typeof body === "string") return { bytes: Buffer.from(body, "utf8"), contentType: "text/plain;charset=UTF-8" };
  if (!(body instanceof FormData)) throw new TypeError("the bench's previous fetch sends strings and FormData only");
  const boundary = `----formdata-${randomBytes(12).toString("hex")}`;
  const parts: Uint8Array[] = [];
  let text = "";
  const entries: [string, FormDataEntryValue][] = [];
  body.forEach((value, name) => entries.push([name, value]));
  for (const [name, value] of entries) {
    text += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"`;
    if (typeof value === "string") {
      text += `\r\n\r\n${value.replace(/\r\n|\r|\n/g, "\r\n")}\r\n`;
      continue;
    }
    text += `; filename="${value.name}"\r\nContent-Type: ${value.type || "application/octet-stream"}\r\n\r\n`;
    parts.push(Buffer.from(text, "utf8"));
    text = "";
    parts.push(new Uint8Array(await value.arrayBuffer()));
    text += "\r\n";
  }
  parts.push(Buffer.from(`${text}--${boundary}--\r\n`, "utf8"));
  return { bytes: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The read side of Response that the client uses, over the node:http response stream. */
function previousResponse(res: IncomingMessage, url: URL) {
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
  let used = false;
  const chunks = (): AsyncIterator<Uint8Array> => {
    used = true;
    return res[Symbol.asyncIterator]();
  };
  const body = {
    get locked() {
      return used;
    },
    [Symbol.asyncIterator]: chunks,
    getReader() {
      const it = chunks();
      return { read: () => it.next(), cancel: async () => void (await it.return?.()), releaseLock: () => {} };
    },
    cancel: async () => void (res.readableEnded || res.destroy()),
  };
  const bytes = async () => {
    const parts: Uint8Array[] = [];
    for await (const part of body) parts.push(part);
    return Buffer.concat(parts);
  };
  const status = res.statusCode ?? 0;
  return {
    type: "basic",
    status,
    statusText: res.statusMessage ?? "",
    ok: status >= 200 && status <= 299,
    headers,
    url: url.href,
    redirected: false,
    body,
    get bodyUsed() {
      return used;
    },
    bytes,
    arrayBuffer: async () => {
      const b = await bytes();
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    },
    text: async () => (await bytes()).toString("utf8"),
    json: async () => JSON.parse((await bytes()).toString("utf8")) as unknown,
    blob: async () => new Blob([await bytes()]),
  };
}

const previousError = (role: "llm" | "stt" | "tts") => (error: unknown) =>
  error instanceof ServiceError ? error : new ServiceError({ provider: "openai", role, detail: String(error), retryable: false, cause: error });

/** The services' former request code, less error and WAV-header handling that never ran here. */
function previousCalls(baseURL: string): Calls {
  const client = new OpenAI({ apiKey: KEY, baseURL, organization: null, project: null, timeout: 30_000, maxRetries: 0, fetch: previousNodeFetch() });
  const chat = (model: string) =>
    abortableRequest<unknown>(async ({ signal, emit }) => {
      const body = { model, messages: MESSAGES, stream: true as const, stream_options: { include_usage: true } };
      const response = await client.chat.completions.create(body, { signal }).asResponse();
      const idle = idleWatchdog(DEFAULT_IDLE_TIMEOUT_MS, () => {});
      const sse = sseDecoder();
      const toolCalls = toolCallAssembler();
      let finishReason: string | null = null;
      let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
      try {
        for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
          idle.kick();
          for (const message of sse.push(bytes)) {
            if (message.data.startsWith("[DONE]")) break;
            const chunk = JSON.parse(message.data) as { choices?: { index: number; delta?: { content?: string; tool_calls?: [] }; finish_reason?: string }[]; usage?: typeof usage };
            if (chunk.usage) usage = chunk.usage;
            const choice = chunk.choices?.find((c) => c.index === 0) ?? chunk.choices?.[0];
            if (!choice) continue;
            if (choice.delta?.content) emit({ type: "text", text: choice.delta.content });
            if (choice.delta?.tool_calls) toolCalls.add(choice.delta.tool_calls);
            if (choice.finish_reason) finishReason = choice.finish_reason;
          }
        }
      } finally {
        idle.stop();
      }
      if (usage) emit({ type: "usage", ...usage });
      emit({ type: "done", finish_reason: finishReason });
    }, previousError("llm"));
  return {
    "LLM 7 tok": () => chat("gpt-bench"),
    "LLM 100 tok": () => chat(LONG_MODEL),
    TTS: () =>
      abortableRequest<Uint8Array>(async ({ signal, emit }) => {
        const response = await client.audio.speech.create({ model: "tts-1", voice: "nova", input: SPEECH, response_format: "pcm" }, { signal });
        if (/^audio\/(mpeg|ogg)/.test(response.headers.get("content-type") ?? "")) throw new Error("compressed");
        const idle = idleWatchdog(DEFAULT_IDLE_TIMEOUT_MS, () => {});
        try {
          for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
            idle.kick();
            emit(bytes);
          }
        } finally {
          idle.stop();
        }
      }, previousError("tts")),
    STT: () =>
      abortableRequest<unknown>(async ({ signal, emit }) => {
        const file = await toFile(encodeWav(UTTERANCE, 16_000, 1), "audio.wav", { type: "audio/wav" });
        const result = await client.audio.transcriptions.create({ file, model: "whisper-1", response_format: "json" }, { signal });
        emit({ type: "final", text: result.text.trim() });
      }, previousError("stt")),
  };
}

// ---- bare: node:http alone -------------------------------------------------------------------------

/** The same requests with nothing on top: the first body chunk stands for the first event. */
function bareCalls(baseURL: string): Calls {
  const agent = new http.Agent(KEEP_ALIVE);
  const url = new URL(baseURL);
  const post = (path: string, body: Buffer, contentType: string) => () =>
    new Observable<Buffer>((subscriber) => {
      const req = http.request({
        agent,
        hostname: url.hostname,
        port: url.port,
        path: url.pathname + path,
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": contentType, "content-length": body.byteLength },
      });
      req.on("error", (error) => subscriber.error(error));
      req.on("response", (res) => {
        res.on("data", (chunk: Buffer) => subscriber.next(chunk));
        res.on("end", () => subscriber.complete());
      });
      req.end(body);
      return () => req.destroy();
    });
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));
  const boundary = "bench-boundary";
  const upload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="audio.wav"\r\nContent-Type: audio/wav\r\n\r\n`),
    encodeWav(UTTERANCE, 16_000, 1),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const chat = (model: string) => post("/chat/completions", json({ model, messages: MESSAGES, stream: true, stream_options: { include_usage: true } }), "application/json");
  return {
    "LLM 7 tok": chat("gpt-bench"),
    "LLM 100 tok": chat(LONG_MODEL),
    TTS: post("/audio/speech", json({ model: "tts-1", voice: "nova", input: SPEECH, response_format: "pcm" }), "application/json"),
    STT: () => post("/audio/transcriptions", upload, `multipart/form-data; boundary=${boundary}`)(),
  };
}

async function runClient(): Promise<void> {
  const requests = argument("requests", 200);
  const rounds = argument("rounds", 5);
  const child = fork(fileURLToPath(import.meta.url), ["--stand-in"], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const inbox: FromChild[] = [];
  const waiters: ((m: FromChild) => void)[] = [];
  child.on("message", (m: FromChild) => (waiters.length ? waiters.shift()!(m) : inbox.push(m)));
  const next = () => new Promise<FromChild>((resolve) => (inbox.length ? resolve(inbox.shift()!) : waiters.push(resolve)));
  const ready = await next();
  if (ready.type !== "ready") throw new Error("stand-in did not start");

  const calls: Record<Mode, Calls> = {
    before: previousCalls(ready.baseURL),
    after: currentCalls(ready.baseURL),
    bare: bareCalls(ready.baseURL),
  };
  const samples = new Map<string, Samples>();
  const slot = (endpoint: Endpoint, mode: Mode) => {
    const key = `${endpoint}/${mode}`;
    if (!samples.has(key)) samples.set(key, { cpuMs: [], out: [], back: [], total: [] });
    return samples.get(key)!;
  };

  async function batch(endpoint: Endpoint, mode: Mode, count: number, keep: boolean): Promise<void> {
    const call = calls[mode][endpoint];
    const times: ClientTimes[] = [];
    const cpu = process.cpuUsage();
    for (let i = 0; i < count; i++) {
      const t: ClientTimes = { calledAt: monoMs(), firstEventAt: Number.NaN };
      times.push(t);
      await lastValueFrom(
        call().pipe(
          tap(() => {
            if (Number.isNaN(t.firstEventAt)) t.firstEventAt = monoMs();
          }),
          toArray(),
        ),
      );
    }
    const used = process.cpuUsage(cpu);
    child.send({ type: "harvest" } satisfies ToChild);
    const reply = await next();
    if (reply.type !== "times" || reply.times.length !== count) throw new Error(`expected ${count} stand-in records`);
    if (!keep) return;
    const s = slot(endpoint, mode);
    s.cpuMs.push((used.user + used.system) / 1000 / count);
    reply.times.forEach((server, i) => {
      const client = times[i]!;
      s.out.push(server.receivedAt - client.calledAt);
      s.back.push(client.firstEventAt - server.firstByteAt);
      s.total.push(client.firstEventAt - client.calledAt);
    });
  }

  for (const endpoint of ENDPOINTS) for (const mode of MODES) await batch(endpoint, mode, 50, false); // warm-up: JIT, pools
  for (let round = 0; round < rounds; round++) {
    for (const endpoint of ENDPOINTS) for (const mode of round % 2 ? [...MODES].reverse() : MODES) await batch(endpoint, mode, requests, true);
  }
  child.disconnect();

  console.log(`Per request, ${rounds} × ${requests} requests per cell, Node ${process.version}; ms, p50 (p90)`);
  console.log("CPU: median over the batches of this process's CPU per request; latencies on the shared monotonic clock\n");
  const pq = (v: number[]) => `${quantile(v, 0.5).toFixed(2)} (${quantile(v, 0.9).toFixed(2)})`;
  const cpu = (endpoint: Endpoint, mode: Mode) => quantile(slot(endpoint, mode).cpuMs, 0.5);
  const rows: string[][] = [["", "", "CPU", "CPU / before", "call → server has it", "first byte → event", "call → first event"]];
  for (const endpoint of ENDPOINTS) {
    for (const mode of MODES) {
      const s = slot(endpoint, mode);
      const share = `${((100 * cpu(endpoint, mode)) / cpu(endpoint, "before")).toFixed(0)} %`;
      rows.push([mode === MODES[0] ? endpoint : "", mode, cpu(endpoint, mode).toFixed(2), share, pq(s.out), pq(s.back), pq(s.total)]);
    }
  }
  // A voice turn puts one STT, one short LLM answer and one TTS request back to back.
  const turn: readonly Endpoint[] = ["STT", "LLM 7 tok", "TTS"];
  for (const mode of MODES) {
    const sum = (pick: (e: Endpoint) => number) => turn.reduce((total, e) => total + pick(e), 0);
    const turnCpu = sum((e) => cpu(e, mode));
    const share = `${((100 * turnCpu) / sum((e) => cpu(e, "before"))).toFixed(0)} %`;
    const p50 = (pick: (s: Samples) => number[]) => sum((e) => quantile(pick(slot(e, mode)), 0.5)).toFixed(2);
    rows.push([mode === MODES[0] ? "turn (sum of p50s)" : "", mode, turnCpu.toFixed(2), share, p50((s) => s.out), p50((s) => s.back), p50((s) => s.total)]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const row of rows) console.log(row.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("   "));
}

function quantile(values: readonly number[], q: number): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

if (process.argv.includes("--stand-in")) await runStandIn();
else await runClient();
