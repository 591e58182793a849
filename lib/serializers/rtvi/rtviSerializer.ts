// RTVI over a plain message channel (`/ws?rtvi=1`, a WebRTC data channel): each message is
// one RTVI JSON object, no envelope. This serializer only moves messages; turning frames
// into RTVI events and client messages into frames is the RTVI processor's job
// (lib/processors/frameworks/rtvi), so a session using it must include that processor.
//
// Out: OutputTransportMessage(Urgent)Frame → its message as JSON text; nothing else (audio
// travels on the media channel, or not at all). In: any JSON object →
// InputTransportMessageFrame; the processor ignores objects without the "rtvi-ai" label.

import { createFrame, type IdSource } from "../../frames/index.ts";
import { SerializerError, type FrameSerializer } from "../serializer.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function rtviSerializer(ids: IdSource): FrameSerializer {
  return {
    name: "rtvi",
    serialize(frame) {
      if (frame.type !== "OutputTransportMessageFrame" && frame.type !== "OutputTransportMessageUrgentFrame") return null;
      try {
        return JSON.stringify(frame.message ?? null);
      } catch (error) {
        throw new SerializerError(`transport message is not JSON-serializable: ${(error as Error).message}`);
      }
    },
    deserialize(data) {
      let value: unknown;
      try {
        value = JSON.parse(typeof data === "string" ? data : utf8.decode(data));
      } catch (error) {
        throw new SerializerError(`malformed RTVI message: ${(error as Error).message}`);
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new SerializerError("malformed RTVI message: expected a JSON object");
      }
      return [createFrame(ids, "InputTransportMessageFrame", { message: value })];
    },
  };
}
