// What a peer may send in the JSON envelope: type name → zod schema of `data` → frame.
//
// The list is the Go original's decodable set (StartFrame … RTVIServerMessageFrame, with
// `MessageFrame` as an alias of `TransportMessageFrame`), plus microphone audio as base64
// (`InputAudioRawFrame`/`AudioRawFrame` → InputAudioRawFrame), `EndFrame` (hang-up and
// push-to-talk clients end the session gracefully) and `InputTransportMessageFrame` (the
// name our own frames use). Field names are the Go JSON names. Fields the Go structs default
// to their zero value stay optional here, with the same defaults; the field that carries the
// meaning (text, messages, digit, audio, …) is required.
//
// A peer's StartFrame and CancelFrame decode as in the Go original; whether a transport lets
// them into a running pipeline is the transport's decision.

import { z } from "zod";
import { audioFrame, createFrame, type Frame, type FrameType, type IdSource } from "../frames/index.ts";
import { rtviClientMessageFrame, rtviServerMessageFrame } from "./rtvi/rtviFrames.ts";
import { SerializerError } from "./serializer.ts";
import { decodeBase64, pcmProblem } from "./wireAudio.ts";

const keypad = z.enum(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#"]);

const textFields = {
  text: z.string(),
  skip_tts: z.boolean().optional(),
  includes_inter_frame_spaces: z.boolean().optional(),
  append_to_context: z.boolean().optional(),
};

const toolCall = z.object({
  id: z.string(),
  type: z.literal("function"),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

// Chat messages and tools keep fields we do not know: providers add their own.
const chatMessage = z.looseObject({
  role: z.enum(["system", "user", "assistant", "tool", "developer"]),
  content: z.union([z.string(), z.null(), z.array(z.unknown())]).optional(),
  name: z.string().optional(),
  tool_calls: z.array(toolCall).optional(),
  tool_call_id: z.string().optional(),
});

const toolSchema = z.looseObject({
  type: z.literal("function"),
  function: z.looseObject({
    name: z.string(),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});

const toolChoice = z.union([
  z.enum(["auto", "none", "required"]),
  z.object({ type: z.literal("function"), function: z.object({ name: z.string() }) }),
]);

const empty = z.object({});
const reason = z.object({ reason: z.string().optional() });
const transportMessage = z.object({ message: z.record(z.string(), z.unknown()) });
const messages = z.object({ messages: z.array(chatMessage), run_llm: z.boolean().optional() });
const isoNow = (): string => new Date().toISOString();

export interface InboundEntry {
  readonly data: z.ZodType;
  /** The frame from validated data; throws SerializerError when the data is still unusable. */
  readonly build: (ids: IdSource, fields: Record<string, unknown>, wireType: string) => Frame;
}

/** Data becomes the payload of a frame of type `frame` as it is. */
const entry = (frame: FrameType, data: z.ZodType): InboundEntry => ({
  data,
  build: (ids, fields) => createFrame(ids, frame, fields as never),
});

const audioData = z.object({
  audio: z.string(),
  sample_rate: z.number(),
  num_channels: z.number().default(1),
});

const audioIn: InboundEntry = {
  data: audioData,
  build(ids, fields, wireType) {
    const f = fields as z.output<typeof audioData>;
    const audio = decodeBase64(f.audio);
    if (audio === null) throw new SerializerError(`invalid ${wireType}: data.audio: not base64`);
    const problem = pcmProblem(audio, f.sample_rate, f.num_channels);
    if (problem !== null) throw new SerializerError(`invalid ${wireType}: ${problem}`);
    return audioFrame(ids, "InputAudioRawFrame", audio, f.sample_rate, f.num_channels);
  },
};

// The Go wire names `type`/`id` of the RTVI frames collide with the frame header; see rtviFrames.ts.
const rtviClientIn: InboundEntry = {
  data: z.object({ msg_id: z.string(), type: z.string(), data: z.unknown().optional() }),
  build: (ids, f) => rtviClientMessageFrame(ids, { msg_id: f["msg_id"] as string, t: f["type"] as string, d: f["data"] }),
};

const rtviServerIn: InboundEntry = {
  data: z.object({ type: z.string().optional(), id: z.string().optional(), data: z.unknown().optional() }),
  build: (ids, f) => rtviServerMessageFrame(ids, f["data"]),
};

export const JSON_INBOUND: Readonly<Record<string, InboundEntry>> = {
  // system
  StartFrame: entry(
    "StartFrame",
    z.object({
      audio_in_sample_rate: z.number().int().positive().default(16000),
      audio_out_sample_rate: z.number().int().positive().default(24000),
      allow_interruptions: z.boolean().default(false),
      enable_metrics: z.boolean().default(false),
      enable_usage_metrics: z.boolean().default(false),
    }),
  ),
  CancelFrame: entry("CancelFrame", reason),
  EndFrame: entry("EndFrame", reason),
  ErrorFrame: entry(
    "ErrorFrame",
    z.object({ error: z.string(), fatal: z.boolean().default(false), processor: z.string().optional() }),
  ),
  // text
  TextFrame: entry("TextFrame", z.object(textFields)),
  LLMTextFrame: entry("LLMTextFrame", z.object(textFields)),
  AggregatedTextFrame: entry("AggregatedTextFrame", z.object({ ...textFields, aggregated_by: z.string().optional() })),
  TranscriptionFrame: entry(
    "TranscriptionFrame",
    z.object({
      ...textFields,
      user_id: z.string().default("user"),
      timestamp: z.string().default(isoNow),
      language: z.string().optional(),
      finalized: z.boolean().default(true),
    }),
  ),
  TTSSpeakFrame: entry("TTSSpeakFrame", z.object({ text: z.string(), append_to_context: z.boolean().optional() })),
  // LLM context
  LLMRunFrame: entry("LLMRunFrame", empty),
  LLMContextFrame: entry(
    "LLMContextFrame",
    z.object({
      context: z.object({
        messages: z.array(chatMessage),
        tools: z.array(toolSchema).optional(),
        tool_choice: toolChoice.optional(),
      }),
    }),
  ),
  LLMMessagesUpdateFrame: entry("LLMMessagesUpdateFrame", messages),
  LLMMessagesAppendFrame: entry("LLMMessagesAppendFrame", messages),
  LLMSetToolsFrame: entry("LLMSetToolsFrame", z.object({ tools: z.array(toolSchema) })),
  LLMSetToolChoiceFrame: entry("LLMSetToolChoiceFrame", z.object({ tool_choice: toolChoice })),
  FunctionCallResultFrame: entry(
    "FunctionCallResultFrame",
    z.object({
      function_name: z.string(),
      tool_call_id: z.string(),
      arguments: z.unknown().optional(),
      result: z.unknown().transform((r) => r ?? null),
      run_llm: z.boolean().optional(),
    }),
  ),
  // transport messages: a peer's message is input, whatever name it comes under
  TransportMessageFrame: entry("InputTransportMessageFrame", transportMessage),
  MessageFrame: entry("InputTransportMessageFrame", transportMessage),
  InputTransportMessageFrame: entry("InputTransportMessageFrame", transportMessage),
  // speaking state and VAD
  BotStartedSpeakingFrame: entry("BotStartedSpeakingFrame", empty),
  BotStoppedSpeakingFrame: entry("BotStoppedSpeakingFrame", empty),
  UserSpeakingFrame: entry("UserSpeakingFrame", empty),
  VADParamsUpdateFrame: entry(
    "VADParamsUpdateFrame",
    z.object({
      stop_secs: z.number().nonnegative().optional(),
      start_secs: z.number().nonnegative().optional(),
      confidence: z.number().min(0).max(1).optional(),
      min_volume: z.number().min(0).max(1).optional(),
    }),
  ),
  VADUserStartedSpeakingFrame: entry(
    "VADUserStartedSpeakingFrame",
    z.object({ start_secs: z.number().optional(), timestamp: z.number().optional() }),
  ),
  VADUserStoppedSpeakingFrame: entry(
    "VADUserStoppedSpeakingFrame",
    z.object({ stop_secs: z.number().optional(), timestamp: z.number().optional() }),
  ),
  // DTMF and interruption
  OutputDTMFUrgentFrame: entry("OutputDTMFUrgentFrame", z.object({ button: keypad })),
  InputDTMFFrame: entry("InputDTMFFrame", z.object({ digit: keypad })),
  InterruptionFrame: entry("InterruptionFrame", empty),
  // RTVI frames
  RTVIClientMessageFrame: rtviClientIn,
  RTVIServerMessageFrame: rtviServerIn,
  // microphone audio, base64
  InputAudioRawFrame: audioIn,
  AudioRawFrame: audioIn,
};
