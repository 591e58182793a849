// The transcription upload as multipart/form-data, built in one buffer: the text fields, then
// the audio as a WAV file whose 44-byte header and PCM are written straight into the body (the
// PCM is copied once, into its place; no separate WAV file is made first). Fields go before the
// file so that a server parsing the stream sees the model before the audio.

import { randomUUID } from "node:crypto";
import { encodeWav } from "../../audio/wav.ts";
import type { WireBody } from "./http.ts";

const WAV_HEADER_BYTES = 44;
const NO_SAMPLES = new Uint8Array(0);

export interface WavUpload {
  readonly pcm: Uint8Array;
  readonly sampleRate: number;
  readonly channels: number;
  /** Sent as `filename`; its extension is how OpenAI-wire servers pick the decoder. */
  readonly filename: string;
}

export function multipartUpload(fields: readonly (readonly [string, string])[], file: WavUpload): WireBody {
  const boundary = `voxray-${randomUUID()}`;
  let head = "";
  for (const [name, value] of fields) {
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${escapeQuoted(name)}"\r\n\r\n${value.replace(/\r\n|\r|\n/g, "\r\n")}\r\n`;
  }
  head += `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${escapeQuoted(file.filename)}"\r\nContent-Type: audio/wav\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;

  const headBytes = Buffer.byteLength(head, "utf8");
  const audioAt = headBytes + WAV_HEADER_BYTES;
  const tailAt = audioAt + file.pcm.byteLength;
  const body = Buffer.allocUnsafe(tailAt + tail.length);
  body.write(head, 0, "utf8");
  body.set(wavHeader(file), headBytes);
  body.set(file.pcm, audioAt);
  body.write(tail, tailAt, "latin1");
  return { bytes: body, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The header encodeWav writes for no samples, with its two sizes set for the real PCM. */
function wavHeader(file: WavUpload): Uint8Array {
  const header = encodeWav(NO_SAMPLES, file.sampleRate, file.channels);
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  view.setUint32(4, 36 + file.pcm.byteLength, true); // RIFF size: everything after these 8 bytes
  view.setUint32(40, file.pcm.byteLength, true); // data size
  return header;
}

/** As the HTML form encoding does: the three characters that would break a quoted name. */
function escapeQuoted(value: string): string {
  return value.replace(/\n/g, "%0A").replace(/\r/g, "%0D").replace(/"/g, "%22");
}
