// Pipecat's binary protobuf framing (frames.proto), the format of @pipecat-ai/websocket-transport.
//
// What goes out, and why only this by default:
//   OutputAudioRawFrame, TTSAudioRawFrame        → audio  (name "Type#id", pts when known)
//   OutputTransportMessage(Urgent)Frame          → message {data: JSON of the message}
//   InterruptionFrame                            → interruption
// Pipecat's server sends exactly these. The JS client reads `audio` and `message` only and
// throws "Unknown frame kind" on text or transcription, and RTVI already carries transcripts
// and bot text as messages, so text frames stay home unless `sendText` asks for them
// (then TextFrame and LLMTextFrame → text, final TranscriptionFrame → transcription).
// Everything else serializes to null.
//
// What comes in: audio → InputAudioRawFrame, text → TextFrame, transcription → final
// TranscriptionFrame, message → InputTransportMessageFrame {message: parsed JSON},
// interruption → InterruptionFrame. Anything malformed is a SerializerError, never another
// kind of exception: truncated bytes, an empty Frame, unusable audio, non-JSON message data.
//
// Audio, the bulk of the traffic both ways, takes a hand-written fast path (protobufAudio.ts):
// inbound, a Frame that is exactly one plain `audio` message is read in place (the audio stays
// a view of the received bytes); outbound, bot audio is written straight into one buffer, byte
// for byte what protobufjs writes. Whatever the fast path does not fully understand goes
// through protobufjs as before, so odd input keeps its outcome and its error message;
// `fastPath: false` turns it off (differential specs, benchmark).

import { readFileSync } from "node:fs";
import protobuf from "protobufjs";
import { audioFrame, createFrame, frameName, isFrame, type Frame, type IdSource } from "../frames/index.ts";
import { decodeAudioFrame, encodeAudioFrame } from "./protobufAudio.ts";
import { SerializerError, type FrameSerializer } from "./serializer.ts";
import { pcmProblem } from "./wireAudio.ts";

/** The schema, parsed once per process from frames.proto (keepCase: snake_case field names). */
export const pipecatProtoRoot: protobuf.Root = protobuf.parse(
  readFileSync(new URL("./frames.proto", import.meta.url), "utf8"),
  { keepCase: true },
).root;

const FrameMessage = pipecatProtoRoot.lookupType("pipecat.Frame");

interface WireText {
  readonly id?: number;
  readonly name?: string;
  readonly text?: string;
}
interface WireAudio {
  readonly id?: number;
  readonly name?: string;
  readonly audio?: Uint8Array;
  readonly sample_rate?: number;
  readonly num_channels?: number;
  readonly pts?: number;
}
interface WireTranscription extends WireText {
  readonly user_id?: string;
  readonly timestamp?: string;
}
interface WireFrame {
  readonly frame?: "text" | "audio" | "transcription" | "message" | "interruption";
  readonly text?: WireText;
  readonly audio?: WireAudio;
  readonly transcription?: WireTranscription;
  readonly message?: { readonly data?: string };
  readonly interruption?: { readonly id?: number; readonly name?: string };
}

export interface ProtobufSerializerOptions {
  /** Also send TextFrame/LLMTextFrame as `text` and final transcripts as `transcription`. @defaultValue false */
  readonly sendText?: boolean;
  /** Hand-written audio codec in front of protobufjs; false = protobufjs only. @defaultValue true */
  readonly fastPath?: boolean;
}

/** A plain Uint8Array view of protobufjs's Buffer (same memory, no copy). */
const view = (b: Uint8Array): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

function messageJson(message: unknown): string {
  try {
    return JSON.stringify(message ?? null);
  } catch (error) {
    throw new SerializerError(`transport message is not JSON-serializable: ${(error as Error).message}`);
  }
}

/** The wire Frame for an outbound frame, or null when the frame is not sent. */
function toWire(frame: Frame, sendText: boolean): WireFrame | null {
  if (isFrame(frame, "OutputAudioRawFrame")) {
    const audio: WireAudio = {
      id: frame.id,
      name: frameName(frame),
      audio: frame.audio,
      sample_rate: frame.sample_rate,
      num_channels: frame.num_channels,
      ...(frame.pts !== undefined ? { pts: frame.pts } : {}),
    };
    return { audio };
  }
  switch (frame.type) {
    case "OutputTransportMessageFrame":
    case "OutputTransportMessageUrgentFrame":
      return { message: { data: messageJson(frame.message) } };
    case "InterruptionFrame":
      return { interruption: { id: frame.id, name: frameName(frame) } };
    case "TextFrame":
    case "LLMTextFrame":
      return sendText ? { text: { id: frame.id, name: frameName(frame), text: frame.text } } : null;
    case "TranscriptionFrame":
      return sendText
        ? {
            transcription: {
              id: frame.id,
              name: frameName(frame),
              text: frame.text,
              user_id: frame.user_id,
              timestamp: frame.timestamp,
            },
          }
        : null;
    default:
      return null;
  }
}

function decodeWire(bytes: Uint8Array): WireFrame {
  try {
    return FrameMessage.toObject(FrameMessage.decode(bytes), { longs: Number, oneofs: true }) as WireFrame;
  } catch (error) {
    throw new SerializerError(`malformed protobuf Frame (${bytes.byteLength} bytes): ${(error as Error).message}`);
  }
}

function parseMessageData(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    throw new SerializerError("protobuf message frame: data is not valid JSON");
  }
}

export function protobufSerializer(ids: IdSource, options: ProtobufSerializerOptions = {}): FrameSerializer {
  const sendText = options.sendText ?? false;
  const fastPath = options.fastPath ?? true;

  const inputAudio = (audio: Uint8Array, rate: number, channels: number, pts: number | undefined): Frame => {
    const problem = pcmProblem(audio, rate, channels);
    if (problem !== null) throw new SerializerError(`protobuf audio frame: ${problem}`);
    return audioFrame(ids, "InputAudioRawFrame", audio, rate, channels, pts !== undefined ? { pts } : {});
  };

  const fromWire = (wire: WireFrame): Frame => {
    switch (wire.frame) {
      case "audio": {
        const a = wire.audio ?? {};
        return inputAudio(a.audio ? view(a.audio) : new Uint8Array(0), a.sample_rate ?? 0, a.num_channels ?? 0, a.pts);
      }
      case "text":
        return createFrame(ids, "TextFrame", { text: wire.text?.text ?? "" });
      case "transcription": {
        const t = wire.transcription ?? {};
        return createFrame(ids, "TranscriptionFrame", {
          text: t.text ?? "",
          user_id: t.user_id ?? "",
          timestamp: t.timestamp ?? "",
          finalized: true,
        });
      }
      case "message":
        return createFrame(ids, "InputTransportMessageFrame", { message: parseMessageData(wire.message?.data ?? "") });
      case "interruption":
        return createFrame(ids, "InterruptionFrame", {});
      default:
        throw new SerializerError("protobuf Frame carries no frame (empty oneof)");
    }
  };

  return {
    name: "protobuf",
    serialize(frame) {
      if (fastPath && isFrame(frame, "OutputAudioRawFrame")) {
        const bytes = encodeAudioFrame(frame.id, frameName(frame), frame.audio, frame.sample_rate, frame.num_channels, frame.pts);
        if (bytes !== null) return bytes;
      }
      const wire = toWire(frame, sendText);
      return wire === null ? null : view(FrameMessage.encode(wire).finish());
    },
    deserialize(data) {
      if (typeof data === "string") throw new SerializerError("protobuf serializer expects binary messages, got text");
      const audio = fastPath ? decodeAudioFrame(data) : null;
      if (audio !== null) return [inputAudio(audio.audio, audio.sample_rate, audio.num_channels, audio.pts)];
      return [fromWire(decodeWire(data))];
    },
  };
}
