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
// Options as JSON in BENCH_STANDIN_OPTIONS (StandInLatencies). Over IPC it reports how late its
// own answers were (time to first byte beyond the configured latency), so the reader can tell
// stand-in lateness apart from what the server adds, and a trace of when each request arrived
// and answered (on the rig's shared clock) to split a turn into its legs.

import { startOpenAIStandIn, type RecordedRequest } from "../../support/standins/openai.ts";
import type { StandInCommand, StandInLatencies, StandInReply, StandInTrace } from "./protocol.ts";
import { monoUs, summarize } from "./stats.ts";

const latency = JSON.parse(process.env["BENCH_STANDIN_OPTIONS"] ?? "{}") as StandInLatencies;
const reply = (message: StandInReply): void => {
  process.send?.(message);
};

/** The bot's answer: the first sentence (with its trailing space) is the first token. */
export const ANSWER_TOKENS: readonly string[] = [
  "Sure thing. ",
  "Here is",
  " a longer",
  " second sentence",
  " that keeps",
  " talking for",
  " a while.",
];

const standIn = await startOpenAIStandIn({
  apiKey: "sk-bench",
  latency,
  defaults: {
    chat: { text: ANSWER_TOKENS },
    transcription: { text: "what is the weather like tomorrow" },
    speech: {},
  },
});

const nominal: Record<string, number> = { chat: latency.ttftMs, transcription: latency.sttMs, speech: latency.ttsFirstByteMs };
let since = { wall: performance.now(), cpu: process.cpuUsage() };
const late: Record<"chat" | "transcription" | "speech", number[]> = { chat: [], transcription: [], speech: [] };
/** performance.now() (ms, this process) → CLOCK_MONOTONIC µs, the rig's shared clock. */
const toMonoUs = ((offsetUs: number) => (ms: number): number => Math.round(ms * 1000 + offsetUs))(monoUs() - performance.now() * 1000);
const trace: StandInTrace[] = [];

// The stand-in records every request, uploaded audio included; harvest and forget them so a
// long run does not hold gigabytes of WAV uploads.
const harvest = setInterval(() => {
  const requests = standIn.requests as RecordedRequest[];
  const keep: RecordedRequest[] = [];
  for (const r of requests) {
    if (r.endpoint === "unknown") continue;
    if (r.firstByteAt === undefined) {
      if (!r.aborted) keep.push(r);
      continue;
    }
    late[r.endpoint].push(r.firstByteAt - r.receivedAt - (nominal[r.endpoint] ?? 0));
    if (trace.length < 5_000) trace.push({ endpoint: r.endpoint, receivedUs: toMonoUs(r.receivedAt), firstByteUs: toMonoUs(r.firstByteAt) });
  }
  requests.length = 0;
  requests.push(...keep);
}, 500);

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
    reply({ type: "trace", id: command.id, requests: trace.splice(0) });
  } else if (command.cmd === "stop") {
    clearInterval(harvest);
    void standIn.close().then(() => {
      reply({ type: "stopped", id: command.id });
      process.disconnect?.();
    });
  }
});

process.on("disconnect", () => {
  clearInterval(harvest);
  void standIn.close().then(() => process.exit(0));
});

reply({ type: "ready", baseURL: standIn.baseURL });
