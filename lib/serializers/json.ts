// The JSON envelope of `/ws` (the default format): text messages `{"type": "<FrameType>",
// "data": {<snake_case fields>}}`, with the Go original's type and field names. Frame id,
// pts and metadata are not sent. Unlike the Go original, audio travels both ways as base64
// in `data.audio`.
//
// Sent to the peer (everything else is internal and serializes to null, StartFrame,
// EndFrame and CancelFrame included):
//   speaking state   UserStarted/StoppedSpeakingFrame, BotStarted/StoppedSpeakingFrame
//   bot audio        OutputAudioRawFrame, TTSAudioRawFrame (base64 `audio`)
//   errors           ErrorFrame, FatalErrorFrame
//   barge-in         InterruptionFrame (the client drops audio it has queued)
//   transcripts      TranscriptionFrame, InterimTranscriptionFrame (the Go server never sent them)
//   bot text         TextFrame, LLMTextFrame (tokens as generated), TTSTextFrame (words as spoken),
//                    LLMFullResponseStart/EndFrame (bracket one response)
//   RTVI             RTVIServerMessageFrame in the envelope; OutputTransportMessage(Urgent)Frame
//                    as the bare message (no envelope), so RTVI-over-JSON clients get plain
//                    `{"label":"rtvi-ai",…}` objects.
//
// Accepted from the peer: the types in jsonInbound.ts (base64 microphone audio included), and
// any object with `"label": "rtvi-ai"` (→ InputTransportMessageFrame, for the RTVI processor).
// Malformed input throws SerializerError naming the problem and the field.

import type { z } from "zod";
import { createFrame, type Frame, type FrameType, type IdSource } from "../frames/index.ts";
import { JSON_INBOUND } from "./jsonInbound.ts";
import { hasRtviLabel } from "./rtvi/protocol.ts";
import { SerializerError, type FrameSerializer } from "./serializer.ts";
import { encodeBase64 } from "./wireAudio.ts";

export const JSON_OUTBOUND: ReadonlySet<FrameType> = new Set<FrameType>([
  "UserStartedSpeakingFrame",
  "UserStoppedSpeakingFrame",
  "BotStartedSpeakingFrame",
  "BotStoppedSpeakingFrame",
  "OutputAudioRawFrame",
  "TTSAudioRawFrame",
  "ErrorFrame",
  "FatalErrorFrame",
  "InterruptionFrame",
  "TranscriptionFrame",
  "InterimTranscriptionFrame",
  "TextFrame",
  "LLMTextFrame",
  "TTSTextFrame",
  "LLMFullResponseStartFrame",
  "LLMFullResponseEndFrame",
  "RTVIServerMessageFrame",
]);

/** Header fields that stay inside the process. */
const HEADER = new Set(["type", "id", "pts", "uninterruptible", "metadata"]);

function payloadOf(frame: Frame): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(frame)) {
    if (HEADER.has(key) || value === undefined) continue;
    data[key] = value instanceof Uint8Array ? encodeBase64(value) : value;
  }
  return data;
}

function stringify(value: unknown, what: string): string {
  try {
    return JSON.stringify(value ?? null);
  } catch (error) {
    throw new SerializerError(`${what} is not JSON-serializable: ${(error as Error).message}`);
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function parseJson(data: string | Uint8Array): unknown {
  let text: string;
  try {
    text = typeof data === "string" ? data : utf8.decode(data);
  } catch {
    throw new SerializerError("message is not valid UTF-8");
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SerializerError(`malformed JSON: ${(error as Error).message}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** "data.messages[0].role" from a zod issue path. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : `${acc}.${String(key)}`), "data");
}

function describeIssues(type: string, error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((i) => `${fieldPath(i.path)}: ${i.message}`);
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : "";
  return `invalid ${type}: ${shown.join("; ")}${more}`;
}

function parseData(type: string, schema: z.ZodType, data: unknown): Record<string, unknown> {
  const result = schema.safeParse(data ?? {});
  if (!result.success) throw new SerializerError(describeIssues(type, result.error));
  return result.data as Record<string, unknown>;
}

export function jsonSerializer(ids: IdSource): FrameSerializer {
  return {
    name: "json",
    serialize(frame) {
      if (frame.type === "OutputTransportMessageFrame" || frame.type === "OutputTransportMessageUrgentFrame") {
        return stringify(frame.message, "transport message");
      }
      if (!JSON_OUTBOUND.has(frame.type)) return null;
      return stringify({ type: frame.type, data: payloadOf(frame) }, frame.type);
    },
    deserialize(data) {
      const value = parseJson(data);
      if (!isObject(value)) throw new SerializerError('expected a JSON object {"type", "data"}');
      if (hasRtviLabel(value)) return [createFrame(ids, "InputTransportMessageFrame", { message: value })];
      const type = value["type"];
      if (typeof type !== "string") throw new SerializerError('missing "type": expected {"type", "data"}');
      const payload = value["data"];
      if (payload !== undefined && payload !== null && !isObject(payload)) {
        throw new SerializerError(`invalid ${type}: "data" must be an object`);
      }
      const entry = Object.hasOwn(JSON_INBOUND, type) ? JSON_INBOUND[type] : undefined;
      if (entry === undefined) throw new SerializerError(`unknown frame type "${type}"`);
      return [entry.build(ids, parseData(type, entry.data, payload), type)];
    },
  };
}
