// `voxray client`: talk to a running server from a terminal, no browser needed.
//
//   voxray client [--url ws://localhost:8080/ws] [--wav in.wav | --say "text"] [--out reply.wav]
//                 [--format json|protobuf] [--quiet-secs 4]
//
// Streams the input as a microphone would: 16 kHz mono PCM16 in 20 ms frames at real time
// (against deadlines, so timer jitter does not add up), then silence, so the server's VAD sees
// the turn end. Prints one line per event (speaking state, transcripts, the bot's words,
// interruptions, errors), writes the bot's audio to a WAV, and exits once nothing has arrived
// for the quiet period after the input ended, or on Ctrl-C.
//
// JSON clients read the server's envelope (`{"type": "TranscriptionFrame", …}`); protobuf
// clients say RTVI client-ready and read RTVI events from message frames, as the Pipecat
// JavaScript client does.

import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import WebSocket from "ws";
import { downmixToMono, int16ToPcmBytes, pcmBytesToInt16 } from "../audio/pcm.ts";
import { resampleInt16 } from "../audio/resampler.ts";
import { decodeWav, encodeWav } from "../audio/wav.ts";
import { pipecatProtoRoot } from "../serializers/protobuf.ts";

export interface ClientOptions {
  readonly url: string;
  readonly wav?: string;
  readonly say?: string;
  /** Where the bot's audio goes; "" = nowhere. */
  readonly out: string;
  readonly format: "json" | "protobuf";
  /** Exit after this long without a message once the input has been sent. */
  readonly quietMs: number;
}

export interface ClientIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const RATE = 16_000;
const FRAME_SAMPLES = 320; // 20 ms at 16 kHz, what browser clients send
const FRAME_MS = 20;
const ProtoFrame = pipecatProtoRoot.lookupType("pipecat.Frame");

/** What the server said, whatever the wire format. */
type ServerEvent =
  | { readonly kind: "audio"; readonly pcm: Uint8Array; readonly rate: number }
  | { readonly kind: "event"; readonly name: string; readonly text?: string };

export async function runClient(options: ClientOptions, io: ClientIo): Promise<number> {
  let input: Int16Array;
  try {
    input = await loadInput(options);
  } catch (error) {
    io.err(`voxray client: ${(error as Error).message}`);
    return 1;
  }
  const url = new URL(options.url);
  if (options.format === "protobuf" && !url.searchParams.has("format")) url.searchParams.set("format", "protobuf");

  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.binaryType = "nodebuffer";
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
  } catch (error) {
    io.err(`voxray client: cannot connect to ${url.href}: ${(error as Error).message}`);
    return 1;
  }

  const t0 = performance.now();
  const say = (line: string): void => io.out(`[${((performance.now() - t0) / 1000).toFixed(2).padStart(6)}s] ${line}`);
  say(`connected to ${url.href} (${options.format}); sending ${(input.length / RATE).toFixed(2)} s of audio`);
  if (options.format === "protobuf") ws.send(protoMessage({ label: "rtvi-ai", type: "client-ready", id: "voxray-client", data: { version: "2.1.0", about: { library: "voxray-client" } } }));

  const reply: Int16Array[] = [];
  let replyRate = 0;
  let botMs = 0;
  let lastActivity = performance.now();
  let inputEnd = 0;

  ws.on("message", (data: Buffer, binary: boolean) => {
    lastActivity = performance.now();
    for (const event of decodeMessage(data, binary, options.format)) {
      if (event.kind === "audio") {
        let samples = pcmBytesToInt16(event.pcm);
        replyRate ||= event.rate;
        if (event.rate !== replyRate) samples = resampleInt16(samples, event.rate, replyRate);
        reply.push(samples.slice());
        botMs += (samples.length / replyRate) * 1000;
      } else if (event.name === "bot-stopped-speaking") say(`bot-stopped-speaking (${(botMs / 1000).toFixed(2)} s of bot audio so far)`);
      else say(event.text === undefined ? event.name : `${event.name}: ${event.text}`);
    }
  });

  // The microphone: input first, then silence, one frame per 20 ms against deadlines.
  let sent = 0;
  let next = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onSigint: (() => void) | undefined;
  ws.on("error", (error) => say(`socket error: ${error.message}`));
  const finished = new Promise<string>((resolve) => {
    const tick = (): void => {
      if (ws.readyState !== WebSocket.OPEN) return resolve("the server closed the connection");
      const frame = new Int16Array(FRAME_SAMPLES);
      frame.set(input.subarray(sent, Math.min(sent + FRAME_SAMPLES, input.length)));
      sent += FRAME_SAMPLES;
      if (sent >= input.length && inputEnd === 0) {
        inputEnd = performance.now();
        say("input sent; listening");
      }
      const pcm = int16ToPcmBytes(frame);
      ws.send(options.format === "protobuf" ? protoAudio(pcm) : jsonAudio(pcm));
      if (inputEnd > 0 && performance.now() - Math.max(lastActivity, inputEnd) >= options.quietMs) return resolve("quiet");
      next += FRAME_MS;
      timer = setTimeout(tick, Math.max(0, next - performance.now()));
    };
    onSigint = () => resolve("interrupted");
    process.once("SIGINT", onSigint);
    ws.once("close", (code, why) => resolve(`the server closed the connection (${code}${why.length > 0 ? ` ${why.toString()}` : ""})`));
    tick();
  });

  const why = await finished;
  clearTimeout(timer);
  if (onSigint) process.off("SIGINT", onSigint);
  say(why === "quiet" ? `nothing for ${(options.quietMs / 1000).toFixed(1)} s; done` : why);
  if (ws.readyState === WebSocket.OPEN) ws.close(1000, "client done");

  if (options.out !== "" && reply.length > 0) {
    const samples = new Int16Array(reply.reduce((n, r) => n + r.length, 0));
    let at = 0;
    for (const r of reply) (samples.set(r, at), (at += r.length));
    await writeFile(options.out, encodeWav(int16ToPcmBytes(samples), replyRate, 1));
    io.out(`wrote ${options.out} (${(samples.length / replyRate).toFixed(2)} s of bot audio at ${replyRate} Hz)`);
  } else if (options.out !== "") io.out("no bot audio arrived; nothing written");
  return 0;
}

/** The input as 16 kHz mono samples: a WAV file, flite's speech, or nothing. */
async function loadInput(options: ClientOptions): Promise<Int16Array> {
  if (options.wav !== undefined && options.say !== undefined) throw new Error("give --wav or --say, not both");
  if (options.wav !== undefined) return toMono16k(await readFile(options.wav), options.wav);
  if (options.say === undefined) return new Int16Array(0);
  const dir = await mkdtemp(join(tmpdir(), "voxray-say-"));
  try {
    const file = join(dir, "say.wav");
    try {
      await promisify(execFile)("flite", ["-voice", "slt", "-t", options.say, "-o", file]);
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
      throw new Error(missing ? "--say needs flite (apt-get install flite); or record a WAV and pass --wav" : `flite failed: ${(error as Error).message}`);
    }
    return toMono16k(await readFile(file), "flite's output");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function toMono16k(bytes: Uint8Array, what: string): Int16Array {
  let wav;
  try {
    wav = decodeWav(bytes);
  } catch (error) {
    throw new Error(`${what}: ${(error as Error).message}`);
  }
  const mono = downmixToMono(pcmBytesToInt16(wav.pcm), wav.channels);
  return resampleInt16(mono, wav.sampleRate, RATE);
}

const jsonAudio = (pcm: Uint8Array): string =>
  JSON.stringify({ type: "InputAudioRawFrame", data: { audio: Buffer.from(pcm).toString("base64"), sample_rate: RATE, num_channels: 1 } });

const protoAudio = (pcm: Uint8Array): Uint8Array =>
  ProtoFrame.encode(ProtoFrame.fromObject({ audio: { id: 0, name: "audio", audio: pcm, sample_rate: RATE, num_channels: 1 } })).finish();

const protoMessage = (message: object): Uint8Array => ProtoFrame.encode(ProtoFrame.fromObject({ message: { data: JSON.stringify(message) } })).finish();

/** JSON envelope frame types → the RTVI event names both formats are printed with. */
const ENVELOPE_EVENTS: Readonly<Record<string, string>> = {
  UserStartedSpeakingFrame: "user-started-speaking",
  UserStoppedSpeakingFrame: "user-stopped-speaking",
  BotStartedSpeakingFrame: "bot-started-speaking",
  BotStoppedSpeakingFrame: "bot-stopped-speaking",
  TranscriptionFrame: "user-transcription",
  TTSTextFrame: "bot-tts-text",
  TextFrame: "bot-text",
  InterruptionFrame: "interruption",
  ErrorFrame: "error",
  FatalErrorFrame: "error",
};
/** Events not worth a line: tokens and brackets that the transcript and spoken-text lines repeat. */
const QUIET_RTVI = new Set(["bot-llm-text", "bot-output", "bot-llm-started", "bot-llm-stopped", "bot-tts-started", "bot-tts-stopped", "metrics"]);

function decodeMessage(data: Buffer, binary: boolean, format: ClientOptions["format"]): ServerEvent[] {
  try {
    if (format === "protobuf" && binary) {
      const frame = ProtoFrame.toObject(ProtoFrame.decode(data), { oneofs: true }) as {
        frame?: string;
        audio?: { audio: Uint8Array; sample_rate: number };
        message?: { data: string };
      };
      if (frame.frame === "audio" && frame.audio) return [{ kind: "audio", pcm: frame.audio.audio, rate: frame.audio.sample_rate }];
      if (frame.frame === "interruption") return [{ kind: "event", name: "interruption" }];
      if (frame.frame === "message" && frame.message) return rtviEvents(JSON.parse(frame.message.data));
      return [];
    }
    const message = JSON.parse(data.toString("utf8")) as { type?: string; label?: string; data?: Record<string, unknown> };
    if (message.label === "rtvi-ai") return rtviEvents(message);
    const payload = message.data ?? {};
    if ((message.type === "OutputAudioRawFrame" || message.type === "TTSAudioRawFrame") && typeof payload.audio === "string")
      return [{ kind: "audio", pcm: Buffer.from(payload.audio, "base64"), rate: Number(payload.sample_rate) }];
    const name = ENVELOPE_EVENTS[message.type ?? ""];
    if (name === undefined) return [];
    const text = payload.text ?? payload.error;
    return [{ kind: "event", name, ...(typeof text === "string" ? { text } : {}) }];
  } catch {
    return [{ kind: "event", name: "unreadable message", text: data.subarray(0, 80).toString("utf8") }];
  }
}

function rtviEvents(message: { type?: string; data?: Record<string, unknown> }): ServerEvent[] {
  const type = message.type ?? "?";
  if (QUIET_RTVI.has(type)) return [];
  if (type === "user-transcription" && message.data?.final === false) return [];
  const text = message.data?.text ?? message.data?.message ?? message.data?.error;
  return [{ kind: "event", name: type, ...(typeof text === "string" ? { text } : {}) }];
}
