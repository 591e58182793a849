// RIFF/WAVE with 16-bit PCM: the only WAV the project writes or reads (recordings, test audio,
// providers that return WAV). Decoding walks the chunk list, so extra chunks (LIST, fact, bext…)
// are skipped, and it accepts the "unknown size" markers (0xFFFFFFFF, or a size past the end)
// that streaming writers put in the RIFF and data headers.

const HEADER_BYTES = 44;
const FORMAT_PCM = 1;
const FORMAT_EXTENSIBLE = 0xfffe;
const UNKNOWN_SIZE = 0xffffffff;

export interface DecodedWav {
  /** PCM16LE samples, interleaved when channels > 1. A view into the input bytes (no copy). */
  readonly pcm: Uint8Array;
  readonly sampleRate: number;
  readonly channels: number;
}

/** Raised for bytes that are not a 16-bit PCM WAV; the message says what is wrong. */
export class WavFormatError extends Error {
  override readonly name = "WavFormatError";
}

/** A 44-byte RIFF/WAVE header followed by the samples. */
export function encodeWav(pcm: Uint8Array, sampleRate: number, channels: number): Uint8Array {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw new RangeError(`sample rate must be a positive integer, got ${sampleRate}`);
  if (!Number.isInteger(channels) || channels < 1 || channels > 65535) throw new RangeError(`channels must be an integer in 1..65535, got ${channels}`);
  const frameBytes = 2 * channels;
  if (pcm.byteLength % frameBytes !== 0) {
    throw new RangeError(`PCM16 payload of ${pcm.byteLength} bytes is not a whole number of ${channels}-channel frames`);
  }
  if (pcm.byteLength > UNKNOWN_SIZE - HEADER_BYTES) throw new RangeError(`PCM payload of ${pcm.byteLength} bytes is too large for a WAV file`);
  const out = new Uint8Array(HEADER_BYTES + pcm.byteLength);
  const view = new DataView(out.buffer);
  writeTag(out, 0, "RIFF");
  view.setUint32(4, 36 + pcm.byteLength, true);
  writeTag(out, 8, "WAVE");
  writeTag(out, 12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, FORMAT_PCM, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * frameBytes, true);
  view.setUint16(32, frameBytes, true);
  view.setUint16(34, 16, true);
  writeTag(out, 36, "data");
  view.setUint32(40, pcm.byteLength, true);
  out.set(pcm, HEADER_BYTES);
  return out;
}

/** Samples and format of a 16-bit PCM WAV. Throws WavFormatError on anything else. */
export function decodeWav(bytes: Uint8Array): DecodedWav {
  if (bytes.byteLength < 12) throw new WavFormatError(`not a WAV file: ${bytes.byteLength} bytes is shorter than a RIFF header`);
  if (readTag(bytes, 0) !== "RIFF" || readTag(bytes, 8) !== "WAVE") {
    throw new WavFormatError(`not a WAV file: expected "RIFF....WAVE", found ${JSON.stringify(readTag(bytes, 0))}…${JSON.stringify(readTag(bytes, 8))}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let format: { sampleRate: number; channels: number } | undefined;
  let at = 12;
  while (at + 8 <= bytes.byteLength) {
    const tag = readTag(bytes, at);
    const declared = view.getUint32(at + 4, true);
    const bodyStart = at + 8;
    const remaining = bytes.byteLength - bodyStart;
    if (tag === "data") {
      if (!format) throw new WavFormatError(`malformed WAV: "data" chunk at byte ${at} comes before any "fmt " chunk`);
      // Streamed WAVs do not know their length: 0xFFFFFFFF, or a size past the end, means "to the end".
      const size = declared === UNKNOWN_SIZE || declared > remaining ? remaining : declared;
      const frameBytes = 2 * format.channels;
      const whole = size - (size % frameBytes);
      return { pcm: bytes.subarray(bodyStart, bodyStart + whole), ...format };
    }
    if (declared > remaining) throw new WavFormatError(`malformed WAV: "${tag}" chunk at byte ${at} declares ${declared} bytes, only ${remaining} remain`);
    if (tag === "fmt ") format = parseFormat(view, bodyStart, declared);
    at = bodyStart + declared + (declared % 2); // chunks are padded to an even size
  }
  throw new WavFormatError(format ? `malformed WAV: no "data" chunk` : `malformed WAV: no "fmt " chunk`);
}

function parseFormat(view: DataView, start: number, size: number): { sampleRate: number; channels: number } {
  if (size < 16) throw new WavFormatError(`malformed WAV: "fmt " chunk is ${size} bytes, needs at least 16`);
  let formatTag = view.getUint16(start, true);
  const channels = view.getUint16(start + 2, true);
  const sampleRate = view.getUint32(start + 4, true);
  const bitsPerSample = view.getUint16(start + 14, true);
  // WAVE_FORMAT_EXTENSIBLE keeps the real format in the first 2 bytes of its sub-format GUID (offset 24).
  if (formatTag === FORMAT_EXTENSIBLE && size >= 40) formatTag = view.getUint16(start + 24, true);
  if (formatTag !== FORMAT_PCM) throw new WavFormatError(`unsupported WAV encoding: format tag ${formatTag}; only integer PCM (1) is supported`);
  if (bitsPerSample !== 16) throw new WavFormatError(`unsupported WAV: ${bitsPerSample}-bit samples; only 16-bit PCM is supported`);
  if (channels < 1) throw new WavFormatError(`malformed WAV: ${channels} channels`);
  if (sampleRate < 1) throw new WavFormatError(`malformed WAV: sample rate ${sampleRate}`);
  return { sampleRate, channels };
}

function readTag(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at] ?? 0, bytes[at + 1] ?? 0, bytes[at + 2] ?? 0, bytes[at + 3] ?? 0);
}

function writeTag(bytes: Uint8Array, at: number, tag: string): void {
  for (let i = 0; i < 4; i++) bytes[at + i] = tag.charCodeAt(i);
}
