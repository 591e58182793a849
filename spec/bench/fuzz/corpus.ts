// Valid samples for each parser, which the fuzzer mutates: what real clients send.

import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { RTCPeerConnection } from "werift";
import { DEFAULT_CONFIG } from "../../../lib/config/index.ts";
import { JSON_INBOUND } from "../../../lib/serializers/jsonInbound.ts";
import { pipecatProtoRoot } from "../../../lib/serializers/protobuf.ts";

const FrameMessage = pipecatProtoRoot.lookupType("pipecat.Frame");
const pcm = Buffer.from(new Int16Array([0, 1000, -1000, 32767, -32768, 5, 6, 7]).buffer);
const b64 = pcm.toString("base64");

const chat = [
  { role: "system", content: "Be brief." },
  { role: "user", content: "hello" },
  { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "clock", arguments: "{}" } }] },
  { role: "tool", tool_call_id: "c1", content: '{"t":1}' },
];

export const RTVI_MESSAGES: readonly Record<string, unknown>[] = [
  { label: "rtvi-ai", type: "client-ready", id: "1", data: { version: "2.1.0", about: { library: "x" } } },
  { label: "rtvi-ai", type: "client-ready", id: "2", data: { version: "1.0.0" } },
  { label: "rtvi-ai", type: "send-text", id: "3", data: { content: "hi", options: { run_immediately: true, audio_response: false } } },
  { label: "rtvi-ai", type: "client-message", id: "4", data: { t: "ping", d: { n: 1 } } },
  { label: "rtvi-ai", type: "disconnect-bot", id: "5" },
  { label: "rtvi-ai", type: "dtmf", id: "6", data: { buttons: ["1", "#"] } },
  { label: "rtvi-ai", type: "llm-function-call-result", id: "7", data: { function_name: "f", tool_call_id: "c1", arguments: {}, result: { ok: 1 } } },
  { label: "rtvi-ai", type: "raw-audio", id: "8", data: { base64Audio: b64, sampleRate: 16000, numChannels: 1 } },
  { label: "rtvi-ai", type: "raw-audio-batch", id: "9", data: { base64AudioBatch: [b64, b64], sampleRate: 16000, numChannels: 1 } },
];

/** Data samples for the JSON envelope types that carry meaning; every other type gets `{}`. */
const ENVELOPE_DATA: Readonly<Record<string, unknown>> = {
  StartFrame: { audio_in_sample_rate: 16000, audio_out_sample_rate: 24000, allow_interruptions: true },
  EndFrame: { reason: "bye" },
  CancelFrame: { reason: "x" },
  TextFrame: { text: "hello", skip_tts: false },
  LLMTextFrame: { text: "tok" },
  AggregatedTextFrame: { text: "a b", aggregated_by: "sentence" },
  TranscriptionFrame: { text: "hi", user_id: "u", timestamp: "2026-01-01T00:00:00Z", language: "en" },
  TTSSpeakFrame: { text: "say this" },
  LLMContextFrame: { messages: chat, tools: [{ type: "function", function: { name: "clock", parameters: {} } }] },
  LLMMessagesUpdateFrame: { messages: chat, run_llm: true },
  LLMMessagesAppendFrame: { messages: chat, run_llm: false },
  LLMSetToolsFrame: { tools: [{ type: "function", function: { name: "clock", description: "time", parameters: { type: "object" } } }] },
  LLMSetToolChoiceFrame: { tool_choice: { type: "function", function: { name: "clock" } } },
  FunctionCallResultFrame: { function_name: "clock", tool_call_id: "c1", arguments: {}, result: { t: 1 } },
  TransportMessageFrame: { message: { a: 1 } },
  VADParamsUpdateFrame: { params: { confidence: 0.7, start_secs: 0.2, stop_secs: 0.2, min_volume: 0.6 } },
  OutputDTMFUrgentFrame: { button: "5" },
  InputDTMFFrame: { digit: "#" },
  RTVIClientMessageFrame: { msg_id: "m1", type: "ping", data: { x: 1 } },
  RTVIServerMessageFrame: { data: { y: 2 } },
  InputAudioRawFrame: { audio: b64, sample_rate: 16000, num_channels: 1 },
  AudioRawFrame: { audio: b64, sample_rate: 8000 },
};

export function jsonEnvelopes(): unknown[] {
  return [...Object.keys(JSON_INBOUND).map((type) => ({ type, data: ENVELOPE_DATA[type] ?? {} })), ...RTVI_MESSAGES];
}

/** Keys worth reusing when mutating envelopes (field names the parsers look at). */
export const ENVELOPE_KEYS: readonly string[] = [
  "type",
  "data",
  "label",
  "id",
  "audio",
  "sample_rate",
  "num_channels",
  "text",
  "messages",
  "role",
  "content",
  "tools",
  "message",
  "version",
  "msg_id",
  ...Object.keys(JSON_INBOUND),
];

export function protobufFrames(): Uint8Array[] {
  const encode = (frame: object): Uint8Array => FrameMessage.encode(frame).finish();
  return [
    encode({ audio: { id: 1, name: "audio", audio: pcm, sample_rate: 16000, num_channels: 1 } }),
    encode({ audio: { id: 2, name: "audio", audio: pcm, sample_rate: 24000, num_channels: 2, pts: 123456789 } }),
    encode({ text: { id: 3, name: "text", text: "hello" } }),
    encode({ transcription: { id: 4, name: "t", text: "hi", user_id: "u", timestamp: "now" } }),
    encode({ interruption: { id: 5, name: "interruption" } }),
    ...RTVI_MESSAGES.map((m) => encode({ message: { data: JSON.stringify(m) } })),
  ];
}

/** A real offer (audio + data channel), as a browser peer would send it. */
export async function offerSdp(): Promise<string> {
  const pc = new RTCPeerConnection({ iceServers: [] });
  try {
    pc.addTransceiver("audio", { direction: "sendrecv" });
    pc.createDataChannel("chat");
    await pc.setLocalDescription(await pc.createOffer());
    return pc.localDescription?.sdp ?? "";
  } finally {
    await pc.close();
  }
}

export function configSamples(): { objects: unknown[]; texts: string[] } {
  const dir = fileURLToPath(new URL("../../../config/", import.meta.url));
  const texts = [readFileSync(`${dir}default.json`, "utf8")];
  for (const name of readdirSync(`${dir}examples`)) if (name.endsWith(".json")) texts.push(readFileSync(`${dir}examples/${name}`, "utf8"));
  const objects: unknown[] = [DEFAULT_CONFIG];
  for (const t of texts) {
    try {
      objects.push(JSON.parse(t));
    } catch {
      // A commented example stays a text sample only.
    }
  }
  return { objects, texts };
}

export const CONFIG_KEYS: readonly string[] = Object.keys(DEFAULT_CONFIG as Record<string, unknown>);
