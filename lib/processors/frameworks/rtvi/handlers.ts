// Client → server RTVI messages. Each handler returns the frames to send downstream, in
// order (replies to the client are OutputTransportMessageUrgentFrames: the transport sink
// sits at the end of the pipeline); frames for the source go through `pushUp`. A message
// the server cannot act on gets an `error-response` with the client's id, never an exception.

import { z } from "zod";
import { audioFrame, createFrame, type Frame } from "../../../frames/index.ts";
import type { Logger, ProcessorContext } from "../../../pipeline/context.ts";
import { rtviClientMessageFrame, type ClientMessage } from "../../../serializers/rtvi/rtviFrames.ts";
import { decodeBase64, pcmProblem } from "../../../serializers/wireAudio.ts";
import { rtvi, type RtviAbout, type RtviClientMessage, type RtviMessage } from "./messages.ts";
import type { RtviState } from "./state.ts";
import { checkClientVersion } from "./version.ts";

/** Answers one app-defined client message synchronously; what it returns is the reply's `d`. */
export type ClientMessageHandler = (data: unknown, message: ClientMessage) => unknown;

export interface HandlerEnv {
  readonly ctx: ProcessorContext;
  readonly log: Logger;
  readonly state: RtviState;
  readonly about: RtviAbout;
  readonly clientMessageHandlers: Readonly<Record<string, ClientMessageHandler>>;
  /** "error": a `t` without a handler gets an error-response; "forward": the pipeline answers. */
  readonly unhandledClientMessages: "error" | "forward";
  pushUp(frame: Frame): void;
}

type Handler = (msg: RtviClientMessage, env: HandlerEnv) => Frame[];

const keypad = z.enum(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#"]);

const schemas = {
  sendText: z.object({
    content: z.string(),
    options: z.object({ run_immediately: z.boolean().optional(), audio_response: z.boolean().optional() }).optional(),
  }),
  clientMessage: z.object({ t: z.string(), d: z.unknown().optional() }),
  dtmf: z.union([z.object({ buttons: z.array(keypad).min(1) }), z.object({ button: keypad })]),
  functionCallResult: z.object({
    function_name: z.string(),
    tool_call_id: z.string(),
    arguments: z.unknown().optional(),
    result: z.unknown().optional(),
  }),
  rawAudio: z.object({ base64Audio: z.string(), sampleRate: z.number(), numChannels: z.number().default(1) }),
  rawAudioBatch: z.object({ base64AudioBatch: z.array(z.string()), sampleRate: z.number(), numChannels: z.number().default(1) }),
};

const send = (env: HandlerEnv, message: RtviMessage): Frame =>
  createFrame(env.ctx.ids, "OutputTransportMessageUrgentFrame", { message });

const refuse = (env: HandlerEnv, msg: RtviClientMessage, error: string): Frame[] => [send(env, rtvi.errorResponse(msg.id, error))];

/** Validated data, or the error-response explaining the first problems. */
function parse<S extends z.ZodType>(schema: S, msg: RtviClientMessage, env: HandlerEnv): z.output<S> | Frame[] {
  const result = schema.safeParse(msg.data ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 3).map((i) => `data${i.path.map((p) => `.${String(p)}`).join("")}: ${i.message}`);
  return refuse(env, msg, `invalid ${msg.type}: ${problems.join("; ")}`);
}

const isRefusal = (v: unknown): v is Frame[] => Array.isArray(v);

const clientReady: Handler = (msg, env) => {
  const data = (typeof msg.data === "object" && msg.data !== null ? msg.data : {}) as { version?: unknown; about?: unknown };
  const protocol = checkClientVersion(data.version);
  env.state.clientReady = true;
  env.state.legacy = protocol.kind === "legacy";
  env.log.info({ event: "rtvi_client_ready", version: data.version, about: data.about, protocol: protocol.kind }, "RTVI client ready");
  const out: Frame[] = [];
  if (protocol.kind === "incompatible") out.push(send(env, rtvi.errorResponse(msg.id, protocol.problem)));
  out.push(send(env, rtvi.botReady(msg.id, protocol.botVersion, env.about)));
  return out;
};

// Without run_immediately the text waits behind the response in progress (data frames keep
// their order); with it, the bot is interrupted first. audio_response=false marks the text
// skip_tts so the reply is not spoken.
const sendText: Handler = (msg, env) => {
  const data = parse(schemas.sendText, msg, env);
  if (isRefusal(data)) return data;
  const { ids, scheduler } = env.ctx;
  const out: Frame[] = [];
  if (data.options?.run_immediately ?? true) {
    env.pushUp(createFrame(ids, "InterruptionFrame", {}));
    out.push(createFrame(ids, "InterruptionFrame", {}));
  }
  out.push(
    createFrame(ids, "TranscriptionFrame", {
      text: data.content,
      user_id: "user",
      timestamp: new Date(scheduler.now()).toISOString(),
      finalized: true,
      ...((data.options?.audio_response ?? true) ? {} : { skip_tts: true }),
    }),
  );
  return out;
};

const clientMessage: Handler = (msg, env) => {
  const data = parse(schemas.clientMessage, msg, env);
  if (isRefusal(data)) return data;
  const message: ClientMessage = { msg_id: msg.id ?? "", t: data.t, d: data.d };
  const out: Frame[] = [rtviClientMessageFrame(env.ctx.ids, message)];
  const handler = Object.hasOwn(env.clientMessageHandlers, data.t) ? env.clientMessageHandlers[data.t] : undefined;
  if (handler) {
    try {
      out.push(send(env, rtvi.serverResponse(msg.id, data.t, handler(data.d, message))));
    } catch (error) {
      out.push(send(env, rtvi.errorResponse(msg.id, error instanceof Error ? error.message : String(error))));
    }
  } else if (env.unhandledClientMessages === "error") {
    out.push(send(env, rtvi.errorResponse(msg.id, `no handler for client message "${data.t}"`)));
  }
  return out;
};

const disconnectBot: Handler = (_msg, env) => {
  env.pushUp(createFrame(env.ctx.ids, "EndFrame", { reason: "client sent disconnect-bot" }));
  return [];
};

const dtmf: Handler = (msg, env) => {
  const data = parse(schemas.dtmf, msg, env);
  if (isRefusal(data)) return data;
  const buttons = "buttons" in data ? data.buttons : [data.button];
  return buttons.map((digit) => createFrame(env.ctx.ids, "InputDTMFFrame", { digit }));
};

const functionCallResult: Handler = (msg, env) => {
  const data = parse(schemas.functionCallResult, msg, env);
  if (isRefusal(data)) return data;
  return [
    createFrame(env.ctx.ids, "FunctionCallResultFrame", {
      function_name: data.function_name,
      tool_call_id: data.tool_call_id,
      arguments: data.arguments,
      result: data.result ?? null,
    }),
  ];
};

function audioFrames(msg: RtviClientMessage, env: HandlerEnv, chunks: readonly string[], rate: number, channels: number): Frame[] {
  const frames: Frame[] = [];
  for (const chunk of chunks) {
    const audio = decodeBase64(chunk);
    if (audio === null) return refuse(env, msg, `invalid ${msg.type}: audio is not base64`);
    const problem = pcmProblem(audio, rate, channels);
    if (problem !== null) return refuse(env, msg, `invalid ${msg.type}: ${problem}`);
    frames.push(audioFrame(env.ctx.ids, "InputAudioRawFrame", audio, rate, channels));
  }
  return frames;
}

const rawAudio: Handler = (msg, env) => {
  const data = parse(schemas.rawAudio, msg, env);
  if (isRefusal(data)) return data;
  return audioFrames(msg, env, [data.base64Audio], data.sampleRate, data.numChannels);
};

const rawAudioBatch: Handler = (msg, env) => {
  const data = parse(schemas.rawAudioBatch, msg, env);
  if (isRefusal(data)) return data;
  return audioFrames(msg, env, data.base64AudioBatch, data.sampleRate, data.numChannels);
};

const HANDLERS: Readonly<Record<string, Handler>> = {
  "client-ready": clientReady,
  "send-text": sendText,
  "client-message": clientMessage,
  "disconnect-bot": disconnectBot,
  dtmf,
  "llm-function-call-result": functionCallResult,
  "raw-audio": rawAudio,
  "raw-audio-batch": rawAudioBatch,
};

/** Handles one RTVI-labelled object from the client. */
export function handleClientMessage(message: Record<string, unknown>, env: HandlerEnv): Frame[] {
  const id = typeof message["id"] === "string" ? message["id"] : undefined;
  const type = message["type"];
  if (typeof type !== "string") return refuse(env, { type: "", id }, "invalid RTVI message: missing type");
  const msg: RtviClientMessage = { type, id, data: message["data"] };
  const handler = Object.hasOwn(HANDLERS, type) ? HANDLERS[type] : undefined;
  if (handler === undefined) {
    env.log.debug({ event: "rtvi_unsupported", type }, "unsupported RTVI client message");
    return refuse(env, msg, `Unsupported type: ${type}`);
  }
  return handler(msg, env);
}
