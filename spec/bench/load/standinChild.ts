// The OpenAI stand-in in its own process (next to the load generator, not the server), with
// the rig's fixed latencies and a reply shaped like a real answer:
//
//   STT   "…" after sttMs
//   LLM   first token after ttftMs holds a whole first sentence with its trailing space, so the
//         sentence aggregator releases it at once (no inter-token wait enters the turn latency);
//         the rest follows every interTokenMs
//   TTS   first audio after ttsFirstByteMs, then 40 ms chunks every ttsChunkIntervalMs
//         (20 ms = twice real time); 60 ms of tone per character of text
//
// Every transcript and first answer sentence carries a turn tag (turnTag.ts).
//
// Options as JSON in BENCH_STANDIN_OPTIONS (StandInLatencies). Over IPC it reports how late its
// own answers were (request read → first byte, beyond the configured latency), and a trace of
// when each request arrived, was read in full and answered (on the rig's shared clock), with
// its turn tag: the parent subtracts each turn's own stand-in time and splits it into legs.

import { startOpenAIStandIn, type RecordedRequest, type Reply } from "../../support/standins/openai.ts";
import type { StandInCommand, StandInLatencies, StandInReply, StandInTrace } from "./protocol.ts";
import { monoUs, summarize } from "./stats.ts";
import { answerTokens, transcriptText, turnIn } from "./turnTag.ts";

const latency = JSON.parse(process.env["BENCH_STANDIN_OPTIONS"] ?? "{}") as StandInLatencies;
const reply = (message: StandInReply): void => {
  process.send?.(message);
};

/** The turn tag a request carries: numbered here for STT, read from the text for chat and TTS. */
const tags = new WeakMap<RecordedRequest, number>();
let turns = 0;

function lastUserText(body: unknown): string {
  const messages = (body as { messages?: { role?: string; content?: unknown }[] } | undefined)?.messages ?? [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role === "user" && typeof m.content === "string") return m.content;
  }
  return "";
}

const standIn = await startOpenAIStandIn({
  apiKey: "sk-bench",
  latency,
  handle(record): Reply | undefined {
    let turn: number | undefined;
    if (record.endpoint === "transcription") turn = ++turns;
    else if (record.endpoint === "chat") turn = turnIn(lastUserText(record.body));
    else if (record.endpoint === "speech") turn = turnIn(String((record.body as { input?: unknown } | undefined)?.input ?? ""));
    if (turn !== undefined) tags.set(record, turn);
    if (record.endpoint === "transcription") return { text: transcriptText(turn!) };
    if (record.endpoint === "chat") return { text: answerTokens(turn) };
    return undefined;
  },
  defaults: { speech: {} },
});

const nominal: Record<string, number> = { chat: latency.ttftMs, transcription: latency.sttMs, speech: latency.ttsFirstByteMs };
let since = { wall: performance.now(), cpu: process.cpuUsage() };
const late: Record<"chat" | "transcription" | "speech", number[]> = { chat: [], transcription: [], speech: [] };
/** performance.now() (ms, this process) → CLOCK_MONOTONIC µs, the rig's shared clock. */
const toMonoUs = ((offsetUs: number) => (ms: number): number => Math.round(ms * 1000 + offsetUs))(monoUs() - performance.now() * 1000);
/** Answered requests since the last "trace" query; bounded so a parent that never asks cannot grow it without end. */
const trace: StandInTrace[] = [];
const TRACE_LIMIT = 100_000;

// The stand-in records every request, uploaded audio included; harvest and forget them so a
// long run does not hold gigabytes of WAV uploads.
function harvest(): void {
  const requests = standIn.requests as RecordedRequest[];
  const keep: RecordedRequest[] = [];
  for (const r of requests) {
    if (r.endpoint === "unknown") continue;
    if (r.firstByteAt === undefined) {
      if (!r.aborted) keep.push(r);
      continue;
    }
    late[r.endpoint].push(r.firstByteAt - r.bodyAt - (nominal[r.endpoint] ?? 0));
    if (trace.length < TRACE_LIMIT) {
      trace.push({ endpoint: r.endpoint, turn: tags.get(r), port: r.remotePort, receivedUs: toMonoUs(r.receivedAt), bodyUs: toMonoUs(r.bodyAt), firstByteUs: toMonoUs(r.firstByteAt) });
    }
  }
  requests.length = 0;
  requests.push(...keep);
}
const harvester = setInterval(harvest, 500);

process.on("message", (raw: unknown) => {
  const command = raw as StandInCommand;
  if (command.cmd === "lateness") {
    reply({
      type: "lateness",
      id: command.id,
      lateness: { chat: summarize(late.chat), transcription: summarize(late.transcription), speech: summarize(late.speech) },
      cpuPct: (() => {
        const u = process.cpuUsage(since.cpu);
        return ((u.user + u.system) / 1000 / (performance.now() - since.wall)) * 100;
      })(),
    });
    since = { wall: performance.now(), cpu: process.cpuUsage() };
    late.chat.length = 0;
    late.transcription.length = 0;
    late.speech.length = 0;
  } else if (command.cmd === "trace") {
    harvest();
    reply({ type: "trace", id: command.id, requests: trace.splice(0) });
  } else if (command.cmd === "stop") {
    clearInterval(harvester);
    void standIn.close().then(() => {
      reply({ type: "stopped", id: command.id });
      process.disconnect?.();
    });
  }
});

process.on("disconnect", () => {
  clearInterval(harvester);
  void standIn.close().then(() => process.exit(0));
});

reply({ type: "ready", baseURL: standIn.baseURL });
