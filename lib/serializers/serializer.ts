// The serializer contract: frames ⇄ wire messages, independent of the socket.

import type { Frame } from "../frames/index.ts";

export interface FrameSerializer {
  /** "json", "protobuf", "rtvi", "twilio", … */
  readonly name: string;
  /** Wire form of a frame, or null when this frame is not sent to the peer. */
  serialize(frame: Frame): string | Uint8Array | null;
  /**
   * Frames carried by one wire message (often one, sometimes none). Throws
   * SerializerError with a message fit for the peer when the input is malformed.
   */
  deserialize(data: string | Uint8Array, isBinary: boolean): Frame[];
}

export class SerializerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SerializerError";
  }
}
