// Reading and writing RTVIClientMessageFrame and RTVIServerMessageFrame.
//   RTVIClientMessageFrame  { msg_id, t, d }   (the `client-message` data as sent)
//   RTVIServerMessageFrame  { data }           (sent as `server-message {data}`)

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
  return createFrame(ids, "RTVIClientMessageFrame", { msg_id: message.msg_id, t: message.t, d: message.d });
}

export function clientMessageOf(frame: Frame<"RTVIClientMessageFrame">): ClientMessage {
  return { msg_id: frame.msg_id, t: frame.t, d: frame.d };
}

/** A frame the app pushes to send `server-message {data}` to an RTVI client. */
export function rtviServerMessageFrame(ids: IdSource, data: unknown): Frame<"RTVIServerMessageFrame"> {
  return createFrame(ids, "RTVIServerMessageFrame", { data });
}
