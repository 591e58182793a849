// Audio on the wire: base64 text (JSON envelope, RTVI raw-audio) and raw PCM16 bytes
// (protobuf). Peers send whatever they like, so every payload is checked before it
// becomes a frame: a bad sample rate or a half sample would otherwise reach resamplers
// and VADs that divide by it or read past the end.

/** Standard base64 alphabet with optional padding (what btoa and Buffer produce). */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Bytes of a base64 string, or null when it is not base64 (Buffer would silently skip junk). */
export function decodeBase64(text: string): Uint8Array | null {
  if (!BASE64.test(text) || text.length % 4 === 1) return null;
  const buf = Buffer.from(text, "base64");
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** Highest rate accepted from a peer: 384 kHz covers every real device. */
export const MAX_SAMPLE_RATE = 384_000;
/** More channels than this is garbage, not audio from a browser or a phone. */
export const MAX_CHANNELS = 8;

/**
 * Why a PCM16 payload with this format is unusable, or null when it is fine. A payload must
 * hold whole samples for every channel (2 × channels bytes per sample frame).
 */
export function pcmProblem(audio: Uint8Array, sampleRate: number, numChannels: number): string | null {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate > MAX_SAMPLE_RATE) {
    return `sample_rate must be an integer in 1..${MAX_SAMPLE_RATE}, got ${sampleRate}`;
  }
  if (!Number.isInteger(numChannels) || numChannels < 1 || numChannels > MAX_CHANNELS) {
    return `num_channels must be an integer in 1..${MAX_CHANNELS}, got ${numChannels}`;
  }
  if (audio.byteLength % (2 * numChannels) !== 0) {
    return `audio of ${audio.byteLength} bytes is not whole 16-bit samples for ${numChannels} channel(s)`;
  }
  return null;
}
