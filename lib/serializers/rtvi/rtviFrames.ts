// Reading and writing RTVIClientMessageFrame and RTVIServerMessageFrame.
//
// Their field map declares payload fields named `type` (and `id`), the Go JSON names, and
// those collide with the frame header: createFrame would overwrite the frame's own type
// with the client's message type ("get-weather") and its id with the client's message id.
// So these frames keep `type` equal to the frame type, never set a payload `id`, and carry
// the RTVI content in `data`:
//   RTVIClientMessageFrame  { msg_id, data: { t, d } }   (the `client-message` data as sent)
//   RTVIServerMessageFrame  { data }                     (sent as `server-message {data}`)
// Every reader and writer goes through this file, so renaming the colliding fields in the
// field map later changes this file only.

import { createFrame, type Frame, type IdSource } from "../../frames/index.ts";

export interface ClientMessage {
  /** The RTVI message id, echoed on the reply. */
  readonly msg_id: string;
  /** The app-defined message type (`t`). */
  readonly t: string;
  /** The app-defined payload (`d`). */
  readonly d?: unknown;
}

export function rtviClientMessageFrame(ids: IdSource, message: ClientMessage): Frame<"RTVIClientMessageFrame"> {
  return createFrame(ids, "RTVIClientMessageFrame", {
    msg_id: message.msg_id,
    type: "RTVIClientMessageFrame",
    data: { t: message.t, d: message.d },
  });
}

export function clientMessageOf(frame: Frame<"RTVIClientMessageFrame">): ClientMessage {
  const data = (typeof frame.data === "object" && frame.data !== null ? frame.data : {}) as { t?: unknown; d?: unknown };
  return { msg_id: frame.msg_id, t: typeof data.t === "string" ? data.t : "", d: data.d };
}

/** A frame the app pushes to send `server-message {data}` to an RTVI client. */
export function rtviServerMessageFrame(ids: IdSource, data: unknown): Frame<"RTVIServerMessageFrame"> {
  return createFrame(ids, "RTVIServerMessageFrame", { type: "RTVIServerMessageFrame", data });
}
