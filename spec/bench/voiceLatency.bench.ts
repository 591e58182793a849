// Voice pipeline latency that the framework adds, over real WebSocket sessions.
//
// Run: npx tsx spec/bench/voiceLatency.bench.ts [scenario…]   (not part of npm test)
//   scenario = <sessions>[:energy]; default: 1 30 100 100:energy. "1" runs 10 sessions one
//   after another (one live session at a time); N > 1 runs N at once, starts spread over 2 s.
//
// Three processes, so that neither the clients' work nor the stand-in's timers run on the
// server's event loop: this one runs the server (serve() with prepareVoice's stage from a
// provider-"openai" config; Silero VAD unless ":energy"; JSON over /ws on 127.0.0.1); a child
// runs the OpenAI stand-in with fixed latencies (STT 150 ms, first token 200 ms, TTS first byte
// 100 ms); another child runs the sessions: real `ws` clients streaming flite speech at real
// time in 20 ms frames (one shared deadline ticker for all microphones).
//
// Measured inside the server with performance.now():
//  - end-of-turn decision: a tap stage right after the voice stage sees UserStoppedSpeakingFrame
//    (system frames travel synchronously: the frame's own ws.send follows in the same call
//    stack; the gap is printed);
//  - first TTS byte handed to the socket: WebSocket.prototype.send is wrapped; the first
//    OutputAudioRawFrame message after the decision on that socket;
//  - stand-ins' own latency: (first byte written − request arrived) as the stand-in measured it,
//    for the turn's STT, chat and first TTS request, linked to the session by the transcript
//    ("chain N") the stand-in returns and the server forwards to its client;
//  framework-added = (first audio send − decision) − (STT + chat + TTS stand-in times);
//  - barge-in cut-off: the tap sees the InterruptionFrame (the decision); cut-off = last audio
//    ws.send on that socket within 500 ms after it − the decision (0 when there is none);
//  - Silero: the process's model's step/stepBatch are wrapped (synchronous, one ORT thread):
//    process CPU time inside them / ms of audio analysed = % of a core per real-time session.
//  Where it goes: provider requests from node:http's diagnostics channels (request started,
//  headers in) next to the stand-in's times, sent over IPC on the epoch clock (timeOrigin +
//  now, good to ~1 ms across processes): hop by hop for the serial sessions, request →
//  headers per endpoint for all.
// Targets: added ≤ 5 ms p50 and ≤ 20 ms p99; cut-off ≤ 20 ms; Silero ≤ 0.4 % of a core/session.

import { fork, type ChildProcess } from "node:child_process";
import diagnostics from "node:diagnostics_channel";
import { loadavg } from "node:os";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { tap } from "rxjs";
import WebSocket from "ws";
import { loadSileroModel } from "../../lib/audio/vad/silero-model.ts";
import { parseConfig } from "../../lib/config/load.ts";
import { processor } from "../../lib/pipeline/processor.ts";
import { serve } from "../../lib/server/serve.ts";
import { prepareVoice } from "../../lib/server/voiceStage.ts";
import { makeSpeechWav } from "../support/speech.ts";
import { startOpenAIStandIn, type RecordedRequest, type Reply } from "../support/standins/openai.ts";

type Phase = "latency" | "bargein";
type Endpoint = "stt" | "chat" | "tts";
interface StandInTime {
  readonly chain: number;
  readonly endpoint: Endpoint;
  readonly ms: number;
  readonly receivedAt: number;
  readonly firstByteAt: number;
}
type ToParent = { kind: "ready"; baseURL?: string } | ({ kind: "standin" } & StandInTime) | { kind: "done"; failures: number; cpuPct: number };
type ToChild = { kind: "phase"; phase: Phase } | { kind: "run"; phase: Phase; url: string; sessions: number; serial: boolean } | { kind: "exit" };

const STAND_IN_LATENCY = { sttMs: 150, ttftMs: 200, ttsFirstByteMs: 100 };
const epoch = (t: number): number => performance.timeOrigin + t;
const chainIn = (text: string): number | undefined => {
  const m = /(?:chain|Answer|Story) (\d+)/.exec(text);
  return m ? Number(m[1]) : undefined;
};

const role = process.argv[2];
if (role === "standin" || role === "clients") process.on("disconnect", () => process.exit(0)); // parent gone
if (role === "standin") await standInChild();
else if (role === "clients") await clientsChild();
else await main(process.argv.slice(2));

// ---- the stand-in child -------------------------------------------------------------------

async function standInChild(): Promise<void> {
  let phase: Phase = "latency";
  let chains = 0;
  const report = (chain: number, endpoint: Endpoint) => (r: RecordedRequest) => {
    if (r.firstByteAt === undefined) return;
    const time: StandInTime = { chain, endpoint, ms: r.firstByteAt - r.receivedAt, receivedAt: epoch(r.receivedAt), firstByteAt: epoch(r.firstByteAt) };
    process.send!({ kind: "standin", ...time } satisfies ToParent);
  };
  const openai = await startOpenAIStandIn({
    latency: STAND_IN_LATENCY,
    handle(record): Reply | undefined {
      if (record.endpoint === "transcription") {
        const chain = ++chains;
        void record.settled.then(report(chain, "stt"));
        return { text: `chain ${chain}` };
      }
      if (record.endpoint === "chat") {
        const messages = (record.body as { messages: { content: string }[] }).messages;
        const chain = chainIn(messages.at(-1)?.content ?? "") ?? -1;
        void record.settled.then(report(chain, "chat"));
        return phase === "latency"
          ? { text: `Answer ${chain}. It is sunny today.` }
          : { text: `Story ${chain}. Once upon a time there was a dragon who loved the sea.`, holdAfter: 3 };
      }
      if (record.endpoint === "speech") {
        const input = (record.body as { input: string }).input;
        if (/^(Answer|Story) \d+\./.test(input)) void record.settled.then(report(chainIn(input) ?? -1, "tts"));
        return { durationMs: phase === "latency" ? 500 : 6_000 };
      }
      return undefined;
    },
  });
  process.on("message", (m: ToChild) => {
    if (m.kind === "phase") phase = m.phase;
    if (m.kind === "exit") void openai.close().then(() => process.exit(0));
  });
  process.send!({ kind: "ready", baseURL: openai.baseURL } satisfies ToParent);
}

// ---- the clients child --------------------------------------------------------------------

async function clientsChild(): Promise<void> {
  const [question, bargeIn] = await Promise.all([
    makeSpeechWav({ segments: [{ silenceMs: 200 }, { say: "What is the weather like today?" }] }),
    makeSpeechWav({ segments: [{ say: "Wait, stop, stop please." }] }),
  ]);
  const live = new Set<() => void>();
  // One ticker for every microphone: a frame per session every 20 ms, against deadlines.
  let next = performance.now();
  const tick = (): void => {
    for (const send of live) send();
    next += 20;
    setTimeout(tick, Math.max(0, next - performance.now()));
  };
  tick();

  process.on("message", (m: ToChild) => {
    if (m.kind === "exit") process.exit(0);
    if (m.kind !== "run") return;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const all = m.serial
      ? Array.from({ length: m.sessions }).reduce<Promise<boolean[]>>((p) => p.then(async (r) => [...r, await session(m.phase, m.url)]), Promise.resolve([]))
      : Promise.all(Array.from({ length: m.sessions }, (_, i) => sleep((2_000 * i) / m.sessions).then(() => session(m.phase, m.url))));
    void all.then((ok) => {
      const cpu = process.cpuUsage(cpu0);
      const cpuPct = ((cpu.user + cpu.system) / 1000 / (performance.now() - t0)) * 100;
      process.send!({ kind: "done", failures: ok.filter((x) => !x).length, cpuPct } satisfies ToParent);
    });
  });
  process.send!({ kind: "ready" } satisfies ToParent);

  function session(phase: Phase, url: string): Promise<boolean> {
    return new Promise((resolve) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      const queue: Int16Array[] = [question.pcm];
      let pending: Int16Array = new Int16Array(0);
      let answered = false;
      const mic = (): void => {
        const frame = new Int16Array(320);
        for (let filled = 0; filled < 320 && (pending.length > 0 || queue.length > 0); ) {
          if (pending.length === 0) pending = queue.shift()!;
          const take = Math.min(320 - filled, pending.length);
          frame.set(pending.subarray(0, take), filled);
          pending = pending.subarray(take);
          filled += take;
        }
        const audio = Buffer.from(frame.buffer).toString("base64");
        if (ws.readyState === WebSocket.OPEN) ws.send(`{"type":"InputAudioRawFrame","data":{"audio":"${audio}","sample_rate":16000,"num_channels":1}}`);
      };
      const finish = (ok: boolean): void => void (clearTimeout(timeout), live.delete(mic), ws.close(), resolve(ok));
      const timeout = setTimeout(() => finish(false), 20_000);
      ws.on("open", () => live.add(mic));
      ws.on("error", () => finish(false));
      ws.on("message", (data: Buffer) => {
        const head = data.subarray(0, 40).toString("latin1");
        if (phase === "latency" && head.startsWith('{"type":"BotStoppedSpeakingFrame"')) finish(true);
        if (phase === "bargein" && head.startsWith('{"type":"OutputAudioRawFrame"') && !answered) {
          answered = true;
          setTimeout(() => queue.push(bargeIn.pcm), 400); // talk over the answer after 0.4 s of it
        }
        if (phase === "bargein" && head.startsWith('{"type":"InterruptionFrame"')) setTimeout(() => finish(true), 500);
      });
    });
  }
}

// ---- instruments in the server process ------------------------------------------------------

type SocketState = { decisionAt?: number; chain?: number; firstAudioAt?: number; interruptAt?: number; lastAudioAfterInterruptAt?: number };

/** Wraps ws send, the HTTP clients' channels and Silero once; `reset()` starts a new measurement. */
async function installInstruments() {
  const m = {
    sockets: [] as SocketState[],
    requests: [] as { path: string; startAt: number; headersAt?: number }[],
    tapToSendMaxUs: 0,
    silero: { cpuMs: 0, windows: 0 },
    reset() {
      m.sockets = [];
      m.requests = [];
      m.silero = { cpuMs: 0, windows: 0 };
    },
  };
  let stopTapAt = 0;
  let interruptTapAt = 0;
  const tapStage = () => [
    processor("bench_tap", () => ({
      down: tap((f) => {
        if (f.type === "UserStoppedSpeakingFrame") stopTapAt = performance.now();
        else if (f.type === "InterruptionFrame") interruptTapAt = performance.now();
      }),
    })),
  ];

  const stateOf = new WeakMap<object, SocketState>();
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (this: WebSocket & { _isServer?: boolean }, data: unknown, ...rest: unknown[]) {
    if (this._isServer && typeof data === "string") {
      const now = performance.now();
      let s = stateOf.get(this);
      if (!s) stateOf.set(this, (s = {})), m.sockets.push(s);
      if (data.startsWith('{"type":"OutputAudioRawFrame"')) {
        if (s.decisionAt !== undefined) s.firstAudioAt ??= now;
        if (s.interruptAt !== undefined && now - s.interruptAt <= 500) s.lastAudioAfterInterruptAt = now;
      } else if (data.startsWith('{"type":"UserStoppedSpeakingFrame"') && s.decisionAt === undefined) {
        s.decisionAt = stopTapAt;
        m.tapToSendMaxUs = Math.max(m.tapToSendMaxUs, (now - stopTapAt) * 1000);
      } else if (data.startsWith('{"type":"InterruptionFrame"')) s.interruptAt ??= interruptTapAt;
      else if (data.startsWith('{"type":"TranscriptionFrame"')) s.chain ??= chainIn(data);
    }
    return (send as (...a: unknown[]) => void).call(this, data, ...rest);
  } as typeof send;

  // Provider requests as the openai services send them (node:http).
  const requestOf = new WeakMap<object, (typeof m.requests)[number]>();
  diagnostics.subscribe("http.client.request.start", (msg) => {
    const { request } = msg as { request: { path: string } };
    const entry = { path: request.path.replace(/^.*\/v1/, ""), startAt: performance.now() };
    requestOf.set(request, entry);
    m.requests.push(entry);
  });
  diagnostics.subscribe("http.client.response.finish", (msg) => {
    const entry = requestOf.get((msg as { request: object }).request);
    if (entry) entry.headersAt ??= performance.now();
  });

  // The process's one Silero model (loadSileroModel caches it): single windows and batches
  // across sessions both run through it, synchronously, on one ORT thread.
  const model = await loadSileroModel();
  const timed = <A extends unknown[], R>(run: (...a: A) => R, windowsOf: (...a: A) => number) => (...a: A): R => {
    const c = process.cpuUsage();
    const out = run(...a);
    const dc = process.cpuUsage(c);
    m.silero = { cpuMs: m.silero.cpuMs + (dc.user + dc.system) / 1000, windows: m.silero.windows + windowsOf(...a) };
    return out;
  };
  model.step = timed(model.step.bind(model), (..._: Parameters<typeof model.step>) => 1);
  model.stepBatch = timed(model.stepBatch.bind(model), (input) => input.dims[0] ?? 0);
  return { m, tapStage };
}

// ---- the server and the measurements (this process) ---------------------------------------

async function main(args: readonly string[]): Promise<void> {
  const scenarios = (args.length > 0 ? args : ["1", "30", "100", "100:energy"]).map((a) => {
    const [n, vad] = a.split(":");
    return { sessions: Number(n), vad: vad === "energy" ? "energy" : "silero" } as const;
  });
  const self = fileURLToPath(import.meta.url);
  const standIn = fork(self, ["standin"]);
  const clients = fork(self, ["clients"]);
  const standInTimes = new Map<number, Partial<Record<Endpoint, StandInTime>>>();
  standIn.on("message", (msg: ToParent) => {
    if (msg.kind === "standin") standInTimes.set(msg.chain, { ...standInTimes.get(msg.chain), [msg.endpoint]: msg });
  });
  const baseURL = (await nextMessage(standIn, "ready") as Extract<ToParent, { kind: "ready" }>).baseURL!;
  await nextMessage(clients, "ready");
  const { m, tapStage } = await installInstruments();
  console.log(`stand-in latencies (ms): ${JSON.stringify(STAND_IN_LATENCY)}; load average before: ${loadavg()[0]!.toFixed(1)}\n`);

  const rows: string[][] = [];
  const gaps: Record<string, Record<string, number[]>> = {};
  for (const { sessions: n, vad } of scenarios) {
    const label = labelOf({ sessions: n, vad });
    const config = parseConfig({
      ...{ host: "127.0.0.1", port: 0, log_level: "silent", provider: "openai", api_keys: { openai: "sk-bench" } },
      ...{ llm_base_url: baseURL, stt_base_url: baseURL, tts_base_url: baseURL, vad_type: vad },
      // Stages passed to serve() replace prepareVoice's defaults, plugins included: a
      // pass-through plugin keeps the default echo out.
      ...{ plugins: ["identity_filter"], false_interruption_timeout_secs: 0 },
    });
    const voice = prepareVoice(config, {});
    const server = await serve(config, { handleSignals: false, print: () => {}, stages: [...voice.stages, tapStage] });
    const url = `${server.url.replace(/^http/, "ws")}/ws`;
    const run = async (phase: Phase, sessions: number, serial: boolean) => {
      standIn.send({ kind: "phase", phase } satisfies ToChild);
      clients.send({ kind: "run", phase, url, sessions, serial } satisfies ToChild);
      return (await nextMessage(clients, "done")) as Extract<ToParent, { kind: "done" }>;
    };
    // Unmeasured sessions first: first requests pay for lazy loading and unoptimized code.
    await run("latency", 5, false);

    for (const phase of ["latency", "bargein"] as const) {
      m.reset();
      standInTimes.clear();
      const lag = monitorEventLoopDelay({ resolution: 1 });
      lag.enable();
      const cpu0 = process.cpuUsage();
      const elu0 = performance.eventLoopUtilization();
      const t0 = performance.now();
      const done = await run(phase, n === 1 ? 10 : n, n === 1);
      const cpu = process.cpuUsage(cpu0);
      const busy = performance.eventLoopUtilization(elu0).utilization;
      const wallMs = performance.now() - t0;
      lag.disable();
      await sleep(300); // late stand-in reports
      const { sockets, requests, silero } = m;
      const context = [
        label,
        `${(((cpu.user + cpu.system) / 1000 / wallMs) * 100).toFixed(0)} % (${done.cpuPct.toFixed(0)} %, ${loadavg()[0]!.toFixed(1)})`,
        `${(busy * 100).toFixed(0)} %, ${(lag.percentile(50) / 1e6).toFixed(1)} / ${(lag.percentile(99) / 1e6).toFixed(1)}`,
        silero.windows > 0 ? ((silero.cpuMs / (silero.windows * 32)) * 100).toFixed(2) : "-",
      ];
      if (phase === "latency") {
        const added: number[] = [];
        for (const s of sockets) {
          const { stt, chat, tts } = (s.chain !== undefined ? standInTimes.get(s.chain) : undefined) ?? {};
          if (s.decisionAt === undefined || s.firstAudioAt === undefined || !stt || !chat || !tts) continue;
          added.push(s.firstAudioAt - s.decisionAt - stt.ms - chat.ms - tts.ms);
          // Hop by hop, where sessions ran one at a time (their requests cannot be confused).
          if (n !== 1) continue;
          const call = (path: string) => requests.find((r) => r.path === path && r.startAt >= s.decisionAt! && r.startAt <= s.firstAudioAt!);
          const [sttCall, chatCall, ttsCall] = [call("/audio/transcriptions"), call("/chat/completions"), call("/audio/speech")];
          if (!sttCall?.headersAt || !chatCall || !ttsCall) continue;
          const hops: [string, number][] = [
            ["server: decision → STT request starts", sttCall.startAt - s.decisionAt],
            ["wire: STT request starts → stand-in has it", stt.receivedAt - epoch(sttCall.startAt)],
            ["wire: STT answer written → its headers in the server", epoch(sttCall.headersAt) - stt.firstByteAt],
            ["server: STT answer headers → chat request starts", chatCall.startAt - sttCall.headersAt],
            ["wire: chat request starts → stand-in has it", chat.receivedAt - epoch(chatCall.startAt)],
            ["both: first token written → TTS request starts", epoch(ttsCall.startAt) - chat.firstByteAt],
            ["wire: TTS request starts → stand-in has it", tts.receivedAt - epoch(ttsCall.startAt)],
            ["both: first TTS byte written → audio ws.send", epoch(s.firstAudioAt) - tts.firstByteAt],
          ];
          for (const [name, ms] of hops) ((gaps[name] ??= {})[label] ??= []).push(ms);
        }
        for (const path of ["/audio/transcriptions", "/chat/completions", "/audio/speech"]) {
          // The stand-in's chat headers go out at once; audio answers' headers after their wait.
          const wait = path.includes("transcriptions") ? STAND_IN_LATENCY.sttMs : path.includes("speech") ? STAND_IN_LATENCY.ttsFirstByteMs : 0;
          const rtts = requests.filter((r) => r.path === path && r.headersAt !== undefined).map((r) => r.headersAt! - r.startAt - wait);
          ((gaps[`http: ${path} request starts → headers in, − stand-in wait`] ??= {})[label] ??= []).push(...rtts);
        }
        rows.push(["added latency", ...context, `${added.length}/${done.failures > 0 ? `${n} (${done.failures} failed)` : n === 1 ? 10 : n}`, fmt(pct(added, 50)), fmt(pct(added, 99))]);
      } else {
        const cut = sockets.filter((s) => s.interruptAt !== undefined).map((s) => (s.lastAudioAfterInterruptAt ?? s.interruptAt!) - s.interruptAt!);
        rows.push(["barge-in cut-off", ...context, `${cut.length}/${done.failures > 0 ? `${n} (${done.failures} failed)` : n === 1 ? 10 : n}`, fmt(pct(cut, 50)), fmt(pct(cut, 99))]);
      }
    }
    await server.close();
  }
  standIn.send({ kind: "exit" } satisfies ToChild);
  clients.send({ kind: "exit" } satisfies ToChild);

  const header = ["measure", "sessions", "server CPU (clients CPU, load)", "loop busy, lag p50/p99 ms", "Silero % core/session", "measured", "p50 ms", "p99 ms"];
  printTable([header, ...rows]);
  // (Scenario order: object keys would put integer-like labels such as "30" first.)
  const labels = scenarios.map(labelOf);
  console.log(`\nwhere the added time goes, p50 / p99 ms (${labels.join(" | ")}):`);
  for (const [name, byRun] of Object.entries(gaps))
    console.log(`  ${name.padEnd(70)} ${labels.map((l) => `${fmt(pct(byRun[l] ?? [], 50))} / ${fmt(pct(byRun[l] ?? [], 99))}`.padEnd(16)).join(" ")}`);
  console.log(`\ndecision tap → ws.send of the same UserStoppedSpeakingFrame: max ${m.tapToSendMaxUs.toFixed(0)} µs`);
  console.log("targets: added ≤ 5 ms p50, ≤ 20 ms p99; cut-off ≤ 20 ms; Silero ≤ 0.4 % of a core per session");
}

function labelOf({ sessions: n, vad }: { sessions: number; vad: string }): string {
  return `${n}${vad === "energy" ? " (energy VAD)" : ""}${n === 1 ? " ×10 serial" : ""}`;
}

function printTable(table: readonly (readonly string[])[]): void {
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => (r[i] ?? "").length)));
  for (const r of table) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join("  "));
}

function nextMessage(child: ChildProcess, kind: ToParent["kind"]): Promise<ToParent> {
  return new Promise((resolve) => {
    const on = (msg: ToParent): void => void (msg.kind === kind && (child.off("message", on), resolve(msg)));
    child.on("message", on);
  });
}

function pct(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

// Declarations, not consts: main() runs at the top-level await, before later consts exist.
function fmt(ms: number): string {
  return Number.isNaN(ms) ? "-" : ms.toFixed(1);
}
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
