// What a provider request costs the voice server per call, side by side in one run, in three ways:
//
//   before          the services' previous code path, reproduced below: the `openai` client on the
//                   platform fetch (undici + WHATWG streams), its SSE parser, a stream reader for TTS
//   platform fetch  today's services (lib/services/openai) told to use the platform fetch
//   after           today's services as configured by default: the node:http fetch (node-fetch.ts)
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
// table shows medians over the batches (CPU) and over all requests (latency).
//
// Run: npx tsx spec/bench/openaiClient.bench.ts [--requests 200] [--rounds 5]   (not part of npm test)

import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { lastValueFrom, tap, toArray, type Observable } from "rxjs";
import { toFile } from "openai";
import { encodeWav } from "../../lib/audio/wav.ts";
import { abortableRequest, idleWatchdog } from "../../lib/services/abortable.ts";
import { DEFAULT_IDLE_TIMEOUT_MS, createOpenAIClient } from "../../lib/services/openai/connection.ts";
import { openAIErrorMapper } from "../../lib/services/openai/errors.ts";
import type { Fetch } from "../../lib/services/openai/node-fetch.ts";
import { openAILLMService } from "../../lib/services/openai/llm.ts";
import { openAISTTService } from "../../lib/services/openai/stt.ts";
import { openAITTSService } from "../../lib/services/openai/tts.ts";
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
type Mode = "before" | "platform fetch" | "after";
const ENDPOINTS: readonly Endpoint[] = ["LLM 7 tok", "LLM 100 tok", "TTS", "STT"];
const MODES: readonly Mode[] = ["before", "platform fetch", "after"];
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

/** Today's services; `fetch` undefined means their default transport. */
function currentCalls(baseURL: string, fetch: Fetch | undefined): Calls {
  const options = { baseURL, apiKey: KEY, ...(fetch ? { fetch } : {}) };
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

/**
 * The services' code path before the node:http fetch, as it was (less tool calls, WAV headers
 * and sample alignment, which cost the same either way): the client's stream for chat, a
 * ReadableStream reader for speech, `toFile` for uploads, all on the platform fetch.
 */
function previousCalls(baseURL: string): Calls {
  const client = createOpenAIClient({ baseURL, apiKey: KEY, fetch: globalThis.fetch as Fetch });
  const chat = (model: string) =>
    abortableRequest<string>(async ({ signal, emit }) => {
      const chunks = await client.chat.completions.create(
        { model, messages: MESSAGES, stream: true, stream_options: { include_usage: true } },
        { signal },
      );
      const idle = idleWatchdog(DEFAULT_IDLE_TIMEOUT_MS, () => {});
      try {
        for await (const chunk of chunks) {
          idle.kick();
          const choice = chunk.choices.find((c) => c.index === 0) ?? chunk.choices[0];
          if (choice?.delta?.content) emit(choice.delta.content);
        }
      } finally {
        idle.stop();
      }
    }, openAIErrorMapper("openai", "llm", 30_000));
  return {
    "LLM 7 tok": () => chat("gpt-bench"),
    "LLM 100 tok": () => chat(LONG_MODEL),
    TTS: () =>
      abortableRequest<Uint8Array>(async ({ signal, emit }) => {
        const response = await client.audio.speech.create({ model: "tts-1", voice: "nova", input: SPEECH, response_format: "pcm" }, { signal });
        const reader = response.body!.getReader();
        const idle = idleWatchdog(DEFAULT_IDLE_TIMEOUT_MS, () => {});
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            idle.kick();
            emit(value);
          }
        } finally {
          idle.stop();
        }
      }, openAIErrorMapper("openai", "tts", 30_000)),
    STT: () =>
      abortableRequest<string>(async ({ signal, emit }) => {
        const file = await toFile(encodeWav(UTTERANCE, 16_000, 1), "audio.wav", { type: "audio/wav" });
        const result = await client.audio.transcriptions.create({ file, model: "whisper-1", response_format: "json" }, { signal });
        emit(result.text.trim());
      }, openAIErrorMapper("openai", "stt", 30_000)),
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
    "platform fetch": currentCalls(ready.baseURL, globalThis.fetch as Fetch),
    after: currentCalls(ready.baseURL, undefined),
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
  const rows: string[][] = [["", "", "CPU", "call → server has it", "first byte → event", "call → first event"]];
  for (const endpoint of ENDPOINTS) {
    for (const mode of MODES) {
      const s = slot(endpoint, mode);
      rows.push([mode === MODES[0] ? endpoint : "", mode, quantile(s.cpuMs, 0.5).toFixed(2), pq(s.out), pq(s.back), pq(s.total)]);
    }
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
