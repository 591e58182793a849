// Strips the WAV header off a streamed TTS response (providers such as Groq answer only in WAV),
// so PCM can be forwarded as it arrives. Streaming servers often write 0 or 0xFFFFFFFF as the
// RIFF and data sizes because the length is unknown when the header goes out, so the sizes are
// ignored and everything after the "data" chunk header is audio.

export interface WavFormat {
  readonly sampleRate: number;
  readonly channels: number;
  readonly bitsPerSample: number;
}

export interface WavStreamParser {
  /** Returns the PCM bytes contained in `bytes` (empty while the header is still incomplete). */
  push(bytes: Uint8Array): Uint8Array;
  /** Known once the header has been read. */
  readonly format: WavFormat | undefined;
}

/** A header longer than this (huge LIST/metadata chunks) is treated as malformed. */
const MAX_HEADER_BYTES = 64 * 1024;
const EMPTY = new Uint8Array(0);

export function wavStreamParser(): WavStreamParser {
  let pending: Uint8Array = EMPTY;
  let format: WavFormat | undefined;
  let inData = false;

  return {
    get format() {
      return format;
    },
    push(bytes) {
      if (inData) return bytes;
      pending = concat(pending, bytes);
      const start = findDataStart(pending, (f) => (format = f));
      if (start === undefined) {
        if (pending.byteLength > MAX_HEADER_BYTES) throw new Error(`WAV header longer than ${MAX_HEADER_BYTES} bytes`);
        return EMPTY;
      }
      if (!format) throw new Error('WAV "data" chunk before its "fmt " chunk');
      inData = true;
      const audio = pending.subarray(start);
      pending = EMPTY;
      return audio;
    },
  };
}

/** Offset of the first audio byte, or undefined when more bytes are needed. */
function findDataStart(bytes: Uint8Array, onFormat: (format: WavFormat) => void): number | undefined {
  if (bytes.byteLength < 12) return undefined;
  if (ascii(bytes, 0) !== "RIFF" || ascii(bytes, 8) !== "WAVE") throw new Error("not a WAV stream (no RIFF/WAVE header)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 12;
  while (offset + 8 <= bytes.byteLength) {
    const id = ascii(bytes, offset);
    const size = view.getUint32(offset + 4, true);
    if (id === "data") return offset + 8;
    if (offset + 8 + size > bytes.byteLength) return undefined;
    if (id === "fmt ") onFormat(readFormat(view, offset + 8, size));
    offset += 8 + size + (size % 2); // chunks are padded to an even length
  }
  return undefined;
}

function readFormat(view: DataView, offset: number, size: number): WavFormat {
  if (size < 16) throw new Error(`WAV fmt chunk of ${size} bytes is too short`);
  let formatTag = view.getUint16(offset, true);
  // WAVE_FORMAT_EXTENSIBLE (0xFFFE) keeps the real format in the first 2 bytes of its sub-format GUID.
  if (formatTag === 0xfffe && size >= 40) formatTag = view.getUint16(offset + 24, true);
  const format = {
    channels: view.getUint16(offset + 2, true),
    sampleRate: view.getUint32(offset + 4, true),
    bitsPerSample: view.getUint16(offset + 14, true),
  };
  if (formatTag !== 1 || format.bitsPerSample !== 16) {
    throw new Error(`WAV audio is not 16-bit PCM (format ${formatTag}, ${format.bitsPerSample} bits)`);
  }
  return format;
}

function ascii(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + 4));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.byteLength === 0) return b;
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}
