// `npm run bench:soak` (node --expose-gc): do sessions leave anything behind?
//
// The real server runs in this process (so its heap and handles are the ones measured) with
// Silero turn taking in front of the echo plugin. Cycles run `--parallel` at a time; each:
//
//   open /ws (protobuf) → RTVI client-ready, wait for bot-ready → 500 ms of real speech at
//   once (the VAD starts a user turn) → wait for the first echoed audio → close mid-turn
//
// After a warm-up (model load, JIT), heap used and the active handles (by type, from
// process.getActiveResourcesInfo()) are taken with gc; then the cycles; then, once every
// session has ended and a grace period has passed, again. Fails (exit 1) when the heap grew
// by more than `--max-growth-mib` (10) or any handle type is more numerous than before.
//
// With --voice the sessions run the whole voice agent instead (bench stage: Silero turn taking,
// STT → LLM → TTS against the OpenAI stand-in in a child process, so its memory is not counted):
// each cycle sends 1.5 s of speech and 0.5 s of silence at once, waits for the bot's first audio
// and closes while the answer is still streaming, which aborts the LLM and TTS requests.
//
//   --cycles 10000   --parallel 8 (32 with --voice)   --secs N (stop after N s instead of a count)
//   --warmup 200     --max-growth-mib 10   --voice

import { parseArgs } from "node:util";
import WebSocket from "ws";
import { parseConfig } from "../../lib/config/load.ts";
import { turnTakingStage } from "../../lib/processors/voice/turn/turnTaking.ts";
import { pipecatProtoRoot } from "../../lib/serializers/protobuf.ts";
import { serve, type RunningServer } from "../../lib/server/serve.ts";
import { benchStage, standInVoiceConfig } from "./load/benchStage.ts";
import { spawnChild } from "./load/children.ts";
import type { StandInReply } from "./load/protocol.ts";
import { FRAME_SAMPLES, loadUtterances, noiseFloor, RATE } from "./load/speech.ts";
import { encodeProtobufAudio } from "./load/wire.ts";
import { missingPrograms } from "../support/programs.ts";

const FrameMessage = pipecatProtoRoot.lookupType("pipecat.Frame");
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (line: string): void => void process.stdout.write(`${line}\n`);
const MiB = 1024 * 1024;

const { values } = parseArgs({
  options: {
    cycles: { type: "string", default: "10000" },
    parallel: { type: "string" },
    secs: { type: "string" },
    warmup: { type: "string", default: "200" },
    "max-growth-mib": { type: "string", default: "10" },
    voice: { type: "boolean", default: false },
  },
});
const VOICE = values.voice === true;
const CYCLES = Number(values.cycles);
const PARALLEL = Number(values.parallel ?? (VOICE ? 32 : 8));
const SECS = values.secs !== undefined ? Number(values.secs) : undefined;
const WARMUP = Number(values.warmup);
const MAX_GROWTH = Number(values["max-growth-mib"]) * MiB;

function gcTwice(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with node --expose-gc (npm run bench:soak does)");
  return (async () => {
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
  })();
}

function handleCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

const encodeMessage = (message: unknown): Uint8Array =>
  FrameMessage.encode({ message: { data: JSON.stringify(message) } }).finish();

/** Server message frames (protobuf `message`, tag 0x22) → parsed JSON. */
function messageOf(data: Buffer): Record<string, unknown> | null {
  if (data[0] !== 0x22) return null;
  const decoded = FrameMessage.toObject(FrameMessage.decode(data), { oneofs: true }) as { message?: { data?: string } };
  try {
    return JSON.parse(decoded.message?.data ?? "null") as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** One open → talk → close cycle. Resolves when the client socket has closed. */
async function cycle(url: string, speech: readonly Uint8Array[], n: number): Promise<void> {
  const ws = new WebSocket(`${url}/ws?format=protobuf`, { perMessageDeflate: false });
  const closed = new Promise<void>((resolve) => ws.once("close", () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    let gotReady!: () => void;
    let gotAudio!: () => void;
    const ready = new Promise<void>((r) => (gotReady = r));
    const audio = new Promise<void>((r) => (gotAudio = r));
    ws.on("message", (data: Buffer) => {
      if (data[0] === 0x12) gotAudio();
      else if (messageOf(data)?.["type"] === "bot-ready") gotReady();
    });
    ws.send(encodeMessage({ label: "rtvi-ai", type: "client-ready", id: `c${n}`, data: { version: "2.1.0" } }));
    await withTimeout(ready, 5_000, "bot-ready");
    for (const [i, pcm] of speech.entries()) ws.send(encodeProtobufAudio(pcm, RATE, i + 1, 0));
    await withTimeout(audio, 5_000, VOICE ? "bot audio" : "echoed audio");
  } finally {
    ws.close();
    await closed;
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function runCycles(server: RunningServer, speech: readonly Uint8Array[], count: number, untilMs: number | undefined): Promise<{ done: number; failed: number }> {
  const url = server.url.replace(/^http/, "ws");
  let next = 0;
  let done = 0;
  let failed = 0;
  let lastReport = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count && (untilMs === undefined || performance.now() < untilMs)) {
      const n = next++;
      try {
        await cycle(url, speech, n);
      } catch (error) {
        failed++;
        if (failed <= 5) log(`cycle ${n} failed: ${(error as Error).message}`);
      }
      done++;
      if (performance.now() - lastReport > 5_000) {
        lastReport = performance.now();
        log(`  ${done} cycles, ${server.sessions.size} live sessions, heap ${(process.memoryUsage().heapUsed / MiB).toFixed(1)} MiB`);
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return { done, failed };
}

async function settle(server: RunningServer): Promise<void> {
  for (let i = 0; i < 100 && server.sessions.size > 0; i++) await sleep(100);
  // Transport close grace (1 s) and pacer stop grace (250 ms) timers end by then.
  await sleep(1_500);
  await gcTwice();
}

async function main(): Promise<number> {
  const missing = missingPrograms({ flite: "flite", sox: "sox" });
  if (missing) throw new Error(`the soak ${missing}`);
  const utterance = (await loadUtterances())[0]!;
  const speech: Uint8Array[] = [];
  const speechFrames = VOICE ? 75 : 25;
  for (let at = 0; at + FRAME_SAMPLES <= utterance.pcm.length && speech.length < speechFrames; at += FRAME_SAMPLES) {
    speech.push(new Uint8Array(utterance.pcm.slice(at, at + FRAME_SAMPLES).buffer));
  }
  if (VOICE) {
    const noise = noiseFloor();
    for (let i = 0; i < 25; i++) speech.push(new Uint8Array(noise.slice(i * FRAME_SAMPLES, (i + 1) * FRAME_SAMPLES).buffer));
  }

  const standIn = VOICE
    ? spawnChild<StandInReply>({
        module: "./standinChild.ts",
        env: { BENCH_STANDIN_OPTIONS: JSON.stringify({ sttMs: 0, ttftMs: 0, ttsFirstByteMs: 0, interTokenMs: 5, ttsChunkIntervalMs: 20 }) },
      })
    : undefined;
  const baseURL = standIn ? (await standIn.first<Extract<StandInReply, { type: "ready" }>>("ready")).baseURL : "";
  const config = parseConfig({
    host: "127.0.0.1",
    port: 0,
    log_level: "silent",
    plugins: [VOICE ? "identity_filter" : "echo"],
    turn_stop_secs: 0.2,
    ...(VOICE ? standInVoiceConfig(baseURL) : {}),
  });
  const server = await serve(config, {
    handleSignals: false,
    print: () => {},
    shutdownTimeoutMs: 2_000,
    stages: [VOICE ? benchStage(config) : (ctx, sessionConfig) => turnTakingStage(ctx, sessionConfig)],
  });
  log(`# Voxray soak · ${new Date().toISOString()} · node ${process.version}`);
  log(
    `server in-process at ${server.url}; ${PARALLEL} cycles in parallel; cycle = open, RTVI client-ready → bot-ready, ` +
      (VOICE
        ? "1.5 s of speech + 0.5 s of silence (voice agent: turn → STT → LLM → TTS on the stand-in), first bot audio, close mid-answer"
        : "500 ms of speech (Silero turn taking + echo), first echoed audio, close mid-turn"),
  );

  const warm = await runCycles(server, speech, WARMUP, undefined);
  if (warm.failed > 0) throw new Error(`${warm.failed} of ${warm.done} warm-up cycles failed`);
  await settle(server);
  const heap0 = process.memoryUsage();
  const handles0 = handleCounts();
  log(`after ${WARMUP} warm-up cycles: heap used ${(heap0.heapUsed / MiB).toFixed(2)} MiB, RSS ${(heap0.rss / MiB).toFixed(1)} MiB, handles ${fmtHandles(handles0)}`);

  const started = performance.now();
  const { done, failed } = await runCycles(server, speech, SECS !== undefined ? Number.POSITIVE_INFINITY : CYCLES, SECS !== undefined ? started + SECS * 1000 : undefined);
  const secs = (performance.now() - started) / 1000;
  await settle(server);
  const heap1 = process.memoryUsage();
  const handles1 = handleCounts();
  await server.close();
  if (standIn) await standIn.ask({ cmd: "stop" }).catch(() => standIn.process.kill());

  const growth = heap1.heapUsed - heap0.heapUsed;
  const leaked = [...handles1].filter(([kind, n]) => n > (handles0.get(kind) ?? 0)).map(([kind, n]) => `${kind} ${handles0.get(kind) ?? 0} → ${n}`);
  log(`${done} cycles in ${secs.toFixed(0)} s (${(done / secs).toFixed(0)}/s), ${failed} failed`);
  log(`after: heap used ${(heap1.heapUsed / MiB).toFixed(2)} MiB, RSS ${(heap1.rss / MiB).toFixed(1)} MiB, handles ${fmtHandles(handles1)}`);
  log(
    `heap growth ${(growth / MiB).toFixed(2)} MiB (${((growth / Math.max(1, done)) * 1).toFixed(0)} B/cycle; limit ${(MAX_GROWTH / MiB).toFixed(0)} MiB) · ` +
      `RSS growth ${((heap1.rss - heap0.rss) / MiB).toFixed(1)} MiB · leaked handles: ${leaked.length ? leaked.join(", ") : "none"}`,
  );
  const ok = growth <= MAX_GROWTH && leaked.length === 0 && failed === 0;
  log(ok ? "PASS" : `FAIL${growth > MAX_GROWTH ? " (heap growth)" : ""}${leaked.length ? " (leaked handles)" : ""}${failed ? " (failed cycles)" : ""}`);
  return ok ? 0 : 1;
}

function fmtHandles(counts: Map<string, number>): string {
  return [...counts].map(([k, n]) => `${k}×${n}`).join(" ");
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
