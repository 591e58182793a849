// The stand-in's audio answers: transcriptions (multipart upload that must be a real WAV file)
// and speech (audio streamed in chunks as it would be generated).

import type { ReplyContext, SpeechReply, TranscriptionReply, UploadedFile } from "./openai.ts";
import {
  SPEECH_CONTENT_TYPES,
  errorBody,
  holdBefore,
  inspectWav,
  pause,
  streamingWavHeader,
  tonePcm,
  writeBody,
} from "./openai-wire.ts";

/** OpenAI's speech endpoint produces 24 kHz PCM16 mono for "pcm" (and inside "wav"). */
export const SPEECH_SAMPLE_RATE = 24_000;
const SUPPORTED_UPLOADS = ["flac", "m4a", "mp3", "mp4", "mpeg", "mpga", "oga", "ogg", "wav", "webm"];
const MAX_SPEECH_INPUT = 4096;

export async function writeTranscription(ctx: ReplyContext, reply: TranscriptionReply): Promise<void> {
  const body = ctx.record.body as { fields?: Record<string, string>; file?: UploadedFile } | undefined;
  const fields = body?.fields ?? {};
  const file = body?.file;
  const invalid = (message: string, param: string) => ctx.sendJson(400, errorBody(message, "invalid_request_error", "invalid_value", param));
  if (!file) return invalid("you must provide a file", "file");
  if (!fields.model) return invalid("you must provide a model parameter", "model");
  const extension = file.name.split(".").pop()?.toLowerCase() ?? "";
  if (!SUPPORTED_UPLOADS.includes(extension)) {
    return invalid(`Unrecognized file format. Supported formats: ${JSON.stringify(SUPPORTED_UPLOADS)}`, "file");
  }
  // The stand-in decodes only WAV, strictly: headerless PCM under any name is rejected here.
  const wav = inspectWav(file.bytes);
  if ("error" in wav) return invalid(`Invalid file format (${wav.error}). Supported formats: ${JSON.stringify(SUPPORTED_UPLOADS)}`, "file");

  await pause(reply.latencyMs ?? ctx.latency.sttMs, ctx.signal);
  const format = fields.response_format ?? "json";
  const seconds = wav.durationMs / 1000;
  if (format === "text" || format === "srt" || format === "vtt") {
    ctx.record.status = 200;
    ctx.res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
    ctx.res.end(`${reply.text}\n`);
    return;
  }
  if (format === "verbose_json") {
    ctx.sendJson(200, {
      task: "transcribe",
      language: reply.language ?? "english",
      duration: seconds,
      text: reply.text,
      segments: [{ id: 0, seek: 0, start: 0, end: seconds, text: reply.text, tokens: [], temperature: 0, avg_logprob: -0.2, compression_ratio: 1, no_speech_prob: 0.01 }],
    });
    return;
  }
  if (format !== "json") return invalid(`Invalid value for 'response_format': ${format}`, "response_format");
  ctx.sendJson(200, { text: reply.text, usage: { type: "duration", seconds: Math.ceil(seconds) } });
}

export async function writeSpeech(ctx: ReplyContext, reply: SpeechReply): Promise<void> {
  const body = (ctx.record.body ?? {}) as { model?: unknown; input?: unknown; voice?: unknown; response_format?: unknown };
  const invalid = (message: string, param: string) => ctx.sendJson(400, errorBody(message, "invalid_request_error", null, param));
  if (typeof body.model !== "string" || !body.model) return invalid("you must provide a model parameter", "model");
  if (typeof body.input !== "string" || !body.input) return invalid("you must provide an input", "input");
  if (body.input.length > MAX_SPEECH_INPUT) return invalid(`input is longer than ${MAX_SPEECH_INPUT} characters`, "input");
  if (typeof body.voice !== "string" || !body.voice) return invalid("you must provide a voice", "voice");
  const format = reply.format ?? (body.response_format === undefined ? "mp3" : String(body.response_format));
  const contentType = SPEECH_CONTENT_TYPES[format];
  if (!contentType) return invalid(`Invalid value for 'response_format': ${format}`, "response_format");

  const pcm = reply.pcm ?? tonePcm(reply.durationMs ?? Math.max(200, 60 * body.input.length), SPEECH_SAMPLE_RATE);
  const payload = format === "pcm" ? pcm : concat(format === "wav" ? streamingWavHeader(SPEECH_SAMPLE_RATE) : fakeCompressedHeader(), pcm);
  const chunkBytes = Math.max(1, reply.chunkBytes ?? 1920);

  await pause(reply.firstByteMs ?? ctx.latency.ttsFirstByteMs, ctx.signal);
  ctx.record.status = 200;
  ctx.res.writeHead(200, { "content-type": contentType, "x-request-id": `req_standin_${ctx.record.seq}` });
  ctx.res.flushHeaders();
  for (let offset = 0, i = 0; offset < payload.byteLength; offset += chunkBytes, i++) {
    await holdBefore(i, reply, ctx.signal);
    if (i > 0) await pause(reply.chunkIntervalMs ?? ctx.latency.ttsChunkIntervalMs, ctx.signal);
    writeBody(ctx, payload.subarray(offset, offset + chunkBytes), true);
  }
  ctx.res.end();
}

/** Compressed formats are not encoded for real: an ID3 tag marks the bytes as not-PCM. */
function fakeCompressedHeader(): Uint8Array {
  return new TextEncoder().encode("ID3\u0004\u0000\u0000\u0000\u0000\u0000\u0000");
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}
