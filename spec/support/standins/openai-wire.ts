// Wire shapes of the OpenAI HTTP API, as the stand-in server writes them: chat-completion chunks
// (SSE) and whole completions, error bodies, and the audio it reads (WAV uploads) and writes
// (raw PCM or streamed WAV). Helpers only; the server is in openai.ts.

import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import type { ChatReply, Hold, ReplyContext, ScriptedToolCall } from "./openai.ts";

export interface WireUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** One `chat.completion.chunk` per piece; `tokens` counts the pieces that carry content or tool deltas. */
export interface ChunkPlan {
  readonly chunks: readonly Record<string, unknown>[];
  /** Index in `chunks` of each content / tool-call piece (latency and holds apply to these). */
  readonly pieceIndexes: readonly number[];
  readonly text: string;
  readonly finishReason: string;
}

export function splitText(text: string | readonly string[] | undefined): string[] {
  if (text === undefined) return [];
  if (typeof text !== "string") return [...text];
  // Word tokens with their leading space, the way BPE tokens usually look: "Hello", " there".
  return text.match(/\s*\S+/g) ?? [];
}

/** The chunk sequence of a streamed reply, without the trailing usage chunk. */
export function chatChunkPlan(reply: ChatReply): ChunkPlan {
  const tokens = splitText(reply.text);
  const calls = reply.toolCalls ?? [];
  const deltas: Record<string, unknown>[] = tokens.map((content) => ({ content }));
  for (const piece of toolCallPieces(calls, reply.interleave === true)) deltas.push({ tool_calls: [piece] });
  if (deltas.length === 0) deltas.push({ content: "" });
  const first = deltas[0]!;
  // The first delta also carries the role, as OpenAI's does.
  deltas[0] = "content" in first ? { role: "assistant", ...first, refusal: null } : { role: "assistant", content: null, ...first, refusal: null };
  const finishReason = reply.finishReason ?? (calls.length > 0 ? "tool_calls" : "stop");
  const chunks: Record<string, unknown>[] = deltas.map((delta) => ({ index: 0, delta, logprobs: null, finish_reason: null }));
  chunks.push({ index: 0, delta: {}, logprobs: null, finish_reason: finishReason });
  return {
    chunks: chunks.map((choice) => ({ choices: [choice] })),
    pieceIndexes: deltas.map((_, i) => i),
    text: tokens.join(""),
    finishReason,
  };
}

/** First piece of a call has id, type and name with empty arguments; later pieces only index + arguments. */
function toolCallPieces(calls: readonly ScriptedToolCall[], interleave: boolean): Record<string, unknown>[] {
  const perCall = calls.map((call, index) => {
    const fragments = typeof call.arguments === "string" ? [call.arguments] : [...call.arguments];
    return [
      { index, id: call.id ?? `call_standin_${index}`, type: "function", function: { name: call.name, arguments: "" } },
      ...fragments.map((args) => ({ index, function: { arguments: args } })),
    ];
  });
  if (!interleave) return perCall.flat();
  const out: Record<string, unknown>[] = [];
  for (let i = 0; perCall.some((pieces) => i < pieces.length); i++) {
    for (const pieces of perCall) if (i < pieces.length) out.push(pieces[i]!);
  }
  return out;
}

export function wireToolCalls(calls: readonly ScriptedToolCall[]): Record<string, unknown>[] {
  return calls.map((call, index) => ({
    id: call.id ?? `call_standin_${index}`,
    type: "function",
    function: { name: call.name, arguments: typeof call.arguments === "string" ? call.arguments : call.arguments.join("") },
  }));
}

export function errorBody(message: string, type: string, code: string | null, param: string | null = null) {
  return { error: { message, type, param, code } };
}

/** Token counts are estimates (4 characters a token) unless a reply scripts them. */
export function estimateTokens(value: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(value ?? "").length / 4));
}

// ---- audio ---------------------------------------------------------------------------------------

export interface WavInfo {
  readonly sampleRate: number;
  readonly channels: number;
  readonly bitsPerSample: number;
  readonly dataBytes: number;
  readonly durationMs: number;
}

/** Strict check of an uploaded WAV file: RIFF/WAVE, a PCM fmt chunk, and sizes that add up. */
export function inspectWav(bytes: Uint8Array): WavInfo | { readonly error: string } {
  const ascii = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.byteLength < 44) return { error: `${bytes.byteLength} bytes is too short for a WAV file` };
  if (ascii(0) !== "RIFF" || ascii(8) !== "WAVE") return { error: "no RIFF/WAVE header" };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(4, true) !== bytes.byteLength - 8) return { error: "RIFF size does not match the file length" };
  let fmt: Omit<WavInfo, "dataBytes" | "durationMs"> | undefined;
  for (let at = 12; at + 8 <= bytes.byteLength; ) {
    const id = ascii(at);
    const size = view.getUint32(at + 4, true);
    if (id === "fmt ") {
      if (view.getUint16(at + 8, true) !== 1) return { error: "fmt is not integer PCM" };
      fmt = { channels: view.getUint16(at + 10, true), sampleRate: view.getUint32(at + 12, true), bitsPerSample: view.getUint16(at + 22, true) };
      const blockAlign = view.getUint16(at + 20, true);
      if (blockAlign !== (fmt.channels * fmt.bitsPerSample) / 8) return { error: "block align does not match channels and bits" };
    } else if (id === "data") {
      if (!fmt) return { error: "data chunk before fmt chunk" };
      if (at + 8 + size !== bytes.byteLength) return { error: "data size does not match the file length" };
      const frameBytes = (fmt.channels * fmt.bitsPerSample) / 8;
      return { ...fmt, dataBytes: size, durationMs: (size / frameBytes / fmt.sampleRate) * 1000 };
    }
    at += 8 + size + (size % 2);
  }
  return { error: "no data chunk" };
}

/** A 440 Hz tone, PCM16LE mono: easy to tell apart from silence and from byte-shifted garbage. */
export function tonePcm(durationMs: number, sampleRate: number): Uint8Array {
  const samples = Math.round((durationMs * sampleRate) / 1000);
  const out = new Uint8Array(samples * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < samples; i++) view.setInt16(i * 2, Math.round(Math.sin((2 * Math.PI * 440 * i) / sampleRate) * 9830), true);
  return out;
}

/** The header a streaming server writes before it knows the length: both sizes 0xFFFFFFFF. */
export function streamingWavHeader(sampleRate: number): Uint8Array {
  const out = new Uint8Array(44);
  const view = new DataView(out.buffer);
  const put = (at: number, text: string) => [...text].forEach((c, i) => (out[at + i] = c.charCodeAt(0)));
  put(0, "RIFF");
  view.setUint32(4, 0xffffffff, true);
  put(8, "WAVE");
  put(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  put(36, "data");
  view.setUint32(40, 0xffffffff, true);
  return out;
}

/** Content types of the formats OpenAI's speech endpoint offers. */
export const SPEECH_CONTENT_TYPES: Readonly<Record<string, string>> = {
  mp3: "audio/mpeg",
  opus: "audio/ogg",
  aac: "audio/aac",
  flac: "audio/flac",
  wav: "audio/wav",
  pcm: "audio/pcm",
};

// ---- pacing ------------------------------------------------------------------------------------

/** Resolves when `signal` aborts (the client went away or the stand-in is closing). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

/** Waits `ms` of real time; rejects when the client goes away, which ends the reply. */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms > 0) await sleep(ms, undefined, { signal });
  signal.throwIfAborted();
}

/** Before piece `index`: waits for the reply's release (or forever) when `holdAfter` says so. */
export async function holdBefore(index: number, hold: Hold, signal: AbortSignal): Promise<void> {
  if (hold.holdAfter !== index) return;
  await Promise.race([hold.release ?? new Promise<never>(() => {}), untilAborted(signal)]);
  signal.throwIfAborted();
}

/** Writes part of a streamed body; `piece` counts it as a token / tool fragment / audio chunk. */
export function writeBody(ctx: ReplyContext, data: string | Uint8Array, piece: boolean): void {
  ctx.record.firstByteAt ??= performance.now();
  if (piece) ctx.record.piecesSent += 1;
  ctx.record.bytesSent += typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
  ctx.res.write(data);
}
