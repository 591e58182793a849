// What a client is told when it sends something the server cannot read. The socket stays
// open: one bad message never ends a session (only a run of them does, see transport.ts).
//
//   RTVI-capable client  {"label":"rtvi-ai","type":"error-response","id":<its id>,"data":{"error","message"}}
//                        or, when no message id can be read, type "error" with {error, message, fatal:false}
//   plain JSON client    {"type":"ErrorFrame","data":{"error","fatal":false}}
//
// Both "error" and "message" are sent because the RTVI server sends `error` while
// client-js's ErrorData type reads `message`. Protobuf clients get the RTVI form inside a
// protobuf MessageFrame (built by the serializer from an OutputTransportMessageUrgentFrame).

import { createFrame, type IdSource } from "../../frames/index.ts";
import { hasRtviLabel, rtviMessage, type RtviMessage } from "../../serializers/rtvi/protocol.ts";
import type { FrameSerializer } from "../../serializers/serializer.ts";

/** The RTVI id of a JSON message, when it is one and has one. */
export function rtviMessageId(data: string | Uint8Array): string | undefined {
  if (typeof data !== "string" || data.length > 65_536) return undefined;
  try {
    const parsed: unknown = JSON.parse(data);
    if (hasRtviLabel(parsed)) return typeof parsed["id"] === "string" ? parsed["id"] : undefined;
  } catch {
    // not JSON at all
  }
  return undefined;
}

export function rtviError(message: string, id?: string): RtviMessage {
  return id === undefined
    ? rtviMessage("error", { error: message, message, fatal: false })
    : rtviMessage("error-response", { error: message, message }, id);
}

export function plainError(message: string): string {
  return JSON.stringify({ type: "ErrorFrame", data: { error: message, fatal: false } });
}

export interface ErrorReplyContext {
  readonly binary: boolean;
  readonly rtvi: boolean;
  readonly serializer: FrameSerializer;
  readonly ids: IdSource;
}

/** The wire message telling the client its input was malformed, or null when none fits. */
export function errorReply(ctx: ErrorReplyContext, message: string, offending: string | Uint8Array): string | Uint8Array | null {
  const id = rtviMessageId(offending);
  if (ctx.binary) {
    const frame = createFrame(ctx.ids, "OutputTransportMessageUrgentFrame", { message: rtviError(message, id) });
    try {
      return ctx.serializer.serialize(frame);
    } catch {
      return null;
    }
  }
  if (ctx.rtvi || id !== undefined) return JSON.stringify(rtviError(message, id));
  return plainError(message);
}
